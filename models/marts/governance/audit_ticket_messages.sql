{#- How the first-response rules counted every message of a ticket, for the pre-mortem's "would
    this be counted the way we think?" (metric-ledger premortem) and the weekly audit: per
    message, the flags the rules read (int_ticket_messages_classified: public, agent reply,
    auto-response, acknowledgement macro, long enough, meaningful) and the rule's result for its
    ticket (fct_tickets.first_response_at, first_meaningful_response_at): whether this message
    stopped the first-response clock, the first-meaningful-response clock, or why it did not.
    The role is read off the rules' own columns, never decided again here: a message stops a
    clock when it is the kind of reply that clock waits for and falls at the instant the rule
    found (two such replies in the same second would both say so). A view: readers ask for a
    few tickets. -#}
{{ config(materialized='view') }}
with

messages as (

    select * from {{ ref('int_ticket_messages_classified') }}

),

tickets as (

    select * from {{ ref('fct_tickets') }}

),

judged as (

    select
        messages.ticket_id,
        messages.event_id,
        messages.occurred_at,
        messages.author_type,
        messages.is_public_message,
        messages.is_auto_response,
        messages.is_acknowledgement,
        messages.body_chars,
        messages.is_agent_reply,
        messages.is_meaningful_reply,
        tickets.is_outbound,
        coalesce(messages.is_agent_reply and messages.occurred_at = tickets.first_response_at, false)
            as stops_first_response_clock,
        coalesce(messages.is_meaningful_reply and messages.occurred_at = tickets.first_meaningful_response_at, false)
            as stops_meaningful_response_clock,
        messages.occurred_at < messages.ticket_created_at as is_before_created
    from messages
    inner join tickets
        on messages.ticket_id = tickets.ticket_id

),

final as (

    select
        ticket_id,
        event_id,
        occurred_at,
        author_type,
        is_public_message,
        is_auto_response,
        is_acknowledgement,
        body_chars,
        is_agent_reply,
        is_meaningful_reply,
        stops_first_response_clock,
        stops_meaningful_response_clock,
        case
            when stops_first_response_clock and stops_meaningful_response_clock
                then 'stopped both clocks: first response and first meaningful response'
            when stops_first_response_clock then 'stopped the first-response clock'
            when stops_meaningful_response_clock then 'stopped the first-meaningful-response clock'
            when is_before_created then 'skipped: before the ticket was created'
            when not is_public_message then 'skipped: internal note (not public)'
            when author_type <> 'agent' then {{ dbt.concat(["'skipped: not an agent ('", "author_type", "')'"]) }}
            when is_auto_response then 'skipped: auto-response'
            when is_outbound then 'outbound ticket: the agent wrote first, no first-response clock'
            else 'a later agent reply (the first-response clock had stopped)'
        end as first_response_role,
        case
            when not is_agent_reply then null
            when is_meaningful_reply then 'meaningful'
            when is_acknowledgement then 'not meaningful: an acknowledgement macro'
            else {{ "'not meaningful: shorter than " ~ var('meaningful_reply_min_chars') ~ " characters'" }}
        end as meaningful_note
    from judged

)

select * from final
