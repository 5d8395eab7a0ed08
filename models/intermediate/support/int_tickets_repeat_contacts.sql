{#- Rule: repeat contact. A ticket is a repeat contact when another included ticket (another
    ticket_id) of the same requester and contact reason was created strictly after this ticket's
    first_solved_at and at most `repeat_contact_window_days` after it. False when the ticket was
    never solved. One row per ticket that was first solved.
    created_week, the week of the ticket's created_at, is operational: the partition an
    incremental run rewrites on Spark. -#}
-- depends_on: {{ ref('int_tickets_refresh_set') }}
with

tickets as (

    select * from {{ ref('int_tickets_population') }}

),

resolutions as (

    select * from {{ ref('int_tickets_resolutions') }}
    where first_solved_at is not null
    {{- ticket_refresh_filter('ticket_id', 'and') }}

),

solved_tickets as (

    select
        tickets.ticket_id,
        tickets.created_at,
        tickets.requester_id,
        tickets.contact_reason,
        resolutions.first_solved_at
    from tickets
    inner join resolutions
        on tickets.ticket_id = resolutions.ticket_id

),

later_contacts as (

    select
        ticket_id,
        requester_id,
        contact_reason,
        created_at
    from tickets
    where is_included

),

repeats as (

    select distinct solved_tickets.ticket_id
    from solved_tickets
    inner join later_contacts
        on
            solved_tickets.requester_id = later_contacts.requester_id
            and solved_tickets.contact_reason = later_contacts.contact_reason
            and solved_tickets.ticket_id <> later_contacts.ticket_id
            and solved_tickets.first_solved_at < later_contacts.created_at
            and later_contacts.created_at <= {{ dbt.dateadd('day', var('repeat_contact_window_days'), 'solved_tickets.first_solved_at') }}

),

final as (

    select
        solved_tickets.ticket_id,
        {{ week_start('solved_tickets.created_at') }} as created_week,
        repeats.ticket_id is not null as is_repeat_contact
    from solved_tickets
    left join repeats
        on solved_tickets.ticket_id = repeats.ticket_id

)

select * from final
