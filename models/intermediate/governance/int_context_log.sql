{#- The context log this build reads: the seed context_log (the user's, empty as shipped) or,
    with the var use_demo_configuration, the demo's own (seeds/demo/demo_context_log.csv). Every
    reader of the context log (metric_status_weekly) reads this model, never a seed. -#}
with

context_log as (

    select * from {{ configuration_ref('context_log') }}

),

final as (

    select
        occurred_on,
        scope_type,
        scope_value,
        kind,
        description,
        breaks_comparability
    from context_log

)

select * from final
