{#- Rule: week completeness. Every ISO week the export's contacts were created in, and whether
    all seven of its days lie between the first and the last created date of the export. Only
    complete weeks are judged week over week or count as reviewable (metric_status_weekly,
    mix_shift_weekly, decision_record_reviews). -#}
with

tickets as (

    select * from {{ ref('fct_tickets') }}
    where created_date is not null

),

export_bounds as (

    select
        min(created_date) as first_date,
        max(created_date) as last_date
    from tickets

),

weeks as (

    select distinct created_week as week_start_date
    from tickets

),

final as (

    select
        weeks.week_start_date,
        coalesce(
            weeks.week_start_date >= export_bounds.first_date
            and {{ dbt.dateadd('day', 6, 'weeks.week_start_date') }} <= export_bounds.last_date,
            false
        ) as is_complete_week
    from weeks
    cross join export_bounds

)

select * from final
