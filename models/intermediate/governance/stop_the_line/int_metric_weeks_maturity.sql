{#- Rule: maturity. A governed metric's number for a week is final (mature) once the export
    reaches its ledger's maturity: `days` after the anchor `after` (ledger.maturity):
    - week_end: the week's last day (Sunday);
    - last_first_solve: the date of the week's last first solve of an included ticket (repeat
      contacts and reopens keep arriving for a window after each first solve);
    - last_survey_sent: the date of the week's last survey sent for an included ticket (answers
      keep arriving for the survey response window).
    matures_on = anchor date + days; the week is mature when matures_on <= the export's last
    date (int_export_bounds, counted as complete). A week without any anchor row falls back to its
    last day. One row per governed metric and every ISO week of the export's dates. -#}
with

rules as (

    {{ ledger_maturity_rows() }}

),

export_bounds as (

    select * from {{ ref('int_export_bounds') }}

),

calendar_days as (

    select * from {{ ref('int_calendar_days') }}

),

tickets as (

    select * from {{ ref('fct_tickets') }}
    where is_included and first_solved_at is not null

),

surveys as (

    select * from {{ ref('fct_csat_surveys') }}
    where is_included and sent_at is not null

),

weeks as (

    select distinct {{ week_start('calendar_days.calendar_date') }} as week_start_date
    from calendar_days
    inner join export_bounds
        on calendar_days.calendar_date between export_bounds.export_first_date and export_bounds.export_last_date

),

last_first_solves as (

    select
        first_solved_week as week_start_date,
        cast(max(first_solved_at) as date) as anchor_date
    from tickets
    group by first_solved_week

),

last_survey_sends as (

    select
        {{ week_start('sent_at') }} as week_start_date,
        cast(max(sent_at) as date) as anchor_date
    from surveys
    group by {{ week_start('sent_at') }}

),

anchored as (

    select
        rules.metric_name,
        weeks.week_start_date,
        rules.maturity_after,
        rules.maturity_days,
        rules.maturity_days_var,
        coalesce(
            case
                when rules.maturity_after = 'last_first_solve' then last_first_solves.anchor_date
                when rules.maturity_after = 'last_survey_sent' then last_survey_sends.anchor_date
            end,
            cast({{ dbt.dateadd('day', 6, 'weeks.week_start_date') }} as date)
        ) as anchor_date
    from rules
    cross join weeks
    left join last_first_solves
        on weeks.week_start_date = last_first_solves.week_start_date
    left join last_survey_sends
        on weeks.week_start_date = last_survey_sends.week_start_date

),

final as (

    select
        anchored.metric_name,
        anchored.week_start_date,
        anchored.maturity_after,
        anchored.maturity_days,
        anchored.maturity_days_var,
        anchored.anchor_date,
        cast({{ dbt.dateadd('day', 'anchored.maturity_days', 'anchored.anchor_date') }} as date) as matures_on,
        export_bounds.export_last_date,
        cast({{ dbt.dateadd('day', 'anchored.maturity_days', 'anchored.anchor_date') }} as date)
        <= export_bounds.export_last_date as is_mature
    from anchored
    cross join export_bounds

)

select * from final
