{#- Rule: solves, resolution and the pending pause.
    - first_solved_at: the first change into solved, or into closed if the ticket was never solved.
    - resolved_at: when the latest status is solved or closed, the last change into solved (for a
      ticket closed without ever being solved, the last change into closed); null otherwise.
    - pending_minutes: time in `pending` (from a change into pending to the next status change),
      clipped to [created_at, resolved_at]; on_hold does not pause the clock. Null when
      unresolved, 0.0 when resolved without pending time.
    - resolution_minutes: created_at to resolved_at minus pending_minutes.
    One row per ticket with at least one status change.
    created_week, the week of the ticket's created_at, is operational: the partition an
    incremental run rewrites on Spark. -#}
-- depends_on: {{ ref('int_tickets_refresh_set') }}
with

status_changes as (

    select * from {{ ref('int_ticket_status_changes') }}
    {{- ticket_refresh_filter() }}

),

per_ticket as (

    select
        ticket_id,
        min(ticket_created_at) as created_at,
        max(case when is_latest_change then status end) as latest_status,
        min(case when status = 'solved' then changed_at end) as first_solved_change_at,
        min(case when status = 'closed' then changed_at end) as first_closed_change_at,
        max(case when status = 'solved' then changed_at end) as last_solved_change_at,
        max(case when status = 'closed' then changed_at end) as last_closed_change_at
    from status_changes
    group by ticket_id

),

resolved as (

    select
        ticket_id,
        created_at,
        latest_status,
        coalesce(first_solved_change_at, first_closed_change_at) as first_solved_at,
        case
            when latest_status in ('solved', 'closed')
                then coalesce(last_solved_change_at, last_closed_change_at)
        end as resolved_at
    from per_ticket

),

pending_periods as (

    select
        status_changes.ticket_id,
        case
            when status_changes.changed_at > resolved.created_at then status_changes.changed_at
            else resolved.created_at
        end as clipped_start_at,
        case
            when status_changes.next_changed_at is null then resolved.resolved_at
            when status_changes.next_changed_at < resolved.resolved_at then status_changes.next_changed_at
            else resolved.resolved_at
        end as clipped_end_at
    from status_changes
    inner join resolved
        on status_changes.ticket_id = resolved.ticket_id
    where
        status_changes.status = 'pending'
        and resolved.resolved_at is not null

),

pending_totals as (

    select
        ticket_id,
        sum(
            case
                when clipped_end_at > clipped_start_at
                    then {{ minutes_between('clipped_start_at', 'clipped_end_at') }}
                else 0.0
            end
        ) as pending_minutes
    from pending_periods
    group by ticket_id

),

final as (

    select
        resolved.ticket_id,
        {{ week_start('resolved.created_at') }} as created_week,
        resolved.latest_status,
        resolved.first_solved_at,
        resolved.resolved_at,
        case
            when resolved.resolved_at is not null then coalesce(pending_totals.pending_minutes, 0.0)
        end as pending_minutes,
        case
            when resolved.resolved_at is not null
                then {{ minutes_between('resolved.created_at', 'resolved.resolved_at') }}
                    - coalesce(pending_totals.pending_minutes, 0.0)
        end as resolution_minutes
    from resolved
    left join pending_totals
        on resolved.ticket_id = pending_totals.ticket_id

)

select * from final
