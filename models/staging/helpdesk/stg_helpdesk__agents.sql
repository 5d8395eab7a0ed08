with

source as (

    select * from {{ source('helpdesk', 'agents') }}

),

typed as (

    select
        cast(agent_id as {{ dbt.type_string() }}) as agent_id,
        cast(branch as {{ dbt.type_string() }}) as branch,
        cast(team as {{ dbt.type_string() }}) as team,
        cast(region as {{ dbt.type_string() }}) as region,
        cast(role as {{ dbt.type_string() }}) as agent_role,
        cast(hired_at as {{ dbt.type_timestamp() }}) as hired_at,
        cast(is_active as {{ dbt.type_boolean() }}) as is_active
    from source

),

final as (

    select
        typed.*,
        case
            when typed.agent_id is null then 'null_key'
            when count(*) over (partition by typed.agent_id) > 1 then 'duplicate_key'
            when not {{ is_in_enum('agent_role', 'agent_role') }} then 'unknown_role'
        end as quarantine_reason
    from typed

)

select * from final
