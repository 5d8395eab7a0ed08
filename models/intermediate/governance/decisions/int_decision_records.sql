{#- The decision records this build reviews: the seed decision_records (the user's, empty as
    shipped) or, with the var use_demo_configuration, the demo's own
    (seeds/demo/demo_decision_records.csv). Every reader of the records (decision_record_reviews,
    decision_record_metric_slices) reads this model, never a seed. -#}
with

decision_records as (

    select * from {{ configuration_ref('decision_records') }}

),

final as (

    select
        decision_id,
        decided_on,
        slice_dimension,
        slice_value,
        hypothesis,
        intervention_type,
        action,
        owner,
        leading_metric,
        leading_direction,
        leading_target_change_pct,
        guardrail_1_metric,
        guardrail_1_limit,
        guardrail_1_direction,
        guardrail_2_metric,
        guardrail_2_limit,
        guardrail_2_direction,
        review_on
    from decision_records

)

select * from final
