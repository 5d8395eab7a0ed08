{#- The (metric, slice dimension) pairs the decision records ask for: leading metric and both
    guardrails, each in its record's slice dimension. decision_record_reviews compiles the weekly
    slice values of these pairs only, read from the built records (int_decision_records) when it
    runs; when they are not built yet (a `dbt compile` on an empty warehouse) it returns none:
    every pair. Unit tests override it. -#}
{% macro decision_record_metric_slices() %}
    {% if not execute %}
        {{ return(none) }}
    {% endif %}
    {% set records = ref('int_decision_records') %}
    {% if adapter.get_relation(database=records.database, schema=records.schema, identifier=records.identifier) is none %}
        {{ return(none) }}
    {% endif %}
    {% set query %}
        {% for role in ['leading', 'guardrail_1', 'guardrail_2'] %}
            select distinct {{ role }}_metric as metric_name, slice_dimension
            from {{ records }}
            {% if not loop.last %}union{% endif %}
        {% endfor %}
    {% endset %}
    {% set pairs = [] %}
    {% for row in run_query(query) %}
        {% do pairs.append([row[0], row[1]]) %}
    {% endfor %}
    {{ return(pairs) }}
{% endmacro %}
