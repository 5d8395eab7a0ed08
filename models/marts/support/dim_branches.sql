{#- Every branch that owns tickets or employs agents: the entity that joins ticket metrics to
    staffing metrics in the semantic layer (contacts_per_agent_hour by branch). -#}
with

ticket_branches as (

    select distinct branch from {{ ref('fct_tickets') }}
    where branch is not null

),

agent_branches as (

    select distinct branch from {{ ref('fct_agent_shifts') }}
    where branch is not null

),

final as (

    select branch from ticket_branches
    union
    select branch from agent_branches

)

select * from final
