{#- Rule: who is counted. A ticket is quarantined when any of its raw rows (ticket, event, survey)
    breaks the contract, and included in customer metrics when it is not an internal request, not
    merged into another ticket and not quarantined (which also excludes unknown channels). One
    row per distinct, non-null ticket_id. -#}
with

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}

),

quarantined_rows as (

    select * from {{ ref('stg_helpdesk__quarantined_rows') }}

),

quarantined_tickets as (

    select distinct ticket_id
    from quarantined_rows
    where ticket_id is not null

),

primary_rows as (

    select * from tickets
    where is_primary_row

),

final as (

    select
        primary_rows.ticket_id,
        primary_rows.created_at,
        primary_rows.channel,
        primary_rows.queue,
        primary_rows.priority,
        primary_rows.region,
        primary_rows.customer_tier,
        primary_rows.contact_reason,
        primary_rows.branch,
        primary_rows.requester_id,
        coalesce(primary_rows.is_internal_requester, false) as is_internal_requester,
        primary_rows.merged_into_ticket_id,
        quarantined_tickets.ticket_id is not null as is_quarantined,
        (
            not coalesce(primary_rows.is_internal_requester, false)
            and primary_rows.merged_into_ticket_id is null
            and quarantined_tickets.ticket_id is null
        ) as is_included
    from primary_rows
    left join quarantined_tickets
        on primary_rows.ticket_id = quarantined_tickets.ticket_id

)

select * from final
