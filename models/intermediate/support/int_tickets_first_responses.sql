{#- Rule: first response, first meaningful response, outbound.
    - outbound: the earliest public message (any author, order (occurred_at, event_id)) is by an
      agent. A ticket with no public message is not outbound.
    - first_response_at: the earliest agent reply at or after created_at;
      first_meaningful_response_at: the earliest meaningful reply at or after created_at.
      Both null for outbound tickets.
    - public_agent_reply_count: every agent reply (an outbound ticket's opening message included).
    One row per ticket that has at least one message.
    created_week, the week of the ticket's created_at, is operational: the partition an
    incremental run rewrites on Spark. -#}
-- depends_on: {{ ref('int_tickets_refresh_set') }}
with

messages as (

    select * from {{ ref('int_ticket_messages_classified') }}
    {{- ticket_refresh_filter() }}

),

ranked_public_messages as (

    select
        ticket_id,
        author_type,
        row_number() over (
            partition by ticket_id
            order by occurred_at, event_id
        ) as public_message_number
    from messages
    where is_public_message

),

opening_messages as (

    select
        ticket_id,
        author_type = 'agent' as is_outbound
    from ranked_public_messages
    where public_message_number = 1

),

replies as (

    select
        ticket_id,
        min(ticket_created_at) as ticket_created_at,
        min(case when is_agent_reply and occurred_at >= ticket_created_at then occurred_at end)
            as first_reply_at,
        min(case when is_meaningful_reply and occurred_at >= ticket_created_at then occurred_at end)
            as first_meaningful_reply_at,
        sum(case when is_agent_reply then 1 else 0 end) as public_agent_reply_count
    from messages
    group by ticket_id

),

final as (

    select
        replies.ticket_id,
        {{ week_start('replies.ticket_created_at') }} as created_week,
        coalesce(opening_messages.is_outbound, false) as is_outbound,
        case
            when not coalesce(opening_messages.is_outbound, false) then replies.first_reply_at
        end as first_response_at,
        case
            when not coalesce(opening_messages.is_outbound, false) then replies.first_meaningful_reply_at
        end as first_meaningful_response_at,
        replies.public_agent_reply_count
    from replies
    left join opening_messages
        on replies.ticket_id = opening_messages.ticket_id

)

select * from final
