{#- Every one of `columns` (a mapping column -> accepted values) holds only its accepted values
    (nulls pass): one row per column with values outside its list, with how many rows hold them
    and the smallest such value (as text). The same invariant as dbt's `accepted_values` on each
    column, in one pass over the model and one node (DECISIONLOG.md: a test node costs dbt about
    50 to 100 ms on DuckDB and up to a second on Spark, whatever the data). Strings are quoted,
    numbers are not (dbt's `quote: false`); any other YAML value (a date, a boolean) is a
    compilation error: quote it. -#}
{% test accepted_values_columns(model, columns) %}

with

counts as (

    select
        {% for column, values in columns.items() -%}
        {%- set rejected -%}
        {{ column }} is not null and {{ column }} not in (
            {%- for value in values -%}
            {%- if value is string -%}
            '{{ dbt.escape_single_quotes(value) }}'
            {%- elif value is number and value is not boolean -%}
            {{ value }}
            {%- else -%}
            {{ exceptions.raise_compiler_error("accepted_values_columns: " ~ column ~ ": " ~ value ~ " is neither a string nor a number (quote dates and booleans in the YAML)") }}
            {%- endif -%}
            {{ ', ' if not loop.last }}
            {%- endfor -%}
        )
        {%- endset -%}
        sum(case when {{ rejected }} then 1 else 0 end) as rejected_rows_{{ loop.index }},
        min(case when {{ rejected }} then cast({{ column }} as {{ dbt.type_string() }}) end)
            as first_rejected_{{ loop.index }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ model }}

),

failures as (

    {{- one_row_per_check(columns, 'column_name', {'rejected_rows': 'rejected_rows', 'first_rejected': 'first_rejected_value'}) }}

)

select * from failures
where rejected_rows > 0

{% endtest %}
