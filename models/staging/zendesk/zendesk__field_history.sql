{#- Rule: ticket_field_history holds every value a field had. The first row per ticket and
    field is the value at creation, not an event (`is_initial`); every later row is a change from
    the previous row's value. Zendesk records only changes, so there is at most one row per
    ticket, field and second. -#}
with

history as (

    select
        ticket_id,
        field_name,
        updated,
        value,
        user_id
    from {{ source('zendesk', 'ticket_field_history') }}

),

final as (

    select
        ticket_id,
        field_name,
        updated,
        value,
        user_id,
        lag(value) over (
            partition by ticket_id, field_name order by updated
        ) as previous_value,
        row_number() over (
            partition by ticket_id, field_name order by updated
        ) = 1 as is_initial
    from history

)

select * from final
