{#- One row per decision record (int_decision_records: the seed decision_records, or the demo's
    own with use_demo_configuration): its leading metric and both guardrails before and after
    the decision in the record's frozen slice, and the verdict. The parts are their own models,
    each with unit tests (models/intermediate/governance/decisions/): the review windows
    (int_decision_record_windows), the weekly slice values (int_decision_slice_values_weekly)
    and their pooling over the windows (int_decision_record_metric_values).
    - The change is (after - before) / before in percent; the target is met when it moves at
      least leading_target_change_pct in leading_direction. A guardrail is breached when its
      value after is past its limit: above it for `max`, below it for `min`. No value after
      (no data yet) is not a breach and does not meet the target.
    - verdict: roll_back when any guardrail is breached, keep when the target is met and no
      guardrail is breached, adjust otherwise. It is computed every week; it is final once
      is_review_due (the week of review_on is complete in the data; never while the export has
      no complete week). -#}
with

record_windows as (

    select * from {{ ref('int_decision_record_windows') }}

),

pooled_record_metrics as (

    select * from {{ ref('int_decision_record_metric_values') }}

),

records_with_values as (

    select
        record_windows.*,
        leading_values.before_value as leading_before_value,
        leading_values.after_value as leading_after_value,
        coalesce(leading_values.before_week_count, 0) as leading_before_week_count,
        coalesce(leading_values.after_week_count, 0) as leading_after_week_count,
        guardrail_1_values.before_value as guardrail_1_before_value,
        guardrail_1_values.after_value as guardrail_1_after_value,
        guardrail_2_values.before_value as guardrail_2_before_value,
        guardrail_2_values.after_value as guardrail_2_after_value
    from record_windows
    {% for role in ['leading', 'guardrail_1', 'guardrail_2'] -%}
        left join pooled_record_metrics as {{ role }}_values
            on
                record_windows.decision_id = {{ role }}_values.decision_id
                and {{ role }}_values.metric_role = '{{ role }}'
    {% endfor %}

),

leading_changes as (

    select
        *,
        (leading_after_value - leading_before_value) * 100.0
        / nullif(leading_before_value, 0) as leading_change_pct
    from records_with_values

),

assessed as (

    select
        *,
        coalesce(
            case
                when leading_direction = 'decrease' then leading_change_pct <= -leading_target_change_pct
                when leading_direction = 'increase' then leading_change_pct >= leading_target_change_pct
            end,
            false
        ) as is_target_met,
        {{ is_past_limit('guardrail_1_after_value', 'guardrail_1_direction', 'guardrail_1_limit') }} as is_guardrail_1_breached,
        {{ is_past_limit('guardrail_2_after_value', 'guardrail_2_direction', 'guardrail_2_limit') }} as is_guardrail_2_breached
    from leading_changes

),

final as (

    select
        decision_id,
        decided_on,
        review_on,
        intervention_type,
        slice_dimension,
        slice_value,
        hypothesis,
        action,
        owner,
        decided_week_start_date,
        before_from_week,
        before_to_week,
        after_from_week,
        after_to_week,
        last_complete_week_start_date,
        -- no complete week in the export (one ticket, a partial week): no review is due yet
        coalesce(after_to_week <= last_complete_week_start_date, false) as is_review_due,
        leading_metric,
        leading_direction,
        cast(leading_target_change_pct as {{ type_double() }}) as leading_target_change_pct,
        cast(leading_before_value as {{ type_double() }}) as leading_before_value,
        cast(leading_after_value as {{ type_double() }}) as leading_after_value,
        cast(leading_before_week_count as {{ dbt.type_int() }}) as leading_before_week_count,
        cast(leading_after_week_count as {{ dbt.type_int() }}) as leading_after_week_count,
        cast(leading_change_pct as {{ type_double() }}) as leading_change_pct,
        is_target_met,
        {% for guardrail in ['guardrail_1', 'guardrail_2'] -%}
            {{ guardrail }}_metric,
            {{ guardrail }}_direction,
            cast({{ guardrail }}_limit as {{ type_double() }}) as {{ guardrail }}_limit,
            cast({{ guardrail }}_before_value as {{ type_double() }}) as {{ guardrail }}_before_value,
            cast({{ guardrail }}_after_value as {{ type_double() }}) as {{ guardrail }}_after_value,
            is_{{ guardrail }}_breached,
        {% endfor -%}
        case
            when is_guardrail_1_breached or is_guardrail_2_breached then 'roll_back'
            when is_target_met then 'keep'
            else 'adjust'
        end as verdict
    from assessed

)

select * from final
