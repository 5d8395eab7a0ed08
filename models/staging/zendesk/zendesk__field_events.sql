{#- Rule: a change of a ticket field (a ticket_field_history row after the field's first) is an
    event: `status` a status_change (values mapped, `hold` is on_hold), `priority` a
    priority_change (urgent..low are p1..p4), `group_id` a queue_change (a transfer: the groups'
    queues, zendesk__groups), the custom field of the var zendesk_escalation_field an escalation
    (its values as they are). The old value is the previous row's. Field changes have no id in
    Zendesk: the event id is the ticket, the field and the time (the key of a change). -#}
{%- set ticket_id = zendesk_id('changes.ticket_id', 'ticket') %}
{%- set updated = 'cast(changes.updated as ' ~ dbt.type_string() ~ ')' %}
with

changes as (

    select *
    from {{ ref('zendesk__field_history') }}
    where not is_initial
        and field_name in ('status', 'priority', 'group_id', '{{ var("zendesk_escalation_field") }}')

),

roles as (

    select * from {{ ref('zendesk__user_roles') }}

),

ticket_groups as (

    select
        cast(group_id as {{ dbt.type_string() }}) as group_value,
        queue
    from {{ ref('zendesk__groups') }}

),

final as (

    select
        {{ dbt.concat([ticket_id, "':'", 'changes.field_name', "'@'", updated]) }} as event_id,
        {{ ticket_id }} as ticket_id,
        changes.updated as occurred_at,
        case changes.field_name
            when 'status' then 'status_change'
            when 'priority' then 'priority_change'
            when 'group_id' then 'queue_change'
            else 'escalation'
        end as event_type,
        roles.author_type,
        case when roles.author_type = 'agent' then roles.external_id end as author_id,
        cast(null as {{ dbt.type_boolean() }}) as is_public,
        cast(null as {{ dbt.type_boolean() }}) as is_auto_response,
        cast(null as {{ dbt.type_string() }}) as macro_id,
        cast(null as {{ dbt.type_int() }}) as body_chars,
        case changes.field_name
            when 'status' then {{ zendesk_status('changes.previous_value') }}
            when 'priority' then {{ zendesk_priority('changes.previous_value') }}
            when 'group_id' then old_group.queue
            else changes.previous_value
        end as old_value,
        case changes.field_name
            when 'status' then {{ zendesk_status('changes.value') }}
            when 'priority' then {{ zendesk_priority('changes.value') }}
            when 'group_id' then new_group.queue
            else changes.value
        end as new_value
    from changes
    left join roles
        on {{ zendesk_role_at('changes.user_id', 'changes.updated') }}
    left join ticket_groups as old_group
        on changes.field_name = 'group_id' and changes.previous_value = old_group.group_value
    left join ticket_groups as new_group
        on changes.field_name = 'group_id' and changes.value = new_group.group_value

)

select * from final
