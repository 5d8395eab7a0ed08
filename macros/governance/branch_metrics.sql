{#- The governed metrics branches can be ranked on: those whose semantic model has the branch,
    channel and contact-reason dimensions (ticket and survey metrics), with the direction in
    which they improve. -#}
{% macro rankable_metrics() %}
    {% set rankable = [] %}
    {% for metric in governed_metrics() %}
        {% set ledger = metric.config.meta.get('ledger', {}) %}
        {% set ns = namespace(ok=true) %}
        {% for measure_name in metric.type_params.input_measures | map(attribute='name') %}
            {% set found = _semantic_measure(measure_name) %}
            {% set names = found.semantic_model.dimensions | map(attribute='name') | list %}
            {% for needed in ['owning_branch', 'channel', 'contact_reason'] %}
                {% if needed not in names %}{% set ns.ok = false %}{% endif %}
            {% endfor %}
        {% endfor %}
        {% if ns.ok and ledger.get('job') != 'allocation' %}
            {% do rankable.append({'name': metric.name, 'better': ledger.get('better')}) %}
        {% endif %}
    {% endfor %}
    {{ return(rankable) }}
{% endmacro %}

{#- metric_name, better for every rankable metric. -#}
{% macro rankable_metric_rows() %}
    {% set rows = [] %}
    {% for metric in rankable_metrics() %}{% do rows.append([metric.name, metric.better]) %}{% endfor %}
    {{ return(_literal_rows([('metric_name', 'string'), ('better', 'string')], rows)) }}
{% endmacro %}
