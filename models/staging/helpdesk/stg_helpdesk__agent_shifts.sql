with

source as (

    select * from {{ source('helpdesk', 'agent_shifts') }}

),

agents as (

    select distinct agent_id
    from {{ ref('stg_helpdesk__agents') }}
    where agent_id is not null

),

typed as (

    select
        cast(agent_id as {{ dbt.type_string() }}) as agent_id,
        cast(shift_date as date) as shift_date,
        cast(scheduled_minutes as {{ dbt.type_int() }}) as scheduled_minutes,
        cast(adherent_minutes as {{ dbt.type_int() }}) as adherent_minutes,
        cast(logged_in_minutes as {{ dbt.type_int() }}) as logged_in_minutes
    from source

),

checked as (

    select
        typed.*,
        count(*) over (partition by typed.agent_id, typed.shift_date) as rows_with_key,
        agents.agent_id is not null as is_known_agent
    from typed
    left join agents
        on typed.agent_id = agents.agent_id

),

final as (

    select
        agent_id,
        shift_date,
        scheduled_minutes,
        adherent_minutes,
        logged_in_minutes,
        case
            when agent_id is null or shift_date is null then 'null_key'
            when rows_with_key > 1 then 'duplicate_key'
            when not is_known_agent then 'unknown_agent'
            when scheduled_minutes < 0 or adherent_minutes < 0 or logged_in_minutes < 0
                then 'negative_minutes'
        end as quarantine_reason
    from checked

)

select * from final
