{#- The Monday that starts the ISO week of a UTC timestamp, as a date. -#}
{% macro week_start(timestamp_expression) -%}
    cast({{ dbt.date_trunc('week', timestamp_expression) }} as date)
{%- endmacro %}
