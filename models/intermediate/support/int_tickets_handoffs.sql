{#- Rule: escalations and transfers. Escalated: the ticket has an escalation event. Transferred:
    it has a queue_change whose new_value differs from old_value (a null on one side and a value
    on the other is a difference; a same-value change is not a transfer). One row per ticket with
    at least one escalation or queue change (fct_tickets reads the others as false).
    created_week, the week of the ticket's created_at, is operational: the partition an
    incremental run rewrites on Spark. -#}
-- depends_on: {{ ref('int_tickets_refresh_set') }}
with

events as (

    select * from {{ ref('int_ticket_events_valid') }}
    where event_type in ('escalation', 'queue_change')
    {{- ticket_refresh_filter('ticket_id', 'and') }}

),

final as (

    select
        ticket_id,
        {{ week_start('min(ticket_created_at)') }} as created_week,
        max(case when event_type = 'escalation' then 1 else 0 end) = 1 as is_escalated,
        max(
            case
                when
                    event_type = 'queue_change'
                    and (
                        new_value <> old_value
                        or (new_value is null and old_value is not null)
                        or (new_value is not null and old_value is null)
                    )
                    then 1
                else 0
            end
        ) = 1 as is_transferred
    from events
    group by ticket_id

)

select * from final
