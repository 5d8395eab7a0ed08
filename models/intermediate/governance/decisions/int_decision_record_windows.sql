{#- Rule: review windows. Each decision record (int_decision_records) is reviewed in ISO weeks
    (Monday) around the week it was decided in: before = the 4 weeks before the week of
    decided_on; after = the week after it up to the week of review_on. The week of decided_on is
    the transition week and belongs to neither. last_complete_week_start_date is the export's
    last complete week (null while it has none): a review is due once its last week is
    complete. One row per decision record, with the record's own columns. -#}
with

decision_records as (

    select * from {{ ref('int_decision_records') }}

),

export_weeks as (

    select * from {{ ref('int_export_weeks') }}

),

last_complete_week as (

    select max(week_start_date) as last_complete_week_start_date
    from export_weeks
    where is_complete_week

),

final as (

    select
        decision_records.*,
        {{ week_start('decision_records.decided_on') }} as decided_week_start_date,
        cast({{ dbt.dateadd('day', -28, week_start('decision_records.decided_on')) }} as date) as before_from_week,
        cast({{ dbt.dateadd('day', -7, week_start('decision_records.decided_on')) }} as date) as before_to_week,
        cast({{ dbt.dateadd('day', 7, week_start('decision_records.decided_on')) }} as date) as after_from_week,
        {{ week_start('decision_records.review_on') }} as after_to_week,
        last_complete_week.last_complete_week_start_date
    from decision_records
    cross join last_complete_week

)

select * from final
