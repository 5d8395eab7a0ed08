{#- Rule: first response in business minutes. The minutes of [created_at, first_response_at]
    that fall inside the business-hours windows of the ticket's region (0.0 when none do; null
    when there is no first response).
    created_week, the week of the ticket's created_at, is operational: the partition an
    incremental run rewrites on Spark. -#}
-- depends_on: {{ ref('int_tickets_refresh_set') }}
with

tickets as (

    select
        population.ticket_id,
        population.region,
        population.created_at,
        first_responses.first_response_at
    from {{ ref('int_tickets_population') }} as population
    inner join {{ ref('int_tickets_first_responses') }} as first_responses
        on population.ticket_id = first_responses.ticket_id
    where first_responses.first_response_at is not null
    {{- ticket_refresh_filter('population.ticket_id', 'and') }}

),

windows as (

    select * from {{ ref('int_business_hours_windows') }}

),

window_overlaps as (

    select
        tickets.ticket_id,
        case when windows.window_start_at > tickets.created_at then windows.window_start_at else tickets.created_at end as overlap_start_at,
        case when windows.window_end_at < tickets.first_response_at then windows.window_end_at else tickets.first_response_at end
            as overlap_end_at
    from tickets
    inner join windows
        on
            tickets.region = windows.region
            and tickets.first_response_at > windows.window_start_at
            and tickets.created_at < windows.window_end_at

),

overlap_totals as (

    select
        ticket_id,
        sum({{ minutes_between('overlap_start_at', 'overlap_end_at') }}) as business_minutes
    from window_overlaps
    group by ticket_id

),

final as (

    select
        tickets.ticket_id,
        {{ week_start('tickets.created_at') }} as created_week,
        coalesce(overlap_totals.business_minutes, 0.0) as first_response_business_minutes
    from tickets
    left join overlap_totals
        on tickets.ticket_id = overlap_totals.ticket_id

)

select * from final
