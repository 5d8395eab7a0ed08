{#- An agent's shifts by ISO week (of shift_date): scheduled, adherent and logged-in minutes
    summed over the week's shifts, the inputs of schedule adherence and of contacts per
    logged-in hour (int_agent_weekly_measures). One row per agent and week with a shift. -#}
with

shifts as (

    select * from {{ ref('fct_agent_shifts') }}

),

final as (

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

)

select * from final
