{#- Rule: an author's role at the time. A user has one row per period of one role: before an
    audit_log role change ("Support role changed from agent to end-user") the change's "from"
    role, after the last one `user.role`. `author_type`: a bot user (var zendesk_bot_user_ids)
    is `bot`; role agent or admin is `agent`; so is a user without any role change whose email
    is at an agents' domain (var zendesk_agent_email_domains), so a former agent's replies stay
    agent replies where the audit log has no row; otherwise `customer`. Zendesk's system actor (-1, no user row) is `system`. Deleted users
    are ignored (their comments get no author type and are quarantined). -#}
{%- set bots = var('zendesk_bot_user_ids') | map('int') | list %}
{%- set domains = var('zendesk_agent_email_domains') | map('lower') | list %}
{%- set domain_list = "'" ~ (domains | join("', '")) ~ "'" %}
{%- set after_from = dbt.split_part('lower(change_description)', "'support role changed from '", 2) %}
with

users as (

    select
        id as user_id,
        external_id,
        lower({{ dbt.split_part('email', "'@'", 2) }}) as email_domain,
        role as role_today
    from {{ source('zendesk', 'user') }}
    where {{ zendesk_is_live() }}

),

role_changes as (

    select
        source_id as user_id,
        created_at as changed_at,
        trim({{ dbt.split_part(after_from, "' to '", 1) }}) as role_before
    from {{ source('zendesk', 'audit_log') }}
    where source_type = 'user'
        and lower(change_description) like '%support role changed from%'

),

periods as (

    select
        user_id,
        lag(changed_at) over (partition by user_id order by changed_at) as valid_from,
        changed_at as valid_to,
        role_before as user_role,
        true as has_role_changes
    from role_changes
    union all
    select
        users.user_id,
        max(role_changes.changed_at) as valid_from,
        cast(null as {{ dbt.type_timestamp() }}) as valid_to,
        max(users.role_today) as user_role,
        count(role_changes.user_id) > 0 as has_role_changes
    from users
    left join role_changes on users.user_id = role_changes.user_id
    group by users.user_id

),

final as (

    select
        users.user_id,
        users.external_id,
        periods.valid_from,
        periods.valid_to,
        periods.user_role,
        periods.has_role_changes,
        case
            {%- if bots %}
                when users.user_id in ({{ bots | join(', ') }}) then 'bot'
            {%- endif %}
            when periods.user_role in ('agent', 'admin') then 'agent'
            {%- if domains %}
                when not periods.has_role_changes and users.email_domain in ({{ domain_list }})
                    then 'agent'
            {%- endif %}
            else 'customer'
        end as author_type
    from periods
    inner join users on periods.user_id = users.user_id
    union all
    select
        -1 as user_id,
        cast(null as {{ dbt.type_string() }}) as external_id,
        cast(null as {{ dbt.type_timestamp() }}) as valid_from,
        cast(null as {{ dbt.type_timestamp() }}) as valid_to,
        cast(null as {{ dbt.type_string() }}) as user_role,
        false as has_role_changes,
        'system' as author_type

)

select * from final
