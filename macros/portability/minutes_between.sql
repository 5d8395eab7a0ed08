{#- Fractional minutes from start to end: (epoch_seconds(end) - epoch_seconds(start)) / 60.0. -#}
{% macro minutes_between(start_expression, end_expression) -%}
    (({{ epoch_seconds(end_expression) }} - {{ epoch_seconds(start_expression) }}) / 60.0)
{%- endmacro %}
