{#- Rule: what counts as a reply. Null flags read as false: is_public null = not public,
    is_auto_response null = not an auto-response, macro_id null = not an acknowledgement macro,
    body_chars null = not meaningful.
    - public message: a message visible to the customer (internal notes are not);
    - agent reply: a public message by an agent that is not an auto-response (bots, system
      messages, internal notes and auto-responses never stop the first-response clock);
    - meaningful reply: an agent reply not built from an acknowledgement macro and at least
      `meaningful_reply_min_chars` long. -#}
with

messages as (

    select * from {{ ref('int_ticket_events_valid') }}
    where event_type = 'message'

),

acknowledgement_macros as (

    select macro_id from {{ ref('acknowledgement_macros') }}

),

flagged as (

    select
        messages.event_id,
        messages.ticket_id,
        messages.ticket_created_at,
        messages.occurred_at,
        messages.author_type,
        messages.author_id,
        coalesce(messages.is_public, false) as is_public_message,
        (
            messages.author_type = 'agent'
            and coalesce(messages.is_public, false)
            and not coalesce(messages.is_auto_response, false)
        ) as is_agent_reply,
        coalesce(messages.is_auto_response, false) as is_auto_response,
        messages.body_chars,
        acknowledgement_macros.macro_id is not null as is_acknowledgement,
        coalesce(messages.body_chars >= {{ var('meaningful_reply_min_chars') }}, false) as is_long_enough
    from messages
    left join acknowledgement_macros
        on messages.macro_id = acknowledgement_macros.macro_id

),

final as (

    select
        event_id,
        ticket_id,
        ticket_created_at,
        occurred_at,
        author_type,
        author_id,
        is_public_message,
        is_agent_reply,
        is_agent_reply and not is_acknowledgement and is_long_enough as is_meaningful_reply,
        is_auto_response,
        is_acknowledgement,
        is_long_enough,
        body_chars
    from flagged

)

select * from final
