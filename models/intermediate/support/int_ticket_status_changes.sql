{#- Rule: the status timeline. Statuses are read from status_change events (`new_value`) in
    event order; a ticket is `new` from created_at until its first change, so the first change's
    previous status is `new` and its previous change time is created_at. `old_value` is ignored.
    One row per status change, with the status before it and when the next change happened.
    created_week, the week of the ticket's created_at, is operational: the partition an
    incremental run rewrites on Spark. -#}
-- depends_on: {{ ref('int_tickets_refresh_set') }}
with

status_changes as (

    select
        event_id,
        ticket_id,
        ticket_created_at,
        occurred_at,
        new_value as status
    from {{ ref('int_ticket_events_valid') }}
    where event_type = 'status_change'
    {{- ticket_refresh_filter('ticket_id', 'and') }}

),

sequenced as (

    select
        event_id,
        ticket_id,
        ticket_created_at,
        occurred_at as changed_at,
        status,
        row_number() over (
            partition by ticket_id order by occurred_at, event_id
        ) as change_number,
        lag(status) over (
            partition by ticket_id order by occurred_at, event_id
        ) as lagged_status,
        lag(occurred_at) over (
            partition by ticket_id order by occurred_at, event_id
        ) as lagged_changed_at,
        lead(occurred_at) over (
            partition by ticket_id order by occurred_at, event_id
        ) as next_changed_at
    from status_changes

),

final as (

    select
        event_id,
        ticket_id,
        ticket_created_at,
        {{ week_start('ticket_created_at') }} as created_week,
        change_number,
        changed_at,
        status,
        coalesce(lagged_status, 'new') as previous_status,
        coalesce(lagged_changed_at, ticket_created_at) as previous_changed_at,
        next_changed_at,
        next_changed_at is null as is_latest_change
    from sequenced

)

select * from final
