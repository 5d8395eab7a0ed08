{#- A balanced individual report (governance.md §5): one row per agent of fct_agent_shifts and
    ISO week in which the agent had a shift or attributed work, each measure beside its
    baseline, target and gap. The parts are their own models, each with unit tests:
    - attribution: int_ticket_owners (the agent of a ticket's first public reply);
    - the week's counts and measures (efficiency, quality, reliability, speed):
      int_agent_weekly_measures;
    - baselines over the agent's previous `scorecard_baseline_weeks` weeks:
      int_agent_weekly_baselines.
    This model adds the targets and gaps. Gap: value - target, in the measure's unit; targets
    are vars. For reopen_rate and first_response_minutes_p50 the target is a ceiling (a negative
    gap is good); for the others it is a floor (a positive gap is good). The speed measure
    (first_response_minutes_p50) is only shown in a row where both its counter-metrics
    (reopen_rate and csat_score) have a value; otherwise its value, baseline and gap are null. -#}
{%- set measures = [
    ('tickets_solved', var('scorecard_target_tickets_solved', 70)),
    ('contacts_per_logged_in_hour', var('scorecard_target_contacts_per_logged_in_hour', 2.0)),
    ('csat_score', var('scorecard_target_csat_score', 0.85)),
    ('reopen_rate', var('scorecard_target_reopen_rate', 0.05)),
    ('schedule_adherence', var('scorecard_target_schedule_adherence', 0.95)),
    ('first_response_minutes_p50', var('scorecard_target_first_response_minutes_p50', 120)),
] -%}
with

weekly_measures as (

    select * from {{ ref('int_agent_weekly_measures') }}

),

baselines as (

    select * from {{ ref('int_agent_weekly_baselines') }}

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
        {% for name, _ in measures if name != 'first_response_minutes_p50' -%}
            cast({{ name }} as {{ dbt.type_bigint() if name == 'tickets_solved' else type_double() }}) as {{ name }},
            cast({{ name }}_baseline as {{ type_double() }}) as {{ name }}_baseline,
            {{ name }}_target,
            cast({{ name }} - {{ name }}_target as {{ type_double() }}) as {{ name }}_gap_to_target,
        {% endfor -%}
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
