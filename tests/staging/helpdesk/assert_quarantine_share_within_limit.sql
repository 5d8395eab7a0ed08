{#- Fails (one row per raw table) when the share of a table's rows that break the source contract
    is above the var `quarantine_error_share`. Smaller shares only warn (is_empty on
    stg_helpdesk__quarantined_rows). Unknown channels do not count here: a channel the contract
    does not know is what coverage reports (a new channel, an integration change), not a broken
    export, and failing the build would hide the coverage drop the guardrails exist to show. -#}
{{ config(severity='error') }}

with

row_counts as (

    select
        'tickets' as source_table,
        count(*) as total_rows,
        sum(case when quarantine_reason is not null and quarantine_reason <> 'unknown_channel' then 1 else 0 end) as quarantined_rows
    from {{ ref('stg_helpdesk__tickets') }}
    union all
    select
        'ticket_events',
        count(*),
        sum(case when quarantine_reason is not null then 1 else 0 end)
    from {{ ref('stg_helpdesk__ticket_events') }}
    union all
    select
        'csat_responses',
        count(*),
        sum(case when quarantine_reason is not null then 1 else 0 end)
    from {{ ref('stg_helpdesk__csat_responses') }}
    union all
    select
        'agents',
        count(*),
        sum(case when quarantine_reason is not null then 1 else 0 end)
    from {{ ref('stg_helpdesk__agents') }}
    union all
    select
        'agent_shifts',
        count(*),
        sum(case when quarantine_reason is not null then 1 else 0 end)
    from {{ ref('stg_helpdesk__agent_shifts') }}

),

final as (

    select
        source_table,
        total_rows,
        quarantined_rows,
        1.0 * quarantined_rows / total_rows as quarantined_share,
        {{ var('quarantine_error_share') }} as allowed_share
    from row_counts
    where total_rows > 0 and 1.0 * quarantined_rows / total_rows > {{ var('quarantine_error_share') }}

)

select * from final
