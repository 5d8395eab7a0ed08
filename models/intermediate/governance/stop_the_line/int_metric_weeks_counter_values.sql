{#- A governed metric's counter-metrics' values in the same week, as one readable string
    ("csat_score=0.8123; reopen_rate=0.0412"), so a target is never read without them
    (metric_status_weekly.counter_metric_values). Values rounded to 4 decimals. One row per
    metric and week in which a counter-metric has a value row. -#}
with

metric_values as (

    select * from {{ ref('metric_values_weekly') }}

),

counter_metrics as (

    {{ counter_metric_rows() }}

),

final as (

    select
        counter_metrics.metric_name,
        counter_week_values.week_start_date,
        {{ ordered_listagg(
            dbt.concat(['counter_metrics.counter_metric_name', "'='", 'cast(' ~ round_to('counter_week_values.metric_value', 4) ~ ' as ' ~ dbt.type_string() ~ ')']),
            "'; '"
        ) }} as counter_metric_values
    from counter_metrics
    inner join metric_values as counter_week_values
        on counter_metrics.counter_metric_name = counter_week_values.metric_name
    group by counter_metrics.metric_name, counter_week_values.week_start_date

)

select * from final
