{#- The failure rows of a folded generic test (not_null_columns, accepted_values_columns,
    expressions_are_true): from its one-row CTE `counts`, one row per check, with the check's
    text as `label_column` and, for each `prefix: name` of `columns`, the CTE's column
    `<prefix>_<n>` (n = the check's 1-based position) as `name`. The test keeps the rows whose
    counts show a failure. -#}
{% macro one_row_per_check(checks, label_column, columns) %}
    {%- for check in checks %}
    {%- set position = loop.index %}
    select
        '{{ dbt.escape_single_quotes(check) }}' as {{ label_column }},
        {%- for prefix, name in columns.items() %}
        {{ prefix }}_{{ position }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from counts
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}
