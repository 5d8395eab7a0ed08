{#- Every UTC calendar date the export touches, one day either side (local dates of the business
    hours can fall a day off their UTC date). -#}
with

bounds as (

    select
        cast({{ dbt.dateadd('day', -1, 'min(occurred_at)') }} as date) as first_date,
        cast({{ dbt.dateadd('day', 1, 'max(occurred_at)') }} as date) as last_date
    from (
        select created_at as occurred_at from {{ ref('int_tickets_population') }}
        union all
        select occurred_at from {{ ref('int_ticket_events_valid') }}
    ) as moments

),

numbers as (

    {{ dbt.generate_series(8192) }}

),

final as (

    select cast({{ dbt.dateadd('day', 'numbers.generated_number - 1', 'bounds.first_date') }} as date) as calendar_date
    from bounds
    cross join numbers
    where {{ dbt.dateadd('day', 'numbers.generated_number - 1', 'bounds.first_date') }} <= bounds.last_date

)

select * from final
