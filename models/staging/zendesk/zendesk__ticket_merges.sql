{#- Rule: a merge. The ticket that received a merge lists the merged-away tickets in
    `merged_ticket_ids` (a JSON array of ids, `[1,2]`): each listed ticket was merged into it.
    One row per merged-away ticket. -#}
with

targets as (

    select
        id as merged_into_ticket_id,
        {{ dbt.concat(["','", "replace(replace(replace(merged_ticket_ids, '[', ''), ']', ''), ' ', '')", "','"]) }} as listed
    from {{ source('zendesk', 'ticket') }}
    where {{ zendesk_is_live() }}
        and merged_ticket_ids is not null

),

{% if target.type == 'duckdb' %}
    final as (

        select
            cast(listed_id as bigint) as ticket_id,
            merged_into_ticket_id
        from targets,
            unnest(string_split(trim(listed, ','), ',')) as ids (listed_id)
        where listed_id <> ''

    )
{% else %}
{#- Portable: each ticket whose id is in a target's list. -#}
final as (

    select
        tickets.id as ticket_id,
        targets.merged_into_ticket_id
    from targets
    inner join {{ source('zendesk', 'ticket') }} as tickets
        on targets.listed like {{ dbt.concat(["'%,'", 'cast(tickets.id as ' ~ dbt.type_string() ~ ')', "',%'"]) }}

)
{% endif %}

select * from final
