{#- Every raw row that breaks the source contract, with its table, key and reason. Nothing is
    dropped silently: downstream models exclude these rows and coverage counts their tickets as
    not included. -#}
with

tickets as (

    select
        'tickets' as source_table,
        ticket_id as record_key,
        ticket_id,
        quarantine_reason
    from {{ ref('stg_helpdesk__tickets') }}
    where quarantine_reason is not null

),

ticket_events as (

    select
        'ticket_events' as source_table,
        event_id as record_key,
        ticket_id,
        quarantine_reason
    from {{ ref('stg_helpdesk__ticket_events') }}
    where quarantine_reason is not null

),

csat_responses as (

    select
        'csat_responses' as source_table,
        survey_id as record_key,
        ticket_id,
        quarantine_reason
    from {{ ref('stg_helpdesk__csat_responses') }}
    where quarantine_reason is not null

),

agents as (

    select
        'agents' as source_table,
        agent_id as record_key,
        cast(null as {{ dbt.type_string() }}) as ticket_id,
        quarantine_reason
    from {{ ref('stg_helpdesk__agents') }}
    where quarantine_reason is not null

),

agent_shifts as (

    select
        'agent_shifts' as source_table,
        {{ dbt.concat(['agent_id', "'|'", 'cast(shift_date as ' ~ dbt.type_string() ~ ')']) }} as record_key,
        cast(null as {{ dbt.type_string() }}) as ticket_id,
        quarantine_reason
    from {{ ref('stg_helpdesk__agent_shifts') }}
    where quarantine_reason is not null

),

final as (

    select * from tickets
    union all
    select * from ticket_events
    union all
    select * from csat_responses
    union all
    select * from agents
    union all
    select * from agent_shifts

)

select * from final
