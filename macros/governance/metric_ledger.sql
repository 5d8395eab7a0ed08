{#- The Assumption Ledger of every governed metric lives in its config.meta.ledger
    (models/semantic/_metrics.yml). These macros read it from the dbt graph: one place that knows
    which metrics are governed and what a valid ledger is. -#}

{% macro ledger_vocabulary() %}
    {{ return({
        'jobs': ['diagnostic', 'target', 'alarm', 'allocation'],
        'statuses': ['ship', 'ship_with_guardrails', 'pause_and_fix'],
        'blast_radius': ['money_and_careers', 'staffing', 'prioritization', 'comparisons', 'escalations'],
        'decision_moves': ['worsens', 'improves'],
        'text_fields': ['definition', 'coverage', 'comparability', 'automation_limits', 'known_biases', 'monitoring_signals', 'change_triggers'],
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
        {{ return('If ' ~ metric_name ~ ' ' ~ decision.moves ~ ' by ' ~ decision.get('by', '?') ~ ' for ' ~ decision.get('for', '?') ~ ', then ' ~ decision.get('then', '?') ~ '.') }}
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
