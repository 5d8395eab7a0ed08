{#- One row per agent per day worked (contract-clean rows), with the agent's branch, team and
    region: the grain of schedule_adherence and of the logged-in hours behind
    contacts_per_agent_hour. -#}
with

shifts as (

    select * from {{ ref('stg_helpdesk__agent_shifts') }}
    where quarantine_reason is null

),

agents as (

    select * from {{ ref('stg_helpdesk__agents') }}
    where quarantine_reason is null

),

final as (

    select
        {{ dbt.concat(['shifts.agent_id', "'|'", 'cast(shifts.shift_date as ' ~ dbt.type_string() ~ ')']) }} as agent_shift_id,
        shifts.agent_id,
        shifts.shift_date,
        agents.branch,
        agents.team,
        agents.region,
        agents.agent_role,
        shifts.scheduled_minutes,
        shifts.adherent_minutes,
        shifts.logged_in_minutes
    from shifts
    left join agents
        on shifts.agent_id = agents.agent_id

)

select * from final
