{#- The contract's tickets from Zendesk: every ticket not deleted. The queue and branch are the
    ticket's group at creation and the priority its priority at creation (the first
    ticket_field_history rows, zendesk__field_history), not the current ones; the channel, the
    segments and the merge come from their rule models; `requester_id` is the requester's
    external id (their Zendesk id without one). Staging checks and quarantines these rows like
    the helpdesk export's (stg_helpdesk__tickets reads this through raw_table). -#}
with

tickets as (

    select *
    from {{ source('zendesk', 'ticket') }}
    where {{ zendesk_is_live() }}

),

initial as (

    select
        ticket_id,
        max(case when field_name = 'group_id' then value end) as group_value,
        max(case when field_name = 'priority' then value end) as priority
    from {{ ref('zendesk__field_history') }}
    where is_initial and field_name in ('group_id', 'priority')
    group by ticket_id

),

groups as (

    select
        cast(group_id as {{ dbt.type_string() }}) as group_value,
        branch,
        queue
    from {{ ref('zendesk__groups') }}

),

users as (

    select
        id,
        external_id
    from {{ source('zendesk', 'user') }}
    where {{ zendesk_is_live() }}

),

final as (

    select
        {{ zendesk_id('tickets.id', 'ticket') }} as ticket_id,
        tickets.created_at,
        channels.channel,
        groups.queue,
        {{ zendesk_priority('initial.priority') }} as priority,
        segments.region,
        segments.customer_tier,
        segments.contact_reason,
        groups.branch,
        coalesce(users.external_id, cast(tickets.requester_id as {{ dbt.type_string() }})) as requester_id,
        segments.is_internal_requester,
        {{ zendesk_id('merges.merged_into_ticket_id', 'ticket') }} as merged_into_ticket_id,
        tickets.updated_at
    from tickets
    left join initial on tickets.id = initial.ticket_id
    left join groups on initial.group_value = groups.group_value
    left join {{ ref('zendesk__ticket_channels') }} as channels on tickets.id = channels.ticket_id
    left join {{ ref('zendesk__ticket_segments') }} as segments on tickets.id = segments.ticket_id
    left join {{ ref('zendesk__ticket_merges') }} as merges on tickets.id = merges.ticket_id
    left join users on tickets.requester_id = users.id

)

select * from final
