{#- Rule: first-reply attribution. A ticket belongs to the agent who sent its first public
    agent reply (int_ticket_messages_classified.is_agent_reply: internal notes, customer and
    system messages never attribute), in the order of occurred_at, then event_id for replies at
    the same instant. A ticket without an agent reply belongs to nobody. Read by the agent
    scorecard (int_agent_weekly_measures); inclusion is the reader's business. One row per
    attributed ticket. -#}
with

messages as (

    select * from {{ ref('int_ticket_messages_classified') }}

),

ranked_agent_replies as (

    select
        ticket_id,
        author_id,
        occurred_at,
        row_number() over (
            partition by ticket_id
            order by occurred_at, event_id
        ) as agent_reply_number
    from messages
    where is_agent_reply

),

final as (

    select
        ticket_id,
        author_id as agent_id,
        occurred_at as first_agent_reply_at
    from ranked_agent_replies
    where agent_reply_number = 1

)

select * from final
