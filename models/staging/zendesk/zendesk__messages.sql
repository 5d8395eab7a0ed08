{#- Rule: every comment that is not deleted is a message event. `is_public` is Zendesk's
    `public` (an internal note is not public); a comment made by a trigger (`via_channel` =
    'rule', the auto-responses and trigger notifications) is an auto-response; `macro_id` is the
    applied macro's title; the author type is the author's role at the time of the comment
    (zendesk__user_roles); `author_id` is an agent's external id, null for anyone else.
    A sync without the extension columns (DECISIONLOG.md, "Optional Zendesk extension columns"):
    without `via_channel` an auto-response is a comment by Zendesk's system actor (a trigger
    posting as an agent then counts as that agent's reply, as in Zendesk's own reply time);
    without `macro_id` no message has a macro (no reply is an acknowledgement macro's). -#}
{%- set synced = zendesk_synced_columns('ticket_comment') %}
{%- set has_via_channel = synced is none or 'via_channel' in synced %}
{%- set has_macro_id = synced is none or 'macro_id' in synced %}
with

comments as (

    select *
    from {{ source('zendesk', 'ticket_comment') }}
    where {{ zendesk_is_live() }}

),

roles as (

    select * from {{ ref('zendesk__user_roles') }}

),
{%- if has_macro_id %}

macros as (

    select
        id,
        title
    from {{ source('zendesk', 'macro') }}

),
{%- endif %}

final as (

    select
        {{ zendesk_id('comments.id', 'ticket_comment') }} as event_id,
        {{ zendesk_id('comments.ticket_id', 'ticket') }} as ticket_id,
        comments.created as occurred_at,
        'message' as event_type,
        roles.author_type,
        case when roles.author_type = 'agent' then roles.external_id end as author_id,
        comments.public as is_public,
        {%- if has_via_channel %}
        coalesce(comments.via_channel = 'rule', false) as is_auto_response,
        {%- else %}
        coalesce(roles.author_type = 'system', false) as is_auto_response,
        {%- endif %}
        {%- if has_macro_id %}
        macros.title as macro_id,
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as macro_id,
        {%- endif %}
        cast(length(comments.body) as {{ dbt.type_int() }}) as body_chars,
        cast(null as {{ dbt.type_string() }}) as old_value,
        cast(null as {{ dbt.type_string() }}) as new_value
    from comments
    left join roles
        on {{ zendesk_role_at('comments.user_id', 'comments.created') }}
    {%- if has_macro_id %}
    left join macros
        on comments.macro_id = macros.id
    {%- endif %}

)

select * from final
