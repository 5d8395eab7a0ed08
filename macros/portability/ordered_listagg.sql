{#- The values of a group joined by a delimiter, in the values' own order. dbt.listagg with an
    order by clause is that on DuckDB and PostgreSQL; on Spark it ignores the order (dbt-spark
    warns and keeps collect_list's arbitrary order), so Spark sorts the collected array. Used
    where the order is part of the answer (breached_counter_metrics, counter_metric_values). -#}
{% macro ordered_listagg(measure, delimiter_text) -%}
    {{ return(adapter.dispatch('ordered_listagg', 'metric_ledger')(measure, delimiter_text)) }}
{%- endmacro %}

{% macro default__ordered_listagg(measure, delimiter_text) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ measure) }}
{%- endmacro %}

{% macro spark__ordered_listagg(measure, delimiter_text) -%}
    array_join(array_sort(collect_list({{ measure }})), {{ delimiter_text }})
{%- endmacro %}
