{#- The Assumption Ledger of every governed metric lives in its config.meta.ledger (in
    models/semantic/, the YAML of the metric's semantic model). These macros read it from the dbt graph: one place that knows
    which metrics are governed and what a valid ledger is. -#}

{% macro ledger_vocabulary() %}
    {{ return({
        'jobs': ['diagnostic', 'target', 'alarm', 'allocation'],
        'statuses': ['ship', 'ship_with_guardrails', 'pause_and_fix'],
        'blast_radius': ['money_and_careers', 'staffing', 'prioritization', 'comparisons', 'escalations'],
        'decision_moves': ['worsens', 'improves'],
        'text_fields': ['definition', 'coverage', 'comparability', 'automation_limits', 'known_biases', 'monitoring_signals', 'change_triggers'],
        'maturity_anchors': ['week_end', 'last_first_solve', 'last_survey_sent'],
    }) }}
{% endmacro %}

{#- Every metric of this project that carries meta.governed = true, sorted by name. -#}
{% macro governed_metrics() %}
    {% set metrics = [] %}
    {% if execute %}
        {% for metric in graph.metrics.values() %}
            {% if metric.package_name == project_name and metric.config.meta.get('governed') %}
                {% do metrics.append(metric) %}
            {% endif %}
        {% endfor %}
    {% endif %}
    {{ return(metrics | sort(attribute='name')) }}
{% endmacro %}

{#- The semantic models (and the dbt models behind them) a metric reads, through its input
    measures (ratio and derived metrics list theirs too). -#}
{% macro metric_lineage(metric) %}
    {% set measure_names = metric.type_params.input_measures | map(attribute='name') | list %}
    {% set semantic_models = [] %}
    {% set models = [] %}
    {% for semantic_model in graph.semantic_models.values() | sort(attribute='name') %}
        {% for measure in semantic_model.measures %}
            {% if measure.name in measure_names and semantic_model.name not in semantic_models %}
                {% do semantic_models.append(semantic_model.name) %}
                {% for node_id in semantic_model.depends_on.nodes %}
                    {% do models.append(node_id.split('.')[-1]) %}
                {% endfor %}
            {% endif %}
        {% endfor %}
    {% endfor %}
    {% set input_metrics = [] %}
    {% for node_id in metric.depends_on.nodes %}
        {% if node_id.startswith('metric.') %}
            {% do input_metrics.append(node_id.split('.')[-1]) %}
        {% endif %}
    {% endfor %}
    {{ return({
        'semantic_models': semantic_models,
        'models': models | unique | list,
        'input_measures': measure_names,
        'input_metrics': input_metrics,
    }) }}
{% endmacro %}

{#- "If <metric> <moves> by <by> for <for>, then <then>." -#}
{% macro decision_statement(metric_name, decision) %}
    {% if decision is mapping and decision.get('moves') %}
        {% set slice_text = decision_slice_text(decision.get('slice')) if decision.get('slice') is mapping else '' %}
        {% set baseline = decision.get('baseline') if decision.get('baseline') is mapping else {} %}
        {% set against = ' against the trailing ' ~ baseline.trailing_weeks ~ ' weeks' if baseline.get('trailing_weeks') is not none
            else (' against a fixed baseline of ' ~ baseline.value if baseline.get('value') is not none else '') %}
        {{ return('If ' ~ metric_name ~ (' for ' ~ slice_text if slice_text else '') ~ ' ' ~ decision.moves ~ ' by ' ~ decision.get('by', '?') ~ against ~ ' for ' ~ decision.get('for', '?') ~ ', then ' ~ (((decision.get('then') or '?') | string | trim).rstrip('.')) ~ '.') }}
    {% endif %}
    {{ return(none) }}
{% endmacro %}

{#- Every problem of every governed metric's ledger, one line each, naming metric and field. -#}
{% macro metric_ledger_problems() %}
    {% set vocabulary = ledger_vocabulary() %}
    {% set problems = [] %}
    {% set metrics = governed_metrics() %}
    {% set metric_names = metrics | map(attribute='name') | list %}
    {% set statuses = {} %}
    {% for metric in metrics %}
        {% set where = 'metric ' ~ metric.name ~ ': ledger.' %}
        {% set ledger = metric.config.meta.get('ledger') %}
        {% if ledger is not mapping %}
            {% do problems.append('metric ' ~ metric.name ~ ': config.meta.ledger is missing (every governed metric carries its Assumption Ledger)') %}
        {% else %}
            {% do statuses.update({metric.name: ledger.get('status')}) %}
            {% if ledger.get('job') not in vocabulary.jobs %}
                {% do problems.append(where ~ 'job is ' ~ (ledger.get('job') | string) ~ ', expected one of ' ~ vocabulary.jobs | join(', ')) %}
            {% endif %}
            {% if ledger.get('status') not in vocabulary.statuses %}
                {% do problems.append(where ~ 'status is ' ~ (ledger.get('status') | string) ~ ', expected one of ' ~ vocabulary.statuses | join(', ')) %}
            {% endif %}
            {% if ledger.get('better') not in ['higher', 'lower'] %}
                {% do problems.append(where ~ 'better is ' ~ (ledger.get('better') | string) ~ ', expected higher or lower (which way the number improves)') %}
            {% endif %}
            {% if ledger.get('version') is not number or ledger.get('version') < 1 %}
                {% do problems.append(where ~ 'version must be a positive integer') %}
            {% endif %}
            {% if not ledger.get('owner') %}
                {% do problems.append(where ~ 'owner is missing') %}
            {% endif %}
            {% if ledger.get('approvers') is string or not ledger.get('approvers') %}
                {% do problems.append(where ~ 'approvers must be a non-empty list') %}
            {% endif %}
            {% set decision = ledger.get('decision') %}
            {% if decision is not mapping or not decision.get('then') or not decision.get('by') or not decision.get('for') %}
                {% do problems.append(where ~ 'decision is missing or incomplete (needs moves, by, for, then)') %}
            {% elif decision.get('moves') not in vocabulary.decision_moves %}
                {% do problems.append(where ~ 'decision.moves is ' ~ (decision.get('moves') | string) ~ ', expected worsens or improves') %}
            {% endif %}
            {% for field in vocabulary.text_fields %}
                {% if ledger.get(field) is not string or ledger.get(field) | trim == '' %}
                    {% do problems.append(where ~ field ~ ' is missing') %}
                {% endif %}
            {% endfor %}
            {% for radius in ledger.get('blast_radius', []) %}
                {% if radius not in vocabulary.blast_radius %}
                    {% do problems.append(where ~ 'blast_radius has unknown value ' ~ radius) %}
                {% endif %}
            {% endfor %}
            {% set counter_metrics = ledger.get('counter_metrics', []) or [] %}
            {% if ledger.get('job') == 'target' and (counter_metrics | length < 2 or counter_metrics | length > 4) %}
                {% do problems.append(where ~ 'counter_metrics must name 2 to 4 metrics for a target (found ' ~ counter_metrics | length ~ ')') %}
            {% endif %}
            {% for counter in counter_metrics %}
                {% if counter not in metric_names %}
                    {% do problems.append(where ~ 'counter_metrics names ' ~ counter ~ ', which is not a governed metric') %}
                {% elif counter == metric.name %}
                    {% do problems.append(where ~ 'counter_metrics names the metric itself') %}
                {% endif %}
            {% endfor %}
            {% do problems.extend(maturity_problems(metric, ledger)) %}
            {% do problems.extend(decision_problems(metric, ledger)) %}
            {% do problems.extend(ledger_placeholder_problems(metric, ledger)) %}
            {% do problems.extend(covered_channel_problems(metric, ledger)) %}
            {% set stop_the_line = ledger.get('stop_the_line') or {} %}
            {% for counter in (stop_the_line.get('counter_metric_limits') or {}).keys() %}
                {% if counter not in metric_names %}
                    {% do problems.append(where ~ 'stop_the_line.counter_metric_limits names ' ~ counter ~ ', which is not a governed metric') %}
                {% endif %}
            {% endfor %}
        {% endif %}
    {% endfor %}
    {#- A pause_and_fix metric may not be exposed for target use. -#}
    {% for exposure in graph.exposures.values() | sort(attribute='name') %}
        {% if exposure.package_name == project_name and exposure.config.meta.get('metric_use') == 'target' %}
            {% for node_id in exposure.depends_on.nodes %}
                {% set metric_name = node_id.split('.')[-1] %}
                {% if node_id.startswith('metric.') and statuses.get(metric_name) == 'pause_and_fix' %}
                    {% do problems.append('metric ' ~ metric_name ~ ': ledger.status is pause_and_fix, but exposure ' ~ exposure.name ~ ' uses it for target use') %}
                {% endif %}
            {% endfor %}
        {% endif %}
    {% endfor %}
    {{ return(problems) }}
{% endmacro %}

{#- on-run-start (and the metric_dictionary model): stop with every ledger problem listed. -#}
{% macro validate_metric_ledgers() %}
    {% if execute %}
        {% set problems = metric_ledger_problems() %}
        {% if problems %}
            {% do exceptions.raise_compiler_error('The Assumption Ledger is incomplete or invalid:\n  ' ~ (problems | join('\n  '))) %}
        {% endif %}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{#- covered_channels is the source of truth for a metric's channels (DECISIONLOG.md, "One source
    of truth for a metric's channels"). The channel predicates of the metric's filter and of its
    input metrics' filters must select exactly those channels; a metric whose inputs carry no
    channel predicate covers every channel of the contract's enum; a metric none of whose
    measures has a channel dimension covers none ([]). Every covered channel is named in the
    ledger's coverage prose. -#}

{#- The channel predicates of a list of filter templates: {'lists': [[...], ...] (from
    `in ('a', 'b')` and `= 'a'`), 'excluded': [...] (from `not in (...)`, `<> 'a'`, `!= 'a'`),
    'unreadable': [...]}, on a dimension named channel (any entity: ticket__channel,
    survey__channel). Any other predicate on it is unreadable. -#}
{% macro filter_channel_lists(templates) %}
    {% set lists = [] %}
    {% set excluded = [] %}
    {% set unreadable = [] %}
    {% for template in templates %}
        {% set pieces = (template | replace('"', "'")).split('Dimension(') %}
        {% for piece in pieces[1:] %}
            {% set dimension = piece.split("'")[1] if piece.split("'") | length > 1 else '' %}
            {% if dimension == 'channel' or dimension.endswith('__channel') %}
                {% set rest = (piece.split('}}', 1)[1] if '}}' in piece else '') | trim | lower %}
                {% set operator = rest.split('(')[0] | replace(' ', '') if '(' in rest else '' %}
                {% if operator in ['in', 'notin'] %}
                    {% set values = [] %}
                    {% for value in rest.split('(', 1)[1].split(')')[0].split(',') %}
                        {% do values.append(value | trim | replace("'", '') | trim) %}
                    {% endfor %}
                    {% if operator == 'in' %}
                        {% do lists.append(values) %}
                    {% else %}
                        {% do excluded.extend(values) %}
                    {% endif %}
                {% elif rest[:2] in ['<>', '!='] and (rest[2:] | trim)[:1] == "'" %}
                    {% do excluded.append((rest[2:] | trim).split("'")[1]) %}
                {% elif rest[:1] == '=' and (rest[1:] | trim)[:1] == "'" %}
                    {% do lists.append([(rest[1:] | trim).split("'")[1]]) %}
                {% else %}
                    {% do unreadable.append(template) %}
                {% endif %}
            {% endif %}
        {% endfor %}
    {% endfor %}
    {{ return({'lists': lists, 'excluded': excluded, 'unreadable': unreadable}) }}
{% endmacro %}

{#- The filter templates of a metric input or metric (none, one or a list of where filters). -#}
{% macro _where_templates(filter) %}
    {% set templates = [] %}
    {% if filter is mapping %}
        {% for where in filter.get('where_filters') or [] %}
            {% do templates.append(where.get('where_sql_template') or '') %}
        {% endfor %}
    {% endif %}
    {{ return(templates) }}
{% endmacro %}

{#- The simple metrics a metric is built from (itself when simple), each with the measure it
    aggregates and every filter that applies to it on the way (its own, its input reference's,
    and those of the ratio or derived metrics above it). -#}
{% macro metric_channel_leaves(metric, inherited=[]) %}
    {% set templates = inherited + _where_templates(metric.get('filter')) %}
    {% set leaves = [] %}
    {% set params = metric.get('type_params') or {} %}
    {% set inputs = [] %}
    {% for key in ['numerator', 'denominator'] %}
        {% if params.get(key) %}{% do inputs.append(params.get(key)) %}{% endif %}
    {% endfor %}
    {% for input in params.get('metrics') or [] %}{% do inputs.append(input) %}{% endfor %}
    {% if params.get('measure') %}
        {% do leaves.append({'metric': metric.name, 'measure': params.measure.name, 'filters': templates}) %}
    {% elif inputs %}
        {% for input in inputs %}
            {% set node = graph.metrics.get('metric.' ~ metric.package_name ~ '.' ~ input.name) %}
            {% if node %}
                {% do leaves.extend(metric_channel_leaves(node, templates + _where_templates(input.get('filter')))) %}
            {% endif %}
        {% endfor %}
    {% else %}
        {% for measure in params.get('input_measures') or [] %}
            {% do leaves.append({'metric': metric.name, 'measure': measure.name, 'filters': templates}) %}
        {% endfor %}
    {% endif %}
    {{ return(leaves) }}
{% endmacro %}

{#- The problems of one governed metric's covered_channels, one line each. -#}
{% macro covered_channel_problems(metric, ledger) %}
    {% set problems = [] %}
    {% set where = 'metric ' ~ metric.name ~ ': ' %}
    {% set contract_channels = helpdesk_enum('channel') %}
    {% set covered = ledger.get('covered_channels') %}
    {% if covered is string or covered is not iterable or covered is mapping %}
        {% do problems.append(where ~ "ledger.covered_channels must be a list of channels (the source of truth for the metric's channels)") %}
        {{ return(problems) }}
    {% endif %}
    {% set covered_text = covered | join(', ') %}
    {% for channel in covered %}
        {% if channel not in contract_channels %}
            {% do problems.append(where ~ 'ledger.covered_channels names ' ~ channel ~ ', which is not a contract channel (' ~ contract_channels | join(', ') ~ ')') %}
        {% endif %}
    {% endfor %}
    {#- The semantic models whose measures have a channel dimension. -#}
    {% set channel_measures = [] %}
    {% for semantic_model in graph.semantic_models.values() %}
        {% if 'channel' in semantic_model.dimensions | map(attribute='name') | list %}
            {% do channel_measures.extend(semantic_model.measures | map(attribute='name') | list) %}
        {% endif %}
    {% endfor %}
    {#- What each simple metric underneath reads: its filters' channel lists (intersected) less
        the channels they exclude, or every contract channel when none has a channel predicate. Inputs that read the same are
        reported together. -#}
    {% set ns = namespace(in_all=true) %}
    {% set outcomes = [] %}
    {% for leaf in metric_channel_leaves(metric) if leaf.measure in channel_measures %}
        {% set parsed = filter_channel_lists(leaf.filters) %}
        {% set channels = [] %}
        {% if parsed.unreadable %}
            {% set kind = 'unreadable' %}
        {% elif parsed.lists or parsed.excluded %}
            {% set kind = 'list' %}
            {% for channel in (parsed.lists[0] if parsed.lists else contract_channels) %}
                {% set ns.in_all = channel not in parsed.excluded %}
                {% for other in parsed.lists[1:] %}
                    {% if channel not in other %}{% set ns.in_all = false %}{% endif %}
                {% endfor %}
                {% if ns.in_all and channel not in channels %}{% do channels.append(channel) %}{% endif %}
            {% endfor %}
        {% else %}
            {% set kind = 'all' %}
            {% do channels.extend(contract_channels) %}
        {% endif %}
        {% set key = kind ~ ':' ~ channels | join(',') %}
        {% set matches = outcomes | selectattr('key', 'equalto', key) | list %}
        {% if matches %}
            {% if leaf.metric not in matches[0].sources %}{% do matches[0].sources.append(leaf.metric) %}{% endif %}
        {% else %}
            {% do outcomes.append({'key': key, 'kind': kind, 'channels': channels, 'sources': [leaf.metric]}) %}
        {% endif %}
    {% endfor %}
    {% set exact = covered | unique | list | length == covered | length %}
    {% for outcome in outcomes %}
        {% set label = '' if outcome.sources == [metric.name] else ' of input metric' ~ ('s' if outcome.sources | length > 1 else '') ~ ' ' ~ outcome.sources | join(', ') %}
        {% if outcome.kind == 'unreadable' %}
            {% do problems.append(where ~ 'filter' ~ label ~ " has a channel predicate other than in (...), not in (...), = or <> a quoted channel, which cannot be checked against ledger.covered_channels (" ~ covered_text ~ ')') %}
        {% elif not exact or outcome.channels | sort != covered | sort %}
            {% if outcome.kind == 'list' %}
                {% do problems.append(where ~ 'filter channels' ~ label ~ ' (' ~ outcome.channels | join(', ') ~ ') differ from ledger.covered_channels (' ~ covered_text ~ ')') %}
            {% else %}
                {% do problems.append(where ~ 'filter' ~ label ~ ' has no channel predicate, so it covers every contract channel (' ~ contract_channels | join(', ') ~ '), which differs from ledger.covered_channels (' ~ covered_text ~ ')') %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {% if not outcomes and covered | length > 0 %}
        {% do problems.append(where ~ 'no measure of the metric has a channel dimension, so ledger.covered_channels must be empty (found ' ~ covered_text ~ ')') %}
    {% endif %}
    {#- The prose says which channels are covered: every covered channel is named in it. -#}
    {% set prose = namespace(text=(ledger.get('coverage') or '') | string | lower) %}
    {% for mark in [',', '.', ';', ':', '(', ')', "'", '"', '`', '/'] %}
        {% set prose.text = prose.text | replace(mark, ' ') %}
    {% endfor %}
    {% set words = prose.text.split() %}
    {% set unnamed = [] %}
    {% for channel in covered if channel not in words %}
        {% do unnamed.append(channel) %}
    {% endfor %}
    {% if unnamed and ledger.get('coverage') is string and ledger.get('coverage') | trim != '' %}
        {% do problems.append(where ~ 'ledger.coverage does not name covered channel(s) ' ~ unnamed | join(', ') ~ ' (the prose must say which channels ledger.covered_channels covers)') %}
    {% endif %}
    {{ return(problems) }}
{% endmacro %}

{#- ledger.maturity says how long after a week the metric's number is final (immature_week in
    metric_status_weekly): {after: <anchor>, days: <days>}. after is week_end (the week's last
    day), last_first_solve (the date of the week's last first solve) or last_survey_sent (the
    date of the week's last survey sent); days is a whole number >= 0 or the name of a var that
    holds one (the definition window the number waits for, e.g. repeat_contact_window_days). -#}
{% macro maturity_problems(metric, ledger) %}
    {% set problems = [] %}
    {% set where = 'metric ' ~ metric.name ~ ': ledger.maturity' %}
    {% set anchors = ledger_vocabulary().maturity_anchors %}
    {% set maturity = ledger.get('maturity') %}
    {% if maturity is not mapping %}
        {% do problems.append(where ~ ' is missing (how long after a week its number is final: maturity: {after: ' ~ anchors | join('|') ~ ', days: N or a var name})') %}
        {{ return(problems) }}
    {% endif %}
    {% if maturity.get('after') not in anchors %}
        {% do problems.append(where ~ '.after is ' ~ (maturity.get('after') | string) ~ ', expected one of ' ~ anchors | join(', ')) %}
    {% endif %}
    {% if maturity_days(maturity.get('days')) is none %}
        {% do problems.append(where ~ '.days is ' ~ (maturity.get('days') | string) ~ ', expected a whole number of days >= 0 or the name of a var holding one') %}
    {% endif %}
    {% if maturity.get('history_days') is not none and maturity_days(maturity.get('history_days')) is none %}
        {% do problems.append(where ~ '.history_days is ' ~ (maturity.get('history_days') | string) ~ ', expected a whole number of days >= 0 or the name of a var holding one (how much of the export before a week its number needs)') %}
    {% endif %}
    {{ return(problems) }}
{% endmacro %}

{#- The days of a ledger.maturity: a whole number >= 0, or a var's value; none when invalid. -#}
{% macro maturity_days(days) %}
    {% set value = var(days, none) if days is string else days %}
    {% if value is number and value is not boolean and value >= 0 and value == (value | int) %}
        {{ return(value | int) }}
    {% endif %}
    {{ return(none) }}
{% endmacro %}
