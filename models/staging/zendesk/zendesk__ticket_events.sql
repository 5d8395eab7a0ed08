{#- The contract's ticket_events from Zendesk: the messages (zendesk__messages) and the field
    changes (zendesk__field_events), in the contract's columns. Staging checks and quarantines
    them like the helpdesk export's (stg_helpdesk__ticket_events reads this through
    raw_table). -#}
with

messages as (

    select * from {{ ref('zendesk__messages') }}

),

field_events as (

    select * from {{ ref('zendesk__field_events') }}

),

final as (

    {% for relation in ['messages', 'field_events'] %}
        select
            event_id,
            ticket_id,
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
        from {{ relation }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
