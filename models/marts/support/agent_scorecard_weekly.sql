{#- A balanced individual report (governance.md §5): one row per agent of fct_agent_shifts and
    ISO week in which the agent had a shift or attributed work.
    - Attribution: an included ticket belongs to the agent who sent its first public agent reply
      (int_ticket_messages_classified, ordered by occurred_at then event_id).
    - Efficiency: tickets_solved (owned tickets by the week of their first solve) and
      contacts_per_logged_in_hour (owned tickets by the week of their first agent reply, over the
      hours logged in that week).
    - Quality: csat_score (satisfied / answered surveys of owned tickets, by responded week) and
      reopen_rate (owned tickets first solved in the week that were reopened).
    - Reliability: schedule_adherence = adherent / scheduled minutes of the week's shifts.
    - Speed: first_response_minutes_p50, the median first response of owned tickets answered in
      the week, on the channels first_response_minutes_p50 covers (its ledger's
      covered_channels, read from the graph by ledger_covered_channels). It is only shown in a row
      where both its counter-metrics (reopen_rate and csat_score) have a value; otherwise its
      value, baseline and gap are null.
    - Baseline: the plain average of the measure's weekly values over the agent's previous
      `scorecard_baseline_weeks` (8) calendar weeks, the current week excluded; weeks without a
      row (no shift, no work) are not zeros, and nulls are skipped.
    - Gap: value - target, in the measure's unit; targets are vars. For reopen_rate and
      first_response_minutes_p50 the target is a ceiling (a negative gap is good); for the
      others it is a floor (a positive gap is good). -#}
{%- set baseline_weeks = var('scorecard_baseline_weeks', 8) -%}
{#- The speed metric's channels are its ledger's covered_channels (one source of truth). -#}
{%- set speed_channels = ledger_covered_channels('first_response_minutes_p50') -%}
{%- set measures = [
    ('tickets_solved', var('scorecard_target_tickets_solved', 70)),
    ('contacts_per_logged_in_hour', var('scorecard_target_contacts_per_logged_in_hour', 2.0)),
    ('csat_score', var('scorecard_target_csat_score', 0.85)),
    ('reopen_rate', var('scorecard_target_reopen_rate', 0.05)),
    ('schedule_adherence', var('scorecard_target_schedule_adherence', 0.95)),
    ('first_response_minutes_p50', var('scorecard_target_first_response_minutes_p50', 120)),
] -%}
with

shifts as (

    select * from {{ ref('fct_agent_shifts') }}

),

messages as (

    select * from {{ ref('int_ticket_messages_classified') }}

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

ranked_agent_replies as (

    select
        ticket_id,
        author_id,
        occurred_at,
        row_number() over (
            partition by ticket_id
            order by occurred_at, event_id
        ) as agent_reply_number
    from messages
    where is_agent_reply

),

ticket_owners as (

    select
        ticket_id,
        author_id as agent_id,
        occurred_at as first_agent_reply_at
    from ranked_agent_replies
    where agent_reply_number = 1

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

weekly_shifts as (

    select
        agent_id,
        {{ week_start('shift_date') }} as week_start_date,
        sum(scheduled_minutes) as scheduled_minutes,
        sum(adherent_minutes) as adherent_minutes,
        sum(logged_in_minutes) as logged_in_minutes
    from shifts
    group by
        agent_id,
        {{ week_start('shift_date') }}

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

    select
        agent_id,
        week_start_date
    from weekly_shifts

    union

    select
        agent_id,
        week_start_date
    from weekly_handled

    union

    select
        agent_id,
        week_start_date
    from weekly_solved

    union

    select
        agent_id,
        week_start_date
    from weekly_csat

),

agent_weeks as (

    select
        agents.agent_id,
        agent_week_keys.week_start_date,
        agents.branch,
        agents.team,
        agents.agent_role
    from agent_week_keys
    inner join agents
        on agent_week_keys.agent_id = agents.agent_id

),

weekly_counts as (

    select
        agent_weeks.agent_id,
        agent_weeks.week_start_date,
        agent_weeks.branch,
        agent_weeks.team,
        agent_weeks.agent_role,
        coalesce(weekly_shifts.scheduled_minutes, 0) as scheduled_minutes,
        coalesce(weekly_shifts.adherent_minutes, 0) as adherent_minutes,
        coalesce(weekly_shifts.logged_in_minutes, 0) / 60.0 as logged_in_hours,
        coalesce(weekly_handled.contacts_handled, 0) as contacts_handled,
        coalesce(weekly_solved.tickets_solved, 0) as tickets_solved,
        coalesce(weekly_solved.reopened_tickets, 0) as reopened_tickets,
        coalesce(weekly_csat.survey_responses, 0) as survey_responses,
        coalesce(weekly_csat.satisfied_responses, 0) as satisfied_responses,
        coalesce(weekly_handled.first_responded_tickets, 0) as first_responded_tickets,
        weekly_handled.first_response_minutes_p50
    from agent_weeks
    left join weekly_shifts
        on
            agent_weeks.agent_id = weekly_shifts.agent_id
            and agent_weeks.week_start_date = weekly_shifts.week_start_date
    left join weekly_handled
        on
            agent_weeks.agent_id = weekly_handled.agent_id
            and agent_weeks.week_start_date = weekly_handled.week_start_date
    left join weekly_solved
        on
            agent_weeks.agent_id = weekly_solved.agent_id
            and agent_weeks.week_start_date = weekly_solved.week_start_date
    left join weekly_csat
        on
            agent_weeks.agent_id = weekly_csat.agent_id
            and agent_weeks.week_start_date = weekly_csat.week_start_date

),

weekly_measures as (

    select
        *,
        contacts_handled / nullif(logged_in_hours, 0) as contacts_per_logged_in_hour,
        cast(satisfied_responses as {{ type_double() }}) / nullif(survey_responses, 0) as csat_score,
        cast(reopened_tickets as {{ type_double() }}) / nullif(tickets_solved, 0) as reopen_rate,
        cast(adherent_minutes as {{ type_double() }}) / nullif(scheduled_minutes, 0) as schedule_adherence
    from weekly_counts

),

baselines as (

    select
        current_week.agent_id,
        current_week.week_start_date,
        count(previous_week.week_start_date) as baseline_week_count,
        {% for measure in measures -%}
            avg(previous_week.{{ measure[0] }}) as {{ measure[0] }}_baseline{% if not loop.last %},{% endif %}
        {% endfor %}
    from weekly_measures as current_week
    left join weekly_measures as previous_week
        on
            current_week.agent_id = previous_week.agent_id
            and current_week.week_start_date > previous_week.week_start_date
            and {{ dbt.dateadd('day', -7 * baseline_weeks, 'current_week.week_start_date') }}
            <= previous_week.week_start_date
    group by
        current_week.agent_id,
        current_week.week_start_date

),

scored as (

    select
        weekly_measures.*,
        baselines.baseline_week_count,
        {% for measure in measures -%}
            baselines.{{ measure[0] }}_baseline,
            cast({{ measure[1] }} as {{ type_double() }}) as {{ measure[0] }}_target,
        {% endfor -%}
        weekly_measures.reopen_rate is not null
        and weekly_measures.csat_score is not null as has_speed_counter_metrics
    from weekly_measures
    inner join baselines
        on
            weekly_measures.agent_id = baselines.agent_id
            and weekly_measures.week_start_date = baselines.week_start_date

),

final as (

    select
        agent_id,
        week_start_date,
        branch,
        team,
        agent_role,
        cast(baseline_week_count as {{ dbt.type_int() }}) as baseline_week_count,
        cast(logged_in_hours as {{ type_double() }}) as logged_in_hours,
        cast(scheduled_minutes as {{ dbt.type_bigint() }}) as scheduled_minutes,
        cast(adherent_minutes as {{ dbt.type_bigint() }}) as adherent_minutes,
        cast(contacts_handled as {{ dbt.type_bigint() }}) as contacts_handled,
        cast(reopened_tickets as {{ dbt.type_bigint() }}) as reopened_tickets,
        cast(survey_responses as {{ dbt.type_bigint() }}) as survey_responses,
        cast(satisfied_responses as {{ dbt.type_bigint() }}) as satisfied_responses,
        cast(first_responded_tickets as {{ dbt.type_bigint() }}) as first_responded_tickets,
        cast(tickets_solved as {{ dbt.type_bigint() }}) as tickets_solved,
        cast(tickets_solved_baseline as {{ type_double() }}) as tickets_solved_baseline,
        tickets_solved_target,
        cast(tickets_solved - tickets_solved_target as {{ type_double() }}) as tickets_solved_gap_to_target,
        cast(contacts_per_logged_in_hour as {{ type_double() }}) as contacts_per_logged_in_hour,
        cast(contacts_per_logged_in_hour_baseline as {{ type_double() }}) as contacts_per_logged_in_hour_baseline,
        contacts_per_logged_in_hour_target,
        cast(contacts_per_logged_in_hour - contacts_per_logged_in_hour_target as {{ type_double() }})
            as contacts_per_logged_in_hour_gap_to_target,
        cast(csat_score as {{ type_double() }}) as csat_score,
        cast(csat_score_baseline as {{ type_double() }}) as csat_score_baseline,
        csat_score_target,
        cast(csat_score - csat_score_target as {{ type_double() }}) as csat_score_gap_to_target,
        cast(reopen_rate as {{ type_double() }}) as reopen_rate,
        cast(reopen_rate_baseline as {{ type_double() }}) as reopen_rate_baseline,
        reopen_rate_target,
        cast(reopen_rate - reopen_rate_target as {{ type_double() }}) as reopen_rate_gap_to_target,
        cast(schedule_adherence as {{ type_double() }}) as schedule_adherence,
        cast(schedule_adherence_baseline as {{ type_double() }}) as schedule_adherence_baseline,
        schedule_adherence_target,
        cast(schedule_adherence - schedule_adherence_target as {{ type_double() }}) as schedule_adherence_gap_to_target,
        case when has_speed_counter_metrics then cast(first_response_minutes_p50 as {{ type_double() }}) end
            as first_response_minutes_p50,
        case when has_speed_counter_metrics then cast(first_response_minutes_p50_baseline as {{ type_double() }}) end
            as first_response_minutes_p50_baseline,
        first_response_minutes_p50_target,
        case
            when has_speed_counter_metrics
                then cast(first_response_minutes_p50 - first_response_minutes_p50_target as {{ type_double() }})
        end as first_response_minutes_p50_gap_to_target
    from scored

)

select * from final
