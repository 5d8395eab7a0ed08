{#- The values of a group joined by a delimiter, in the values' own order, or in the order of the
    `order_by` expressions. dbt.listagg with an order by clause is that on DuckDB and PostgreSQL;
    on Spark it ignores the order (dbt-spark warns and keeps collect_list's arbitrary order), so
    Spark sorts the collected array (of (order_by..., value) structs when `order_by` is given).
    Used where the order is part of the answer (breached_counter_metrics, counter_metric_values,
    reversed_pairs). -#}
{% macro ordered_listagg(measure, delimiter_text, order_by=none) -%}
    {{ return(adapter.dispatch('ordered_listagg', 'metric_ledger')(measure, delimiter_text, order_by)) }}
{%- endmacro %}

{% macro default__ordered_listagg(measure, delimiter_text, order_by=none) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ (order_by | join(', ') if order_by else measure)) }}
{%- endmacro %}

{% macro spark__ordered_listagg(measure, delimiter_text, order_by=none) -%}
    {%- if order_by -%}
        array_join(transform(array_sort(collect_list(named_struct(
            {%- for expression in order_by %}'k{{ loop.index }}', {{ expression }}, {% endfor -%}
            'listagg_value', {{ measure }}))), entry -> entry.listagg_value), {{ delimiter_text }})
    {%- else -%}
        array_join(array_sort(collect_list({{ measure }})), {{ delimiter_text }})
    {%- endif -%}
{%- endmacro %}
