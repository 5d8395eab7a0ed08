{#- The backlog at each day's end (23:59:59 UTC): included tickets open at that moment, per
    segment, with age buckets (age = day end - created_at): 0-24 h, 24-72 h, 3-7 d, 7 d+, and
    those older than `backlog_age_alert_hours`. One row per date x segment with any open ticket,
    for every date up to the export's last date (int_export_bounds): a day after the export's end is
    not in the backlog (its day end is unknown, every ticket would look open). -#}
{%- set segments = ['channel', 'queue', 'priority', 'region', 'customer_tier', 'contact_reason', 'branch'] -%}
with

tickets as (

    select * from {{ ref('fct_tickets') }}
    where is_included

),

open_intervals as (

    select * from {{ ref('int_ticket_open_intervals') }}

),

export_bounds as (

    select * from {{ ref('int_export_bounds') }}

),

calendar_days as (

    select
        all_days.calendar_date,
        {{ dbt.dateadd('second', 86399, 'cast(all_days.calendar_date as ' ~ dbt.type_timestamp() ~ ')') }} as day_end_at
    from {{ ref('int_calendar_days') }} as all_days
    inner join export_bounds
        on all_days.calendar_date <= export_bounds.export_last_date

),

open_at_day_end as (

    select
        calendar_days.calendar_date,
        tickets.ticket_id,
        {% for segment in segments %}tickets.{{ segment }},
        {% endfor -%}
        {{ minutes_between('tickets.created_at', 'calendar_days.day_end_at') }} / 60.0 as age_hours
    from open_intervals
    inner join tickets
        on open_intervals.ticket_id = tickets.ticket_id
    inner join calendar_days
        on
            open_intervals.open_from_at <= calendar_days.day_end_at
            and (open_intervals.open_until_at is null or open_intervals.open_until_at > calendar_days.day_end_at)

),

final as (

    select
        calendar_date as backlog_date,
        {% for segment in segments %}{{ segment }},
        {% endfor -%}
        cast(count(*) as {{ dbt.type_bigint() }}) as open_tickets,
        cast(sum(case when age_hours < 24 then 1 else 0 end) as {{ dbt.type_bigint() }}) as open_0_24h_tickets,
        cast(sum(case when age_hours >= 24 and age_hours < 72 then 1 else 0 end) as {{ dbt.type_bigint() }}) as open_24_72h_tickets,
        cast(sum(case when age_hours >= 72 and age_hours < 168 then 1 else 0 end) as {{ dbt.type_bigint() }}) as open_3_7d_tickets,
        cast(sum(case when age_hours >= 168 then 1 else 0 end) as {{ dbt.type_bigint() }}) as open_7d_plus_tickets,
        cast(sum(case when age_hours > {{ var('backlog_age_alert_hours') }} then 1 else 0 end) as {{ dbt.type_bigint() }})
            as open_older_than_alert_tickets
    from open_at_day_end
    group by
        calendar_date,
        {{ segments | join(',\n        ') }}

)

select * from final
