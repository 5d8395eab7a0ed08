{#- One row per raw ticket row, typed, with the first contract break found (null when clean).
    `is_primary_row` marks the one row per ticket_id that represents the ticket downstream
    (the latest updated_at among duplicates). -#}
with

source as (

    select * from {{ raw_table('tickets') }}

),

regions as (

    select distinct region from {{ ref('business_hours') }}

),

typed as (

    select
        cast(source.ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(source.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(source.channel as {{ dbt.type_string() }}) as channel,
        cast(source.queue as {{ dbt.type_string() }}) as queue,
        cast(source.priority as {{ dbt.type_string() }}) as priority,
        cast(source.region as {{ dbt.type_string() }}) as region,
        cast(source.customer_tier as {{ dbt.type_string() }}) as customer_tier,
        cast(source.contact_reason as {{ dbt.type_string() }}) as contact_reason,
        cast(source.branch as {{ dbt.type_string() }}) as branch,
        cast(source.requester_id as {{ dbt.type_string() }}) as requester_id,
        cast(source.is_internal_requester as {{ dbt.type_boolean() }}) as is_internal_requester,
        cast(source.merged_into_ticket_id as {{ dbt.type_string() }}) as merged_into_ticket_id,
        cast(source.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        regions.region is not null as is_known_region
    from source
    left join regions
        on source.region = regions.region

),

counted as (

    select
        typed.*,
        count(*) over (partition by typed.ticket_id) as rows_with_ticket_id,
        row_number() over (
            partition by typed.ticket_id
            order by typed.updated_at desc nulls last, typed.created_at desc nulls last
        ) as row_rank
    from typed

),

final as (

    select
        ticket_id,
        created_at,
        channel,
        queue,
        priority,
        region,
        customer_tier,
        contact_reason,
        branch,
        requester_id,
        is_internal_requester,
        merged_into_ticket_id,
        updated_at,
        ticket_id is not null and row_rank = 1 as is_primary_row,
        case
            when ticket_id is null then 'null_key'
            when rows_with_ticket_id > 1 then 'duplicate_key'
            when created_at is null then 'null_created_at'
            when not {{ is_in_enum('channel', 'channel') }} then 'unknown_channel'
            when not {{ is_in_enum('priority', 'priority') }} then 'unknown_priority'
            when not {{ is_in_enum('customer_tier', 'customer_tier') }} then 'unknown_customer_tier'
            when not is_known_region then 'unknown_region'
            when not {{ is_present('queue') }} then 'missing_queue'
            when not {{ is_present('contact_reason') }} then 'missing_contact_reason'
            when not {{ is_present('branch') }} then 'missing_branch'
            when not {{ is_present('requester_id') }} then 'missing_requester_id'
            when is_internal_requester is null then 'null_is_internal_requester'
        end as quarantine_reason
    from counted

)

select * from final
