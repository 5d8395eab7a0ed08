{#- The daily time spine MetricFlow joins to: every date of the export, one day either side. -#}
with

calendar_days as (

    select * from {{ ref('int_calendar_days') }}

),

final as (

    select cast(calendar_date as date) as date_day
    from calendar_days

)

select * from final
