{#- fct_support_weekly must reconcile exactly with fct_tickets: every measure, recomputed here
    straight from the ticket grain (and the valid surveys), per week and channel, equals the sum
    of the weekly rows. Returns the (measure, week, channel) cells that differ. -#}
{%- set measures = [
    'all_contacts', 'included_contacts', 'quarantined_contacts', 'internal_contacts', 'merged_contacts',
    'outbound_contacts', 'first_responded_contacts', 'first_response_minutes_sum',
    'first_response_business_minutes_sum', 'first_meaningful_responded_contacts',
    'first_meaningful_response_minutes_sum', 'escalated_contacts', 'transferred_contacts',
    'first_solved_tickets', 'reopened_tickets', 'repeat_contact_tickets', 'resolved_tickets',
    'one_touch_tickets', 'resolution_minutes_sum', 'pending_minutes_sum', 'surveys_sent',
    'surveys_answered', 'survey_responses', 'satisfied_responses',
] -%}

with

tickets as (

    select * from {{ ref('fct_tickets') }}

),

included_tickets as (

    select * from tickets
    where is_included

),

surveys as (

    select
        {{ week_start('surveys.sent_at') }} as sent_week,
        {{ week_start('surveys.responded_at') }} as responded_week,
        surveys.responded_at is not null and surveys.rating is not null as is_answered,
        surveys.rating,
        included_tickets.channel
    from {{ ref('stg_helpdesk__csat_responses') }} as surveys
    inner join included_tickets
        on surveys.ticket_id = included_tickets.ticket_id
    where surveys.quarantine_reason is null

),

expected as (

    select
        'all_contacts' as measure,
        created_week as week_start_date,
        channel,
        count(*) * 1.0 as measure_value
    from tickets
    group by created_week, channel
    union all
    select
        'included_contacts',
        created_week,
        channel,
        count(*)
    from included_tickets
    group by created_week, channel
    union all
    select
        'quarantined_contacts',
        created_week,
        channel,
        count(*)
    from tickets
    where is_quarantined
    group by created_week, channel
    union all
    select
        'internal_contacts',
        created_week,
        channel,
        count(*)
    from tickets
    where is_internal_requester
    group by created_week, channel
    union all
    select
        'merged_contacts',
        created_week,
        channel,
        count(*)
    from tickets
    where merged_into_ticket_id is not null
    group by created_week, channel
    union all
    select
        'outbound_contacts',
        created_week,
        channel,
        count(*)
    from included_tickets
    where is_outbound
    group by created_week, channel
    union all
    select
        'first_responded_contacts',
        created_week,
        channel,
        count(first_response_minutes)
    from included_tickets
    group by created_week, channel
    union all
    select
        'first_response_minutes_sum',
        created_week,
        channel,
        sum(first_response_minutes)
    from included_tickets
    group by created_week, channel
    union all
    select
        'first_response_business_minutes_sum',
        created_week,
        channel,
        sum(first_response_business_minutes)
    from included_tickets
    group by created_week, channel
    union all
    select
        'first_meaningful_responded_contacts',
        created_week,
        channel,
        count(first_meaningful_response_minutes)
    from included_tickets
    group by created_week, channel
    union all
    select
        'first_meaningful_response_minutes_sum',
        created_week,
        channel,
        sum(first_meaningful_response_minutes)
    from included_tickets
    group by created_week, channel
    union all
    select
        'escalated_contacts',
        created_week,
        channel,
        count(*)
    from included_tickets
    where is_escalated
    group by created_week, channel
    union all
    select
        'transferred_contacts',
        created_week,
        channel,
        count(*)
    from included_tickets
    where is_transferred
    group by created_week, channel
    union all
    select
        'first_solved_tickets',
        first_solved_week,
        channel,
        count(*)
    from included_tickets
    where first_solved_at is not null
    group by first_solved_week, channel
    union all
    select
        'reopened_tickets',
        first_solved_week,
        channel,
        count(*)
    from included_tickets
    where first_solved_at is not null and reopen_count > 0
    group by first_solved_week, channel
    union all
    select
        'repeat_contact_tickets',
        first_solved_week,
        channel,
        count(*)
    from included_tickets
    where is_repeat_contact
    group by first_solved_week, channel
    union all
    select
        'resolved_tickets',
        resolved_week,
        channel,
        count(*)
    from included_tickets
    where resolved_at is not null
    group by resolved_week, channel
    union all
    select
        'one_touch_tickets',
        resolved_week,
        channel,
        count(*)
    from included_tickets
    where is_one_touch
    group by resolved_week, channel
    union all
    select
        'resolution_minutes_sum',
        resolved_week,
        channel,
        sum(resolution_minutes)
    from included_tickets
    where resolved_at is not null
    group by resolved_week, channel
    union all
    select
        'pending_minutes_sum',
        resolved_week,
        channel,
        sum(pending_minutes)
    from included_tickets
    where resolved_at is not null
    group by resolved_week, channel
    union all
    select
        'surveys_sent',
        sent_week,
        channel,
        count(*)
    from surveys
    group by sent_week, channel
    union all
    select
        'surveys_answered',
        sent_week,
        channel,
        count(*)
    from surveys
    where is_answered
    group by sent_week, channel
    union all
    select
        'survey_responses',
        responded_week,
        channel,
        count(*)
    from surveys
    where is_answered
    group by responded_week, channel
    union all
    select
        'satisfied_responses',
        responded_week,
        channel,
        count(*)
    from surveys
    where is_answered and rating >= 4
    group by responded_week, channel

),

weekly as (

    select * from {{ ref('fct_support_weekly') }}

),

actual as (

    {% for measure in measures %}
        select
            '{{ measure }}' as measure,
            week_start_date,
            channel,
            sum({{ measure }}) * 1.0 as measure_value
        from weekly
        group by week_start_date, channel
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

expected_cells as (

    select
        measure,
        week_start_date,
        channel,
        sum(coalesce(measure_value, 0)) as measure_value
    from expected
    group by measure, week_start_date, channel

),

actual_cells as (

    select
        measure,
        week_start_date,
        channel,
        sum(coalesce(measure_value, 0)) as measure_value
    from actual
    group by measure, week_start_date, channel

),

final as (

    select
        coalesce(expected_cells.measure, actual_cells.measure) as measure,
        coalesce(expected_cells.week_start_date, actual_cells.week_start_date) as week_start_date,
        coalesce(expected_cells.channel, actual_cells.channel) as channel,
        coalesce(expected_cells.measure_value, 0) as expected_value,
        coalesce(actual_cells.measure_value, 0) as actual_value
    from expected_cells
    full outer join actual_cells
        on
            expected_cells.measure = actual_cells.measure
            and coalesce(cast(expected_cells.week_start_date as {{ dbt.type_string() }}), '~')
            = coalesce(cast(actual_cells.week_start_date as {{ dbt.type_string() }}), '~')
            and coalesce(expected_cells.channel, '~') = coalesce(actual_cells.channel, '~')

)

select * from final
where abs(expected_value - actual_value) > 1e-6 * (1 + abs(expected_value))
