{#- Rule: where each segment of a ticket lives in Zendesk. Contact reason: the custom ticket
    field `custom_contact_reason`. Customer tier and internal requester: the fields
    `custom_customer_tier` and `custom_internal` of the ticket's organisation. Region: the tag
    `region_<region>`, upper-cased (the lowest such tag when there are several). A segment not
    found stays null, so staging quarantines the ticket with the reason. -#}
with

tickets as (

    select
        id as ticket_id,
        organization_id,
        custom_contact_reason
    from {{ source('zendesk', 'ticket') }}
    where {{ zendesk_is_live() }}

),

organizations as (

    select
        id as organization_id,
        custom_customer_tier,
        custom_internal
    from {{ source('zendesk', 'organization') }}

),

regions as (

    select
        ticket_id,
        upper(min(substr(tag, {{ 'region_' | length + 1 }}))) as region
    from {{ source('zendesk', 'ticket_tag') }}
    where tag like 'region\_%' escape '\'
    group by ticket_id

),

final as (

    select
        tickets.ticket_id,
        tickets.custom_contact_reason as contact_reason,
        organizations.custom_customer_tier as customer_tier,
        organizations.custom_internal as is_internal_requester,
        regions.region
    from tickets
    left join organizations
        on tickets.organization_id = organizations.organization_id
    left join regions
        on tickets.ticket_id = regions.ticket_id

)

select * from final
