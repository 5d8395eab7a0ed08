{#- Reads a wall-clock timestamp in an IANA time zone and returns the UTC wall-clock timestamp
    (daylight saving respected). The only time-zone arithmetic in the project. -#}
{% macro local_to_utc(local_timestamp_expression, timezone_expression) -%}
    {{ return(adapter.dispatch('local_to_utc', 'metric_ledger')(local_timestamp_expression, timezone_expression)) }}
{%- endmacro %}

{% macro default__local_to_utc(local_timestamp_expression, timezone_expression) -%}
    (({{ local_timestamp_expression }} at time zone {{ timezone_expression }}) at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__local_to_utc(local_timestamp_expression, timezone_expression) -%}
    timezone('UTC', timezone({{ timezone_expression }}, {{ local_timestamp_expression }}))
{%- endmacro %}

{% macro spark__local_to_utc(local_timestamp_expression, timezone_expression) -%}
    to_utc_timestamp({{ local_timestamp_expression }}, {{ timezone_expression }})
{%- endmacro %}
