{#- A number rounded to `digits` decimal places, as a double (PostgreSQL rounds only numeric). -#}
{% macro round_to(expression, digits) -%}
    {{ return(adapter.dispatch('round_to', 'metric_ledger')(expression, digits)) }}
{%- endmacro %}

{% macro default__round_to(expression, digits) -%}
    round({{ expression }}, {{ digits }})
{%- endmacro %}

{% macro postgres__round_to(expression, digits) -%}
    cast(round(cast({{ expression }} as numeric), {{ digits }}) as {{ type_double() }})
{%- endmacro %}
