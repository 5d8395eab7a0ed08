{#- Rule: a Zendesk group is one site's queue, named `branch/queue`: the part before the first
    '/' is the branch, the rest the queue. A name without '/' gives no branch and no queue, so
    its tickets are quarantined (missing_queue), never guessed. Deleted groups are ignored. -#}
with

groups as (

    select
        id as group_id,
        trim(name) as group_name
    from {{ source('zendesk', 'group') }}
    where {{ zendesk_is_live() }}

),

final as (

    select
        group_id,
        case
            when {{ dbt.position("'/'", 'group_name') }} > 1
                then {{ dbt.split_part('group_name', "'/'", 1) }}
        end as branch,
        case
            when {{ dbt.position("'/'", 'group_name') }} > 1
                then substr(group_name, {{ dbt.position("'/'", 'group_name') }} + 1)
        end as queue
    from groups

)

select * from final
