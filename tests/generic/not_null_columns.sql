{#- Every one of `columns` is non-null on every row: one row per listed column that holds nulls,
    with how many rows it is null on. The same invariant as dbt's `not_null` on each column, in
    one pass over the model and one node (DECISIONLOG.md: a test node costs dbt about 50 to
    100 ms on DuckDB and up to a second on Spark, whatever the data). -#}
{% test not_null_columns(model, columns) %}

with

counts as (

    select
        {% for column in columns -%}
        sum(case when {{ column }} is null then 1 else 0 end) as null_rows_{{ loop.index }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ model }}

),

failures as (

    {{- one_row_per_check(columns, 'column_name', {'null_rows': 'null_rows'}) }}

)

select * from failures
where null_rows > 0

{% endtest %}
