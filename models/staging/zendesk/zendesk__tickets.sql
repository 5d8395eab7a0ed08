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

initial_values as (

    select
        ticket_id,
        max(case when field_name = 'group_id' then value end) as group_value,
        max(case when field_name = 'priority' then value end) as priority
    from {{ ref('zendesk__field_history') }}
    where is_initial and field_name in ('group_id', 'priority')
    group by ticket_id

),

ticket_groups as (

    select
        cast(group_id as {{ dbt.type_string() }}) as group_value,
        branch,
        queue
    from {{ ref('zendesk__groups') }}

),

requesters as (

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
        ticket_groups.queue,
        {{ zendesk_priority('initial_values.priority') }} as priority,
        segments.region,
        segments.customer_tier,
        segments.contact_reason,
        ticket_groups.branch,
        coalesce(requesters.external_id, cast(tickets.requester_id as {{ dbt.type_string() }})) as requester_id,
        segments.is_internal_requester,
        {{ zendesk_id('ticket_merges.merged_into_ticket_id', 'ticket') }} as merged_into_ticket_id,
        tickets.updated_at
    from tickets
    left join initial_values on tickets.id = initial_values.ticket_id
    left join ticket_groups on initial_values.group_value = ticket_groups.group_value
    left join {{ ref('zendesk__ticket_channels') }} as channels on tickets.id = channels.ticket_id
    left join {{ ref('zendesk__ticket_segments') }} as segments on tickets.id = segments.ticket_id
    left join {{ ref('zendesk__ticket_merges') }} as ticket_merges on tickets.id = ticket_merges.ticket_id
    left join requesters on tickets.requester_id = requesters.id

)

select * from final
