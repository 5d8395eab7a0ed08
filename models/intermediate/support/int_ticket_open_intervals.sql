{#- Rule: when a ticket is open. From the status timeline: `new` from created_at to the first
    change, then each change's status until the next change (the latest status lasts until the
    end of the export). Open = new, open, pending or on_hold. One row per open interval;
    open_until_at is null when the ticket is still open at the end of the export. -#}
with

population as (

    select
        ticket_id,
        created_at
    from {{ ref('int_tickets_population') }}
    where created_at is not null

),

status_changes as (

    select * from {{ ref('int_ticket_status_changes') }}

),

first_changes as (

    select
        ticket_id,
        changed_at
    from status_changes
    where change_number = 1

),

initial_intervals as (

    select
        population.ticket_id,
        'new' as status,
        population.created_at as open_from_at,
        first_changes.changed_at as open_until_at
    from population
    left join first_changes
        on population.ticket_id = first_changes.ticket_id

),

later_intervals as (

    select
        ticket_id,
        status,
        changed_at as open_from_at,
        next_changed_at as open_until_at
    from status_changes

),

all_intervals as (

    select * from initial_intervals
    union all
    select * from later_intervals

),

final as (

    select
        ticket_id,
        status,
        open_from_at,
        open_until_at
    from all_intervals
    where
        {{ is_in_enum('status', 'open_status') }}
        and (open_until_at is null or open_until_at > open_from_at)

)

select * from final
