{#- Seconds since 1970-01-01 as a fractional number, the basis of every duration in the project. -#}
{% macro epoch_seconds(timestamp_expression) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'metric_ledger')(timestamp_expression)) }}
{%- endmacro %}

{% macro default__epoch_seconds(timestamp_expression) -%}
    extract(epoch from {{ timestamp_expression }})
{%- endmacro %}

{% macro duckdb__epoch_seconds(timestamp_expression) -%}
    epoch({{ timestamp_expression }})
{%- endmacro %}

{#- PostgreSQL's extract(epoch ...) is numeric: a double, as on the other engines. -#}
{% macro postgres__epoch_seconds(timestamp_expression) -%}
    cast(extract(epoch from {{ timestamp_expression }}) as double precision)
{%- endmacro %}

{% macro spark__epoch_seconds(timestamp_expression) -%}
    (unix_micros({{ timestamp_expression }}) / 1e6)
{%- endmacro %}
