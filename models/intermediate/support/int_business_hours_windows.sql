{#- Rule: business hours. For each region, every local calendar date whose ISO weekday has
    opening hours in the `business_hours` seed and that is not one of the region's `holidays`
    gives one window [opens_at, closes_at) in local time, converted to UTC in the region's IANA
    time zone (daylight saving respected). -#}
{%- set local_midnight = 'cast(calendar_days.calendar_date as ' ~ dbt.type_timestamp() ~ ')' -%}

with

calendar_days as (

    select * from {{ ref('int_calendar_days') }}

),

business_hours as (

    select
        region,
        timezone,
        weekday,
        cast(substring(opens_at, 1, 2) as {{ dbt.type_int() }}) * 60
        + cast(substring(opens_at, 4, 2) as {{ dbt.type_int() }}) as opens_minute_of_day,
        cast(substring(closes_at, 1, 2) as {{ dbt.type_int() }}) * 60
        + cast(substring(closes_at, 4, 2) as {{ dbt.type_int() }}) as closes_minute_of_day
    from {{ ref('business_hours') }}

),

holidays as (

    select
        region,
        holiday_date
    from {{ ref('holidays') }}

),

local_windows as (

    select
        business_hours.region,
        business_hours.timezone,
        calendar_days.calendar_date as local_date,
        {{ dbt.dateadd('minute', 'business_hours.opens_minute_of_day', local_midnight) }} as local_opens_at,
        {{ dbt.dateadd('minute', 'business_hours.closes_minute_of_day', local_midnight) }} as local_closes_at
    from calendar_days
    inner join business_hours
        on {{ iso_weekday('calendar_days.calendar_date') }} = business_hours.weekday
    left join holidays
        on
            business_hours.region = holidays.region
            and calendar_days.calendar_date = holidays.holiday_date
    where holidays.holiday_date is null

),

final as (

    select
        region,
        local_date,
        {{ local_to_utc('local_opens_at', 'timezone') }} as window_start_at,
        {{ local_to_utc('local_closes_at', 'timezone') }} as window_end_at
    from local_windows

)

select * from final
