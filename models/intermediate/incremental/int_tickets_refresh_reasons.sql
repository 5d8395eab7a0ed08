{#- Operational, not definitional: the tickets this run must recompute, and why
    (meta.metric_ledger.operational, so metric fingerprints skip it; int_tickets_refresh_set adds
    the rest of their weeks where the incremental models rewrite whole weeks). A full build
    recomputes every ticket. After a previous build, a run recomputes the tickets
      - created or updated (a new event, a late event, a survey answer bumps updated_at) since the
        newest ticket of the previous build, minus `incremental_lookback_hours`;
      - not in the previous build at all;
      - solved shortly before such a ticket arrived from the same requester with the same reason
        (repeat contact looks across a requester's tickets);
      - quarantined now or in the previous build (a late duplicate changes other tickets).
    A model whose rules changed (code, macros, seeds, vars) since its last build ignores this set
    and recomputes every ticket (macros/incremental/rule_fingerprint.sql). -#}
-- depends_on: {{ ref('stg_helpdesk__quarantined_rows') }}
-- sqlfluff:indentation:template_blocks_indent:false
{% set previous = previous_build_of('fct_tickets') %}

with

tickets as (

    select
        ticket_id,
        requester_id,
        contact_reason,
        created_at,
        updated_at
    from {{ ref('stg_helpdesk__tickets') }}
    where ticket_id is not null

),

{% if not previous %}

final as (

    select distinct
        ticket_id,
        'full' as refresh_reason
    from tickets

)

{% else %}

previous_tickets as (

    select
        ticket_id,
        requester_id,
        contact_reason,
        created_at,
        first_solved_at,
        is_quarantined
    from {{ previous }}

),

since as (

    select
        {{ dbt.dateadd('hour', -1 * var('incremental_lookback_hours'), 'max(created_at)') }} as since_at
    from previous_tickets

),

changed as (

    select
        tickets.ticket_id,
        case
            when previous_tickets.ticket_id is null then 'new_ticket'
            else 'updated'
        end as refresh_reason
    from tickets
    cross join since
    left join previous_tickets
        on tickets.ticket_id = previous_tickets.ticket_id
    where
        previous_tickets.ticket_id is null
        or since.since_at is null
        or tickets.updated_at is null
        or tickets.updated_at >= since.since_at
        or tickets.created_at >= since.since_at

),

changed_contacts as (

    {#- A changed ticket as a later contact, in its current and its previous version. -#}
    select
        tickets.requester_id,
        tickets.contact_reason,
        tickets.created_at
    from tickets
    inner join changed
        on tickets.ticket_id = changed.ticket_id
    union all
    select
        previous_tickets.requester_id,
        previous_tickets.contact_reason,
        previous_tickets.created_at
    from previous_tickets
    inner join changed
        on previous_tickets.ticket_id = changed.ticket_id

),

same_requester as (

    {#- Repeat contact looks across a requester's tickets: an earlier ticket of the same requester
        and reason, first solved within the repeat window before a changed contact, may change. -#}
    select distinct
        previous_tickets.ticket_id,
        'same_requester' as refresh_reason
    from previous_tickets
    inner join changed_contacts
        on
            previous_tickets.requester_id = changed_contacts.requester_id
            and previous_tickets.contact_reason = changed_contacts.contact_reason
            and previous_tickets.first_solved_at < changed_contacts.created_at
            and previous_tickets.first_solved_at >= {{ dbt.dateadd('day', -1 * var('repeat_contact_window_days'), 'changed_contacts.created_at') }}

),

quarantined as (

    select
        ticket_id,
        'quarantined' as refresh_reason
    from {{ ref('stg_helpdesk__quarantined_rows') }}
    where ticket_id is not null
    union all
    select
        ticket_id,
        'quarantined' as refresh_reason
    from previous_tickets
    where is_quarantined

),

candidates as (

    select ticket_id, refresh_reason from changed
    union all
    select ticket_id, refresh_reason from same_requester
    union all
    select ticket_id, refresh_reason from quarantined

),

final as (

    select
        ticket_id,
        min(refresh_reason) as refresh_reason
    from candidates
    group by ticket_id

)

{% endif %}

select * from final
