{#- Rule: counter-metric breach. A governed metric is not usable in a complete week when one of
    its counter-metrics (ledger.counter_metrics)
    - is past its limit (stop_the_line.counter_metric_limits: above a max, below a min), or
    - worsened by at least var counter_metric_divergence_pct against its trailing four weeks
      while the metric improved by at least as much (int_metric_weeks_improvements): the number
      was "hit" at the counter-metric's expense.
    breached_counter_metrics names them (shown for incomplete weeks too; only a complete week is
    judged). One row per metric and week with a breach. -#}
with

metric_weeks as (

    select * from {{ ref('int_metric_weeks') }}

),

metric_values as (

    select * from {{ ref('metric_values_weekly') }}

),

improvements as (

    select * from {{ ref('int_metric_weeks_improvements') }}

),

counter_limits as (

    {{ counter_limit_rows() }}

),

counter_metrics as (

    {{ counter_metric_rows() }}

),

limit_breaches as (

    select
        counter_limits.metric_name,
        counter_values.week_start_date,
        counter_limits.counter_metric_name
    from counter_limits
    inner join metric_values as counter_values
        on counter_limits.counter_metric_name = counter_values.metric_name
    where {{ is_past_limit('counter_values.metric_value', 'counter_limits.limit_kind', 'counter_limits.limit_value') }}

),

divergences as (

    select
        counter_metrics.metric_name,
        metric_improvements.week_start_date,
        counter_metrics.counter_metric_name
    from counter_metrics
    inner join improvements as metric_improvements
        on counter_metrics.metric_name = metric_improvements.metric_name
    inner join improvements as counter_improvements
        on
            counter_metrics.counter_metric_name = counter_improvements.metric_name
            and metric_improvements.week_start_date = counter_improvements.week_start_date
    where
        metric_improvements.improvement_pct >= {{ var('counter_metric_divergence_pct') }}
        and counter_improvements.improvement_pct <= -{{ var('counter_metric_divergence_pct') }}

),

breaches as (

    select * from limit_breaches
    union
    select * from divergences

),

final as (

    select
        breaches.metric_name,
        breaches.week_start_date,
        {{ ordered_listagg('breaches.counter_metric_name', "', '") }}
            as breached_counter_metrics,
        coalesce(max(case when metric_weeks.is_complete_week then 1 else 0 end) = 1, false)
            as has_counter_metric_breach
    from breaches
    left join metric_weeks
        on
            breaches.metric_name = metric_weeks.metric_name
            and breaches.week_start_date = metric_weeks.week_start_date
    group by breaches.metric_name, breaches.week_start_date

)

select * from final
