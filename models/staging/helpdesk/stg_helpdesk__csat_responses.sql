with

source as (

    select * from {{ raw_table('csat_responses') }}

),

tickets as (

    select
        ticket_id,
        created_at
    from {{ ref('stg_helpdesk__tickets') }}
    where is_primary_row

),

typed as (

    select
        cast(survey_id as {{ dbt.type_string() }}) as survey_id,
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(sent_at as {{ dbt.type_timestamp() }}) as sent_at,
        cast(responded_at as {{ dbt.type_timestamp() }}) as responded_at,
        cast(rating as {{ dbt.type_int() }}) as rating
    from source

),

checked as (

    select
        typed.*,
        count(*) over (partition by typed.survey_id) as rows_with_survey_id,
        tickets.ticket_id is not null as is_known_ticket,
        tickets.created_at as ticket_created_at
    from typed
    left join tickets
        on typed.ticket_id = tickets.ticket_id

),

final as (

    select
        survey_id,
        ticket_id,
        sent_at,
        responded_at,
        rating,
        ticket_created_at,
        responded_at is not null and rating is not null as is_answered,
        case
            when survey_id is null then 'null_key'
            when rows_with_survey_id > 1 then 'duplicate_key'
            when not is_known_ticket then 'unknown_ticket'
            when sent_at is null then 'null_sent_at'
            when rating < 1 or rating > 5 then 'rating_out_of_range'
        end as quarantine_reason
    from checked

)

select * from final
