{#- A measure's `expr` from the semantic layer as this engine must spell it. DuckDB and
    PostgreSQL divide by a decimal literal exactly or in doubles (`logged_in_minutes / 60.0`);
    Spark reads `60.0` as decimal(3,1) and rounds every quotient to 6 decimal places, so a week's
    logged-in hours drifted by about 1e-6. On Spark such a literal is a double (`60.0D`). -#}
{% macro measure_expression(expression) -%}
    {{ return(adapter.dispatch('measure_expression', 'metric_ledger')(expression)) }}
{%- endmacro %}

{% macro default__measure_expression(expression) -%}
    {{ return(expression) }}
{%- endmacro %}

{% macro spark__measure_expression(expression) -%}
    {{ return(modules.re.sub("(?<![\\w.'])(\\d+\\.\\d+)(?![\\w.'])", "\\g<1>D", expression)) }}
{%- endmacro %}
