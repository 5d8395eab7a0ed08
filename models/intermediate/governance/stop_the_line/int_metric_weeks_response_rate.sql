{#- Rule: low response rate. A metric whose ledger sets stop_the_line.min_response_rate (the
    csat metrics) is not usable in a complete week whose csat_response_rate is under it: too few
    customers answered for the score to describe them. Every metric's row carries that week's
    csat_response_rate beside it. One row per governed metric and ISO week (int_metric_weeks). -#}
with

metric_weeks as (

    select * from {{ ref('int_metric_weeks') }}

),

response_rates as (

    select
        week_start_date,
        metric_value as csat_response_rate
    from {{ ref('metric_values_weekly') }}
    where metric_name = 'csat_response_rate'

),

final as (

    select
        metric_weeks.metric_name,
        metric_weeks.week_start_date,
        response_rates.csat_response_rate,
        coalesce(
            metric_weeks.is_complete_week
            and metric_weeks.min_response_rate is not null
            and response_rates.csat_response_rate < metric_weeks.min_response_rate,
            false
        ) as has_low_response_rate
    from metric_weeks
    left join response_rates
        on metric_weeks.week_start_date = response_rates.week_start_date

)

select * from final
