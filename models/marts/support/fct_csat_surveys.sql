{#- One row per contract-clean survey, with its ticket's segments and inclusion: the grain of
    csat_score (answered surveys by responded week) and csat_response_rate (by sent week). -#}
with

surveys as (

    select * from {{ ref('stg_helpdesk__csat_responses') }}
    where quarantine_reason is null

),

tickets as (

    select * from {{ ref('fct_tickets') }}

),

final as (

    select
        surveys.survey_id,
        surveys.ticket_id,
        surveys.sent_at,
        surveys.responded_at,
        cast(surveys.rating as {{ dbt.type_int() }}) as rating,
        surveys.is_answered,
        case when surveys.is_answered then surveys.rating >= 4 end as is_satisfied,
        tickets.is_included,
        tickets.channel,
        tickets.queue,
        tickets.priority,
        tickets.region,
        tickets.customer_tier,
        tickets.contact_reason,
        tickets.branch
    from surveys
    inner join tickets
        on surveys.ticket_id = tickets.ticket_id

)

select * from final
