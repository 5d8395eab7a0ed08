{#- One row per decision record (int_decision_records: the seed decision_records, or the demo's
    own with use_demo_configuration): its leading metric and both guardrails before and after
    the decision in the record's frozen slice, and the verdict.
    - Windows, in ISO weeks (Monday) of each metric's own aggregation time: before = the 4 weeks
      before the week of decided_on; after = the week after decided_on up to the week of
      review_on. The week of decided_on is the transition week and belongs to neither.
    - Pooling: ratio metrics pool numerator and denominator over the window's weeks
      (sum / sum); simple metrics (percentiles, contacts) take the plain, unweighted average of
      their weekly values (metric_values_sql gives no per-week volume to weight with).
    - The change is (after - before) / before in percent; the target is met when it moves at
      least leading_target_change_pct in leading_direction. A guardrail is breached when its
      value after is past its limit: above it for `max`, below it for `min`. No value after
      (no data yet) is not a breach and does not meet the target.
    - verdict: roll_back when any guardrail is breached, keep when the target is met and no
      guardrail is breached, adjust otherwise. It is computed every week; it is final once
      is_review_due (the week of review_on is complete in the data; never while the export has
      no complete week).
    - The weekly slice values come from metric_values_sql for the (metric, dimension) pairs the
      records ask for (decision_record_metric_slices, read from int_decision_records when the
      model runs; every governed metric of the tickets semantic model x the six slice
      dimensions when it is not built), generated at compile time; the join keeps the (metric, dimension,
      value) triples the records ask for. (Unit tests have no
      graph: they override governed_metrics, metric_lineage and metric_values_sql.) -#}
-- depends_on: {{ ref('fct_tickets') }}
{%- set slice_dimensions = ['channel', 'queue', 'priority', 'region', 'customer_tier', 'contact_reason'] -%}
{%- set slice_metrics = [] -%}
{%- if execute -%}
    {%- for metric in governed_metrics() -%}
        {%- if metric_lineage(metric).models == ['fct_tickets'] -%}
            {%- do slice_metrics.append(metric) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- set wanted_slices = decision_record_metric_slices() -%}
{%- set metric_slices = [] -%}
{%- for metric in slice_metrics -%}
    {%- for dimension in slice_dimensions -%}
        {%- if wanted_slices is none or [metric.name, dimension] in wanted_slices -%}
            {%- do metric_slices.append({'metric': metric, 'dimension': dimension}) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endfor %}

with

decision_records as (

    select * from {{ ref('int_decision_records') }}

),

slice_metric_weeks as (

    {% for metric_slice in metric_slices -%}
        {%- set metric = metric_slice.metric -%}
        {%- set dimension = metric_slice.dimension -%}
        {%- if metric.type == 'ratio' -%}
            {%- set pooling_numerator = 'numerator_value' -%}
            {%- set pooling_denominator = 'denominator_value' -%}
        {%- else -%}
            {%- set pooling_numerator = 'metric_value' -%}
            {%- set pooling_denominator = 'case when metric_value is not null then 1 end' -%}
        {%- endif %}
        select
            {{ sql_literal(metric.name) }} as metric_name,
            {{ sql_literal(dimension) }} as slice_dimension,
            cast({{ dimension }} as {{ dbt.type_string() }}) as slice_value,
            cast(week_start_date as date) as week_start_date,
            cast({{ pooling_numerator }} as {{ type_double() }}) as pooling_numerator,
            cast({{ pooling_denominator }} as {{ type_double() }}) as pooling_denominator
        from ({{ metric_values_sql(metric.name, [dimension]) }}) as slice_metric_{{ loop.index }}
        {% if not loop.last %}union all{% endif %}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as metric_name,
            cast(null as {{ dbt.type_string() }}) as slice_dimension,
            cast(null as {{ dbt.type_string() }}) as slice_value,
            cast(null as date) as week_start_date,
            cast(null as {{ type_double() }}) as pooling_numerator,
            cast(null as {{ type_double() }}) as pooling_denominator
        where 1 = 0
    {%- endfor %}

),

export_weeks as (

    select * from {{ ref('int_export_weeks') }}

),

last_complete_week as (

    select max(week_start_date) as last_complete_week_start_date
    from export_weeks
    where is_complete_week

),

record_windows as (

    select
        decision_records.*,
        {{ week_start('decision_records.decided_on') }} as decided_week_start_date,
        cast({{ dbt.dateadd('day', -28, week_start('decision_records.decided_on')) }} as date) as before_from_week,
        cast({{ dbt.dateadd('day', -7, week_start('decision_records.decided_on')) }} as date) as before_to_week,
        cast({{ dbt.dateadd('day', 7, week_start('decision_records.decided_on')) }} as date) as after_from_week,
        {{ week_start('decision_records.review_on') }} as after_to_week,
        last_complete_week.last_complete_week_start_date
    from decision_records
    cross join last_complete_week

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

pooled_record_metrics as (

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
    left join pooled_record_metrics as leading_values
        on
            record_windows.decision_id = leading_values.decision_id
            and leading_values.metric_role = 'leading'
    left join pooled_record_metrics as guardrail_1_values
        on
            record_windows.decision_id = guardrail_1_values.decision_id
            and guardrail_1_values.metric_role = 'guardrail_1'
    left join pooled_record_metrics as guardrail_2_values
        on
            record_windows.decision_id = guardrail_2_values.decision_id
            and guardrail_2_values.metric_role = 'guardrail_2'

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
        coalesce(
            case
                when guardrail_1_direction = 'max' then guardrail_1_after_value > guardrail_1_limit
                when guardrail_1_direction = 'min' then guardrail_1_after_value < guardrail_1_limit
            end,
            false
        ) as is_guardrail_1_breached,
        coalesce(
            case
                when guardrail_2_direction = 'max' then guardrail_2_after_value > guardrail_2_limit
                when guardrail_2_direction = 'min' then guardrail_2_after_value < guardrail_2_limit
            end,
            false
        ) as is_guardrail_2_breached
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
        guardrail_1_metric,
        guardrail_1_direction,
        cast(guardrail_1_limit as {{ type_double() }}) as guardrail_1_limit,
        cast(guardrail_1_before_value as {{ type_double() }}) as guardrail_1_before_value,
        cast(guardrail_1_after_value as {{ type_double() }}) as guardrail_1_after_value,
        is_guardrail_1_breached,
        guardrail_2_metric,
        guardrail_2_direction,
        cast(guardrail_2_limit as {{ type_double() }}) as guardrail_2_limit,
        cast(guardrail_2_before_value as {{ type_double() }}) as guardrail_2_before_value,
        cast(guardrail_2_after_value as {{ type_double() }}) as guardrail_2_after_value,
        is_guardrail_2_breached,
        case
            when is_guardrail_1_breached or is_guardrail_2_breached then 'roll_back'
            when is_target_met then 'keep'
            else 'adjust'
        end as verdict
    from assessed

)

select * from final
