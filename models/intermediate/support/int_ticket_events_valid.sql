{#- The events every fact is computed from: the contract-clean rows (quarantined rows are
    excluded here, once), with their ticket's creation time. Event order everywhere is
    (occurred_at, event_id). -#}
with

events as (

    select * from {{ ref('stg_helpdesk__ticket_events') }}

),

final as (

    select
        event_id,
        ticket_id,
        ticket_created_at,
        occurred_at,
        event_type,
        author_type,
        author_id,
        is_public,
        is_auto_response,
        macro_id,
        body_chars,
        old_value,
        new_value
    from events
    where quarantine_reason is null

)

select * from final
