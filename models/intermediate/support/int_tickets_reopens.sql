{#- Rule: reopens. A reopen is a status change whose previous status in the timeline is solved
    and whose new status is new, open, pending or on_hold, at most `reopen_window_days`
    (inclusive) after that solve. One row per ticket with at least one status change.
    created_week, the week of the ticket's created_at, is operational: the partition an
    incremental run rewrites on Spark. -#}
-- depends_on: {{ ref('int_tickets_refresh_set') }}
with

status_changes as (

    select * from {{ ref('int_ticket_status_changes') }}
    {{- ticket_refresh_filter() }}

),

final as (

    select
        ticket_id,
        {{ week_start('min(ticket_created_at)') }} as created_week,
        sum(
            case
                when
                    previous_status = 'solved'
                    and {{ is_in_enum('status', 'open_status') }}
                    and changed_at <= {{ dbt.dateadd('day', var('reopen_window_days'), 'previous_changed_at') }}
                    then 1
                else 0
            end
        ) as reopen_count
    from status_changes
    group by ticket_id

)

select * from final
