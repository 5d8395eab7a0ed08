{#- The decision statement of a governed metric as data (ledger.decision):
        moves: worsens | improves   (against the ledger's `better`)
        by:    "20%" (percent of the baseline) or "5 points" (percentage points of a rate: ratio
               metrics only, one point = 0.01 of the share)
        for:   "2 weeks" (consecutive complete weeks; an integer is read as weeks)
        then:  the action
        slice: optional {dimension: value, ...} over the ledger segments every semantic model of
               the metric has (channel, queue, priority, region, customer_tier, contact_reason,
               branch)
        baseline: optional {trailing_weeks: N} (default 4: the mean of the usable weeks among the
               N before the statement's window) or {value: X} (a fixed baseline)
    decision_problems() names every malformed part; ledger_decision_rows() gives the parsed
    statements to metric_decision_triggers_weekly. -#}

{% macro decision_segment_dimensions() %}
    {{ return(['channel', 'queue', 'priority', 'region', 'customer_tier', 'contact_reason', 'branch']) }}
{% endmacro %}

{#- The semantic-layer dimension of a ledger segment (the branch is owning_branch there). -#}
{% macro decision_slice_dimension(segment) %}
    {{ return('owning_branch' if segment == 'branch' else segment) }}
{% endmacro %}

{#- {value, unit} of a decision's `by` (unit percent or points), or none when malformed. -#}
{% macro decision_threshold(by) %}
    {% set match = modules.re.match('^\s*([0-9]+(?:\.[0-9]+)?)\s*(%|percent|points?|pts?)\s*$', by | string) if by is not none and by is not boolean else none %}
    {% if match is none or (match.group(1) | float) <= 0 %}
        {{ return(none) }}
    {% endif %}
    {{ return({'value': match.group(1) | float, 'unit': 'percent' if match.group(2) in ['%', 'percent'] else 'points'}) }}
{% endmacro %}

{#- The whole number of weeks of a decision's `for` (1 to 52), or none when malformed. -#}
{% macro decision_weeks(for_weeks) %}
    {% if for_weeks is number and for_weeks is not boolean %}
        {{ return(for_weeks | int if 1 <= for_weeks <= 52 and for_weeks == (for_weeks | int) else none) }}
    {% endif %}
    {% set match = modules.re.match('^\s*([0-9]+)\s*weeks?\s*$', for_weeks | string) if for_weeks is string else none %}
    {% if match is none or (match.group(1) | int) < 1 or (match.group(1) | int) > 52 %}
        {{ return(none) }}
    {% endif %}
    {{ return(match.group(1) | int) }}
{% endmacro %}

{#- {trailing_weeks, value} of a decision's baseline (default trailing 4 weeks), or none when
    malformed. -#}
{% macro decision_baseline(baseline) %}
    {% if baseline is none %}
        {{ return({'trailing_weeks': 4, 'value': none}) }}
    {% endif %}
    {% if baseline is not mapping or (baseline | length) != 1 %}
        {{ return(none) }}
    {% endif %}
    {% set weeks = baseline.get('trailing_weeks') %}
    {% set value = baseline.get('value') %}
    {% if weeks is number and weeks is not boolean and 1 <= weeks <= 52 and weeks == (weeks | int) %}
        {{ return({'trailing_weeks': weeks | int, 'value': none}) }}
    {% elif value is number and value is not boolean %}
        {{ return({'trailing_weeks': none, 'value': value}) }}
    {% endif %}
    {{ return(none) }}
{% endmacro %}

{#- "channel=email, priority=p1" for a slice (sorted by dimension), '' for none. -#}
{% macro decision_slice_text(decision_slice) %}
    {% set parts = [] %}
    {% for dimension, value in (decision_slice or {}).items() | sort %}
        {% do parts.append(dimension ~ '=' ~ value) %}
    {% endfor %}
    {{ return(parts | join(', ')) }}
{% endmacro %}

{#- Every problem of one metric's decision statement, one line each (moves is checked with the
    rest of the ledger). -#}
{% macro decision_problems(metric, ledger) %}
    {% set problems = [] %}
    {% set decision = ledger.get('decision') %}
    {% if decision is not mapping %}
        {{ return(problems) }}
    {% endif %}
    {% set where = 'metric ' ~ metric.name ~ ': ledger.decision' %}
    {% set threshold = decision_threshold(decision.get('by')) %}
    {% if threshold is none %}
        {% do problems.append(where ~ '.by is ' ~ (decision.get('by') | string) ~ ', expected a percent of the baseline ("20%") or points of a rate ("5 points"), above 0') %}
    {% elif threshold.unit == 'points' and metric.type != 'ratio' %}
        {% do problems.append(where ~ '.by is ' ~ decision.get('by') ~ ', but points are percentage points of a rate and ' ~ metric.name ~ ' is a ' ~ metric.type ~ ' metric: use a percent') %}
    {% endif %}
    {% if decision_weeks(decision.get('for')) is none %}
        {% do problems.append(where ~ '.for is ' ~ (decision.get('for') | string) ~ ', expected a number of consecutive complete weeks ("2 weeks", 1 to 52)') %}
    {% endif %}
    {% set baseline = decision_baseline(decision.get('baseline')) %}
    {% if baseline is none %}
        {% do problems.append(where ~ '.baseline is ' ~ (decision.get('baseline') | string) ~ ', expected {trailing_weeks: N} (N from 1 to 52) or {value: X}') %}
    {% elif threshold is not none and threshold.unit == 'points' and baseline.value is not none and not (0 <= baseline.value <= 1) %}
        {% do problems.append(where ~ '.baseline.value is ' ~ baseline.value ~ ', but a rate is a share from 0 to 1 (0.85, not 85) when the move is in points') %}
    {% endif %}
    {% set decision_slice = decision.get('slice') %}
    {% if decision_slice is not none %}
        {% if decision_slice is not mapping or not decision_slice %}
            {% do problems.append(where ~ '.slice is ' ~ (decision_slice | string) ~ ', expected a mapping of segment to value ({priority: p1, channel: email})') %}
        {% else %}
            {% set dimensions = [] %}
            {% for segment in decision_segment_dimensions() %}{% do dimensions.append(decision_slice_dimension(segment)) %}{% endfor %}
            {% set available = metric_segment_dimensions(metric, dimensions) %}
            {% for dimension, value in decision_slice.items() | sort %}
                {% if dimension not in decision_segment_dimensions() %}
                    {% do problems.append(where ~ '.slice names ' ~ dimension ~ ', expected one of ' ~ decision_segment_dimensions() | join(', ')) %}
                {% elif decision_slice_dimension(dimension) not in available %}
                    {% do problems.append(where ~ '.slice names ' ~ dimension ~ ', which ' ~ metric.name ~ ' cannot be segmented by (its semantic models lack it)') %}
                {% endif %}
                {% if value is not string or value | trim == '' %}
                    {% do problems.append(where ~ '.slice.' ~ dimension ~ ' is ' ~ (value | string) ~ ', expected a segment value (text)') %}
                {% endif %}
            {% endfor %}
        {% endif %}
    {% endif %}
    {{ return(problems) }}
{% endmacro %}

{#- metric_name, better, moves, threshold_value, threshold_unit, for_weeks,
    baseline_trailing_weeks, baseline_fixed_value, decision_slice (text), action, owner: the
    parsed decision statement of every governed metric. -#}
{% macro ledger_decision_rows() %}
    {% set rows = [] %}
    {% for metric in governed_metrics() %}
        {% set ledger = metric.config.meta.get('ledger', {}) %}
        {% set decision = ledger.get('decision') or {} %}
        {% set threshold = decision_threshold(decision.get('by')) or {} %}
        {% set baseline = decision_baseline(decision.get('baseline')) or {} %}
        {% do rows.append([metric.name, ledger.get('better'), decision.get('moves'), threshold.get('value'),
            threshold.get('unit'), decision_weeks(decision.get('for')), baseline.get('trailing_weeks'),
            baseline.get('value'), decision_slice_text(decision.get('slice')), decision.get('then'), ledger.get('owner')]) %}
    {% endfor %}
    {{ return(_literal_rows([('metric_name', 'string'), ('better', 'string'), ('moves', 'string'),
        ('threshold_value', 'double'), ('threshold_unit', 'string'), ('for_weeks', 'integer'),
        ('baseline_trailing_weeks', 'integer'), ('baseline_fixed_value', 'double'),
        ('decision_slice', 'string'), ('action', 'string'), ('owner', 'string')], rows)) }}
{% endmacro %}

{#- The move of `value` from the baseline of the statement row `statement`, in the statement's
    direction and unit: percent of the baseline, or percentage points of a rate. -#}
{% macro decision_move(value, statement) -%}
    case
        when {{ statement }}.threshold_unit = 'points'
            then 100.0 * {{ statement }}.direction * ({{ value }} - {{ statement }}.baseline_value)
        else 100.0 * {{ statement }}.direction * ({{ value }} - {{ statement }}.baseline_value)
            / nullif(abs({{ statement }}.baseline_value), 0)
    end
{% endmacro %}

{#- Every ledger field still holding a `TODO` placeholder (as `metric-ledger premortem --new`
    writes them), at any depth: a ledger is complete only when its author decided each one. -#}
{% macro ledger_placeholder_problems(metric, value, path='ledger') %}
    {% set problems = [] %}
    {% if value is mapping %}
        {% for key, item in value.items() %}
            {% do problems.extend(ledger_placeholder_problems(metric, item, path ~ '.' ~ key)) %}
        {% endfor %}
    {% elif value is iterable and value is not string %}
        {% for item in value %}
            {% do problems.extend(ledger_placeholder_problems(metric, item, path)) %}
        {% endfor %}
    {% elif value is string and (value | trim | upper).startswith('TODO') %}
        {% do problems.append('metric ' ~ metric.name ~ ': ' ~ path ~ ' is still the placeholder ' ~ value | trim ~ ' (fill it in)') %}
    {% endif %}
    {{ return(problems) }}
{% endmacro %}

{#- Whether `value` crosses the statement's threshold: its move reaches `by` (rounded to 6
    decimals, so exactly at the threshold crosses); false without a baseline or a value. -#}
{% macro decision_crosses(value, statement) -%}
    coalesce({{ round_to(decision_move(value, statement), 6) }} >= {{ statement }}.threshold_value, false)
{%- endmacro %}
