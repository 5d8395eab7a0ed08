{#- How much a governed metric improved in a week against its trailing four weeks: the average
    of its values in the four weeks before (all four must have a value), and improvement_pct =
    100 * (value - trailing) / |trailing| when higher is better (the ledger's `better`), the
    opposite sign when lower is better; null when the trailing average is 0. Read by the
    counter-metric divergence rule (int_metric_weeks_counter_breaches). One row per metric and
    week with four trailing values. -#}
with

metric_values as (

    select * from {{ ref('metric_values_weekly') }}

),

rules as (

    {{ ledger_rules_rows() }}

),

trailing_values as (

    select
        this_week.metric_name,
        this_week.week_start_date,
        this_week.metric_value,
        avg(previous_weeks.metric_value) as trailing_value,
        count(previous_weeks.metric_value) as trailing_weeks
    from metric_values as this_week
    inner join metric_values as previous_weeks
        on
            this_week.metric_name = previous_weeks.metric_name
            and previous_weeks.week_start_date >= {{ dbt.dateadd('day', -28, 'this_week.week_start_date') }}
            and this_week.week_start_date > previous_weeks.week_start_date
    group by this_week.metric_name, this_week.week_start_date, this_week.metric_value

),

final as (

    select
        trailing_values.metric_name,
        trailing_values.week_start_date,
        trailing_values.metric_value,
        trailing_values.trailing_value,
        case
            when rules.better = 'higher'
                then 100.0 * (trailing_values.metric_value - trailing_values.trailing_value)
            else 100.0 * (trailing_values.trailing_value - trailing_values.metric_value)
        end / nullif(abs(trailing_values.trailing_value), 0) as improvement_pct
    from trailing_values
    inner join rules
        on trailing_values.metric_name = rules.metric_name
    where trailing_values.trailing_weeks = 4

)

select * from final
