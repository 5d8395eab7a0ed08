{#- The agent scorecard's baselines: for each agent, week and measure (tickets_solved,
    contacts_per_logged_in_hour, csat_score, reopen_rate, schedule_adherence,
    first_response_minutes_p50), the plain average of the measure's values over the agent's
    previous `scorecard_baseline_weeks` calendar weeks (int_agent_weekly_measures), the current
    week excluded. Weeks without a row (no shift, no work) are not zeros, and nulls are skipped;
    baseline_week_count counts the previous weeks with a row. One row per agent and week. -#}
{%- set baseline_weeks = var('scorecard_baseline_weeks', 8) -%}
{%- set measures = [
    'tickets_solved', 'contacts_per_logged_in_hour', 'csat_score', 'reopen_rate', 'schedule_adherence',
    'first_response_minutes_p50',
] -%}
with

weekly_measures as (

    select * from {{ ref('int_agent_weekly_measures') }}

),

final as (

    select
        current_week.agent_id,
        current_week.week_start_date,
        count(previous_week.week_start_date) as baseline_week_count,
        {% for measure in measures -%}
            avg(previous_week.{{ measure }}) as {{ measure }}_baseline{% if not loop.last %},{% endif %}
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

)

select * from final
