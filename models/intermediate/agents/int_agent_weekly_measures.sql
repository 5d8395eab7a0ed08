{#- An agent's week in counts and ratios, the inputs of agent_scorecard_weekly: one row per agent
    of fct_agent_shifts and ISO week with a shift (int_agent_weekly_shifts) or attributed work
    (int_ticket_owners). schedule_adherence = adherent / scheduled minutes. Owned included
    tickets by first-agent-reply week: contacts_handled, contacts_per_logged_in_hour, the median
    first response on first_response_minutes_p50's covered channels; by first-solved week:
    tickets_solved, reopen_rate; answered surveys by responded week: csat_score. -#}
{%- set speed_channels = ledger_covered_channels('first_response_minutes_p50') -%}
{#- The agent's week, part by part: an agent has a week when any part has a row for it. -#}
{%- set weekly_parts = ['weekly_shifts', 'weekly_handled', 'weekly_solved', 'weekly_csat'] -%}
with

shifts as (

    select * from {{ ref('fct_agent_shifts') }}

),

weekly_shifts as (

    select * from {{ ref('int_agent_weekly_shifts') }}

),

ticket_owners as (

    select * from {{ ref('int_ticket_owners') }}

),

tickets as (

    select * from {{ ref('fct_tickets') }}
    where is_included

),

surveys as (

    select * from {{ ref('fct_csat_surveys') }}
    where is_included and is_answered

),

agents as (

    select distinct
        agent_id,
        branch,
        team,
        agent_role
    from shifts

),

owned_tickets as (

    select
        ticket_owners.agent_id,
        tickets.ticket_id,
        {{ week_start('ticket_owners.first_agent_reply_at') }} as first_agent_reply_week,
        tickets.first_solved_week,
        tickets.is_reopened,
        case
            when tickets.channel in ({{ "'" ~ speed_channels | join("', '") ~ "'" }})
                then tickets.first_response_minutes
        end as first_response_minutes
    from tickets
    inner join ticket_owners
        on tickets.ticket_id = ticket_owners.ticket_id

),

weekly_handled as (

    select
        agent_id,
        first_agent_reply_week as week_start_date,
        count(*) as contacts_handled,
        count(first_response_minutes) as first_responded_tickets,
        {{ percentile_cont('first_response_minutes', 0.5) }} as first_response_minutes_p50
    from owned_tickets
    group by
        agent_id,
        first_agent_reply_week

),

weekly_solved as (

    select
        agent_id,
        first_solved_week as week_start_date,
        count(*) as tickets_solved,
        sum(case when is_reopened then 1 else 0 end) as reopened_tickets
    from owned_tickets
    where first_solved_week is not null
    group by
        agent_id,
        first_solved_week

),

weekly_csat as (

    select
        ticket_owners.agent_id,
        {{ week_start('surveys.responded_at') }} as week_start_date,
        count(*) as survey_responses,
        sum(case when surveys.is_satisfied then 1 else 0 end) as satisfied_responses
    from surveys
    inner join ticket_owners
        on surveys.ticket_id = ticket_owners.ticket_id
    group by
        ticket_owners.agent_id,
        {{ week_start('surveys.responded_at') }}

),

agent_week_keys as (

    {% for part in weekly_parts -%}
        select
            agent_id,
            week_start_date
        from {{ part }}
        {% if not loop.last %}union{% endif %}
    {% endfor %}

),

weekly_counts as (

    select
        agent_week_keys.agent_id,
        agent_week_keys.week_start_date,
        agents.branch,
        agents.team,
        agents.agent_role,
        coalesce(weekly_shifts.scheduled_minutes, 0) as scheduled_minutes,
        coalesce(weekly_shifts.adherent_minutes, 0) as adherent_minutes,
        cast(coalesce(weekly_shifts.logged_in_minutes, 0) as {{ type_double() }}) / 60.0 as logged_in_hours,
        coalesce(weekly_handled.contacts_handled, 0) as contacts_handled,
        coalesce(weekly_solved.tickets_solved, 0) as tickets_solved,
        coalesce(weekly_solved.reopened_tickets, 0) as reopened_tickets,
        coalesce(weekly_csat.survey_responses, 0) as survey_responses,
        coalesce(weekly_csat.satisfied_responses, 0) as satisfied_responses,
        coalesce(weekly_handled.first_responded_tickets, 0) as first_responded_tickets,
        weekly_handled.first_response_minutes_p50
    from agent_week_keys
    inner join agents
        on agent_week_keys.agent_id = agents.agent_id
    {% for part in weekly_parts -%}
        left join {{ part }}
            on
                agent_week_keys.agent_id = {{ part }}.agent_id
                and agent_week_keys.week_start_date = {{ part }}.week_start_date
    {% endfor %}

),

final as (

    select
        *,
        contacts_handled / nullif(logged_in_hours, 0) as contacts_per_logged_in_hour,
        cast(satisfied_responses as {{ type_double() }}) / nullif(survey_responses, 0) as csat_score,
        cast(reopened_tickets as {{ type_double() }}) / nullif(tickets_solved, 0) as reopen_rate,
        cast(adherent_minutes as {{ type_double() }}) / nullif(scheduled_minutes, 0) as schedule_adherence
    from weekly_counts

)

select * from final
