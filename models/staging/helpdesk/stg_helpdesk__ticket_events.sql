{#- One row per raw event row, typed, with the first contract break found (null when clean).
    Checked against the ticket's representative row: the event must belong to a known ticket and
    must not happen before that ticket was created.
    Incremental where the warehouse can delete rows (dbt_project.yml): after a previous build, a
    run checks again only the rows stg_helpdesk__ticket_events_restage names (with every row
    without a key or of a ticket the export lacks) and first deletes their staged rows
    (`delete_restaged_events`); a duplicate id is still counted over the whole export. -#}
-- depends_on: {{ ref('stg_helpdesk__ticket_events_restage') }}
with

source as (

    select * from {{ raw_table('ticket_events') }}

),

tickets as (

    select
        ticket_id,
        created_at
    from {{ ref('stg_helpdesk__tickets') }}
    where is_primary_row

),

typed as (

    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(event_type as {{ dbt.type_string() }}) as event_type,
        cast(author_type as {{ dbt.type_string() }}) as author_type,
        cast(author_id as {{ dbt.type_string() }}) as author_id,
        cast(is_public as {{ dbt.type_boolean() }}) as is_public,
        cast(is_auto_response as {{ dbt.type_boolean() }}) as is_auto_response,
        cast(macro_id as {{ dbt.type_string() }}) as macro_id,
        cast(body_chars as {{ dbt.type_int() }}) as body_chars,
        cast(old_value as {{ dbt.type_string() }}) as old_value,
        cast(new_value as {{ dbt.type_string() }}) as new_value
    from source

),

duplicate_event_ids as (

    select event_id
    from typed
    where event_id is not null
    {{- restaged_events_filter('event_ids') }}
    group by event_id
    having count(*) > 1

),

checked as (

    select
        typed.*,
        duplicate_event_ids.event_id is not null as is_duplicate_event_id,
        tickets.ticket_id is not null as is_known_ticket,
        tickets.created_at as ticket_created_at
    from typed
    left join duplicate_event_ids
        on typed.event_id = duplicate_event_ids.event_id
    left join tickets
        on typed.ticket_id = tickets.ticket_id
    {{- restaged_events_filter('rows') }}

),

final as (

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
        new_value,
        ticket_created_at,
        case
            when event_id is null then 'null_key'
            when is_duplicate_event_id then 'duplicate_key'
            when not is_known_ticket then 'unknown_ticket'
            when occurred_at is null then 'null_occurred_at'
            when occurred_at < ticket_created_at then 'event_before_ticket_created'
            when not {{ is_in_enum('event_type', 'event_type') }} then 'unknown_event_type'
            when not {{ is_in_enum('author_type', 'author_type') }} then 'unknown_author_type'
            when event_type = 'status_change' and not {{ is_in_enum('new_value', 'status') }}
                then 'unknown_status'
            when body_chars < 0 then 'negative_body_chars'
        end as quarantine_reason
    from checked

)

select * from final
