{#- Operational, not definitional: which raw event rows a run checks again (meta.metric_ledger.operational,
    so metric fingerprints skip it). The export is a full dump; the contract's signal of change is
    the ticket's updated_at, the one the incremental facts already trust
    (int_tickets_refresh_reasons). After a previous build of the staged events, a run re-checks
      - every event row of a ticket created or updated since the newest ticket of that build,
        minus `incremental_lookback_hours`, or with any row without updated_at (`ticket_id` rows);
      - every event row of a ticket whose primary row appeared, vanished or changed its created_at
        since then (the staged rows say which ticket they were checked against);
      - every row without a ticket id or event id, and every row of a ticket the export does not
        have (the staging model adds these itself);
      - every row sharing an event id with any of those rows, before or now (`event_id` rows), so
        the duplicate-key rule stays exact across the whole export: a late duplicate quarantines
        the untouched row whose id it reuses.
    Without a previous build (or with --full-refresh) the set is empty and the staging is built
    in full. A rule change in the staging model makes it a full refresh (rule_fingerprint.sql). -#}
-- depends_on: {{ raw_table('ticket_events') }}
-- sqlfluff:indentation:template_blocks_indent:false
{% set staged = previous_build_of('stg_helpdesk__ticket_events') if is_incremental_model('stg_helpdesk__ticket_events') else none %}

with

{% if not staged %}

final as (

    select
        cast(null as {{ dbt.type_string() }}) as ticket_id,
        cast(null as {{ dbt.type_string() }}) as event_id
    from {{ ref('stg_helpdesk__tickets') }}
    where 1 = 0

)

{% else %}

ticket_rows as (

    select
        ticket_id,
        created_at,
        updated_at,
        is_primary_row
    from {{ ref('stg_helpdesk__tickets') }}
    where ticket_id is not null

),

primary_tickets as (

    select
        ticket_id,
        created_at
    from ticket_rows
    where is_primary_row

),

staged as (

    select
        ticket_id,
        event_id,
        ticket_created_at,
        quarantine_reason
    from {{ staged }}

),

since as (

    select
        {{ dbt.dateadd('hour', -1 * var('incremental_lookback_hours'), 'max(ticket_created_at)') }} as since_at
    from staged

),

updated_tickets as (

    select ticket_rows.ticket_id
    from ticket_rows
    cross join since
    where
        since.since_at is null
        or ticket_rows.updated_at is null
        or ticket_rows.updated_at >= since.since_at
        or ticket_rows.created_at >= since.since_at

),

changed_tickets as (

    {#- Staged against another primary row than today's: the ticket appeared (its rows were
        unknown_ticket), vanished, or its created_at changed. A row quarantined for a null key
        or a duplicate id carries the ticket's created_at but no verdict on the ticket. -#}
    select staged.ticket_id
    from staged
    left join primary_tickets
        on staged.ticket_id = primary_tickets.ticket_id
    where
        staged.ticket_id is not null
        and (
            (staged.ticket_created_at is null and primary_tickets.created_at is not null)
            or (staged.ticket_created_at is not null and primary_tickets.created_at is null)
            or staged.ticket_created_at <> primary_tickets.created_at
            or (
                coalesce(staged.quarantine_reason, 'clean') not in ('null_key', 'duplicate_key')
                and (case when staged.quarantine_reason = 'unknown_ticket' then 1 else 0 end)
                <> (case when primary_tickets.ticket_id is null then 1 else 0 end)
            )
        )

),

restaged_tickets as (

    select ticket_id from updated_tickets
    union
    select ticket_id from changed_tickets

),

event_keys as (

    {#- Every row's keys, in the export and in the staged table. -#}
    select
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(event_id as {{ dbt.type_string() }}) as event_id
    from {{ raw_table('ticket_events') }}
    union all
    select
        ticket_id,
        event_id
    from staged

),

restaged_event_ids as (

    {#- The ids of every row the staging checks again, before or now. -#}
    select distinct event_keys.event_id
    from event_keys
    left join primary_tickets
        on event_keys.ticket_id = primary_tickets.ticket_id
    where
        event_keys.event_id is not null
        and (
            primary_tickets.ticket_id is null
            or event_keys.ticket_id in (select restaged_tickets.ticket_id from restaged_tickets)
        )

),

final as (

    select
        ticket_id,
        cast(null as {{ dbt.type_string() }}) as event_id
    from restaged_tickets
    union all
    select
        cast(null as {{ dbt.type_string() }}) as ticket_id,
        event_id
    from restaged_event_ids

)

{% endif %}

select * from final
