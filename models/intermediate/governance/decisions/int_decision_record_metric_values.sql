{#- Rule: pooling over a review window. For each decision record and role (the leading metric,
    guardrail 1, guardrail 2), the metric's value in the record's slice before and after the
    decision (int_decision_record_windows): sum of the weeks' pooling numerators / sum of their
    denominators (int_decision_slice_values_weekly: ratio metrics pool numerator and
    denominator, simple metrics average their weekly values), and how many weeks of each window
    have a value (a positive denominator). One row per record and role with a week in a window. -#}
with

record_windows as (

    select * from {{ ref('int_decision_record_windows') }}

),

slice_metric_weeks as (

    select * from {{ ref('int_decision_slice_values_weekly') }}

),

record_metrics as (

    {% for metric_role in ['leading', 'guardrail_1', 'guardrail_2'] -%}
        select
            decision_id,
            '{{ metric_role }}' as metric_role,
            {{ metric_role }}_metric as metric_name,
            slice_dimension,
            slice_value,
            before_from_week,
            before_to_week,
            after_from_week,
            after_to_week
        from record_windows
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

record_metric_weeks as (

    select
        record_metrics.decision_id,
        record_metrics.metric_role,
        slice_metric_weeks.week_start_date,
        slice_metric_weeks.pooling_numerator,
        slice_metric_weeks.pooling_denominator,
        case
            when slice_metric_weeks.week_start_date <= record_metrics.before_to_week then 'before'
            else 'after'
        end as review_period
    from record_metrics
    inner join slice_metric_weeks
        on
            record_metrics.metric_name = slice_metric_weeks.metric_name
            and record_metrics.slice_dimension = slice_metric_weeks.slice_dimension
            and record_metrics.slice_value = slice_metric_weeks.slice_value
            and (
                slice_metric_weeks.week_start_date between record_metrics.before_from_week and record_metrics.before_to_week
                or slice_metric_weeks.week_start_date between record_metrics.after_from_week and record_metrics.after_to_week
            )

),

final as (

    select
        decision_id,
        metric_role,
        sum(case when review_period = 'before' then pooling_numerator end)
        / nullif(sum(case when review_period = 'before' then pooling_denominator end), 0) as before_value,
        sum(case when review_period = 'after' then pooling_numerator end)
        / nullif(sum(case when review_period = 'after' then pooling_denominator end), 0) as after_value,
        sum(
            case when review_period = 'before' and pooling_denominator > 0 then 1 else 0 end
        ) as before_week_count,
        sum(
            case when review_period = 'after' and pooling_denominator > 0 then 1 else 0 end
        ) as after_week_count
    from record_metric_weeks
    group by
        decision_id,
        metric_role

)

select * from final
