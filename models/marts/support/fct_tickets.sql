{#- One row per distinct, non-null ticket_id in the export. Excluded tickets (internal, merged,
    unknown channel) and tickets with quarantined rows stay, flagged by is_included and
    is_quarantined; their facts are computed like any other's. Every fact comes from the
    intermediate model that owns its rule; this model only assembles them. -#}
-- depends_on: {{ ref('int_tickets_refresh_set') }}
with

population as (

    select * from {{ ref('int_tickets_population') }}
    {{- ticket_refresh_filter() }}

),

first_responses as (

    select * from {{ ref('int_tickets_first_responses') }}

),

business_minutes as (

    select * from {{ ref('int_tickets_business_minutes') }}

),

resolutions as (

    select * from {{ ref('int_tickets_resolutions') }}

),

reopens as (

    select * from {{ ref('int_tickets_reopens') }}

),

repeat_contacts as (

    select * from {{ ref('int_tickets_repeat_contacts') }}

),

handoffs as (

    select * from {{ ref('int_tickets_handoffs') }}

),

csat as (

    select * from {{ ref('int_tickets_csat') }}

),

joined as (

    select
        population.ticket_id,
        population.created_at,
        cast(population.created_at as date) as created_date,
        {{ week_start('population.created_at') }} as created_week,
        population.channel,
        population.queue,
        population.priority,
        population.region,
        population.customer_tier,
        population.contact_reason,
        population.branch,
        population.requester_id,
        population.is_internal_requester,
        population.merged_into_ticket_id,
        population.is_quarantined,
        population.is_included,
        coalesce(first_responses.is_outbound, false) as is_outbound,
        first_responses.first_response_at,
        first_responses.first_meaningful_response_at,
        business_minutes.first_response_business_minutes,
        resolutions.latest_status,
        resolutions.first_solved_at,
        resolutions.resolved_at,
        resolutions.pending_minutes,
        resolutions.resolution_minutes,
        coalesce(reopens.reopen_count, 0) as reopen_count,
        coalesce(repeat_contacts.is_repeat_contact, false) as is_repeat_contact,
        coalesce(handoffs.is_escalated, false) as is_escalated,
        coalesce(handoffs.is_transferred, false) as is_transferred,
        coalesce(first_responses.public_agent_reply_count, 0) as public_agent_reply_count,
        csat.csat_rating,
        csat.is_satisfied
    from population
    left join first_responses
        on population.ticket_id = first_responses.ticket_id
    left join business_minutes
        on population.ticket_id = business_minutes.ticket_id
    left join resolutions
        on population.ticket_id = resolutions.ticket_id
    left join reopens
        on population.ticket_id = reopens.ticket_id
    left join repeat_contacts
        on population.ticket_id = repeat_contacts.ticket_id
    left join handoffs
        on population.ticket_id = handoffs.ticket_id
    left join csat
        on population.ticket_id = csat.ticket_id

),

final as (

    select
        ticket_id,
        created_at,
        created_date,
        created_week,
        channel,
        queue,
        priority,
        region,
        customer_tier,
        contact_reason,
        branch,
        requester_id,
        is_internal_requester,
        merged_into_ticket_id,
        is_quarantined,
        is_included,
        is_outbound,
        first_response_at,
        {{ minutes_between('created_at', 'first_response_at') }} as first_response_minutes,
        first_response_business_minutes,
        first_meaningful_response_at,
        {{ minutes_between('created_at', 'first_meaningful_response_at') }} as first_meaningful_response_minutes,
        coalesce(latest_status, 'new') as latest_status,
        first_solved_at,
        {{ week_start('first_solved_at') }} as first_solved_week,
        resolved_at,
        {{ week_start('resolved_at') }} as resolved_week,
        pending_minutes,
        resolution_minutes,
        cast(reopen_count as {{ dbt.type_int() }}) as reopen_count,
        reopen_count > 0 as is_reopened,
        is_repeat_contact,
        is_escalated,
        is_transferred,
        cast(public_agent_reply_count as {{ dbt.type_int() }}) as public_agent_reply_count,
        resolved_at is not null and public_agent_reply_count = 1 as is_one_touch,
        cast(csat_rating as {{ dbt.type_int() }}) as csat_rating,
        is_satisfied
    from joined

)

select * from final
