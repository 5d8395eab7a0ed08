{#- Every one of `expressions` is true on every row (null counts as a failure): one row per
    expression that fails, with how many rows it fails on. The same invariant as
    `expression_is_true` on each expression, in one pass over the model and one node
    (DECISIONLOG.md: a test node costs dbt about 50 to 100 ms on DuckDB and up to a second on
    Spark, whatever the data). -#}
{% test expressions_are_true(model, expressions) %}

with

counts as (

    select
        {% for expression in expressions -%}
        sum(case when coalesce({{ expression }}, false) then 0 else 1 end) as failing_rows_{{ loop.index }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ model }}

),

failures as (

    {{- one_row_per_check(expressions, 'expression', {'failing_rows': 'failing_rows'}) }}

)

select * from failures
where failing_rows > 0

{% endtest %}
