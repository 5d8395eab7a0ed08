{#- Rule: comparability break. A context-log entry in a metric's scope during a week explains
    that week (coverage_drop is not raised for an explained drop) and, when the entry breaks
    comparability, makes the week not comparable with the weeks before it. An entry is in scope
    when it occurred inside the week (Monday to Sunday) and either is not about a channel or is
    about a channel the metric covers; a survey change concerns only the csat metrics. One row
    per governed metric and week with at least one entry in scope. -#}
with

metric_weeks as (

    select * from {{ ref('int_metric_weeks') }}

),

context_log as (

    select * from {{ ref('int_context_log') }}

),

covered_channels as (

    {{ covered_channel_rows() }}

),

in_scope as (

    select
        metric_weeks.metric_name,
        metric_weeks.week_start_date,
        context_log.breaks_comparability
    from metric_weeks
    inner join context_log
        on
            metric_weeks.week_start_date <= context_log.occurred_on
            and context_log.occurred_on < {{ dbt.dateadd('day', 7, 'metric_weeks.week_start_date') }}
    left join covered_channels
        on
            metric_weeks.metric_name = covered_channels.metric_name
            and context_log.scope_type = 'channel'
            and context_log.scope_value = covered_channels.channel
    where
        (context_log.scope_type <> 'channel' or covered_channels.channel is not null)
        and (context_log.kind <> 'survey_change' or metric_weeks.metric_name like 'csat%')

),

final as (

    select
        metric_name,
        week_start_date,
        count(*) as context_entries,
        max(case when breaks_comparability then 1 else 0 end) = 1 as has_comparability_break
    from in_scope
    group by metric_name, week_start_date

)

select * from final
