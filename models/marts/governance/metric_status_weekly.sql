{#- Stop-the-line status (governance.md §5): per governed metric and ISO week, whether the number
    may be used for its job and, if not, every reason why. One rule per intermediate model
    (models/intermediate/governance/stop_the_line/, each with its header and unit tests); this
    model joins their flags onto the metric x week spine and names them: incomplete_week,
    immature_week, warm_up_week, no_data (no value), coverage_drop, definition_freeze,
    counter_metric_breach, comparability_break, low_response_rate, below_coverage_floor, paused.
    Counter-metric values for the same week are beside each row, so a target is never read
    without them, and each row carries the definition version it was judged with
    (metric_usability_weekly compares it with metric_dictionary at query time). -#}
{%- set reasons = [
    ['is_incomplete', 'incomplete_week'], ['is_immature', 'immature_week'], ['is_warm_up', 'warm_up_week'],
    ['has_no_data', 'no_data'], ['has_coverage_drop', 'coverage_drop'], ['has_definition_freeze', 'definition_freeze'],
    ['has_counter_metric_breach', 'counter_metric_breach'], ['has_comparability_break', 'comparability_break'],
    ['has_low_response_rate', 'low_response_rate'], ['is_below_coverage_floor', 'below_coverage_floor'],
    ['is_paused', 'paused'],
] -%}
{#- The rule models, by the name the flags below read them with; each joins the spine on metric
    and week (a rule without a row for a week raises nothing). -#}
{%- set rule_models = [
    ['metric_values', 'metric_values_weekly'],
    ['maturity', 'int_metric_weeks_maturity'],
    ['histories', 'int_metric_weeks_history'],
    ['coverage_drops', 'int_metric_weeks_coverage_drop'],
    ['definition_changes', 'int_metric_definition_change_weeks'],
    ['counter_breaches', 'int_metric_weeks_counter_breaches'],
    ['counter_values', 'int_metric_weeks_counter_values'],
    ['context', 'int_metric_weeks_context'],
    ['response_rates', 'int_metric_weeks_response_rate'],
    ['coverage_floors', 'int_metric_weeks_coverage_floor'],
    ['pauses', 'int_metric_weeks_paused'],
] -%}
-- sqlfluff:indentation:template_blocks_indent:false

with

metric_weeks as (

    select * from {{ ref('int_metric_weeks') }}

),

{% for name, model in rule_models -%}
{{ name }} as (

    select * from {{ ref(model) }}

),

{% endfor -%}

flagged as (

    select
        metric_weeks.metric_name,
        metric_weeks.week_start_date,
        metric_weeks.definition_version,
        metric_weeks.job,
        metric_weeks.is_complete_week,
        metric_values.metric_value,
        coverage_drops.included_contacts,
        coverage_drops.previous_included_contacts,
        coverage_drops.volume_drop_pct,
        coalesce(context.context_entries, 0) as context_entries,
        counter_breaches.breached_counter_metrics,
        counter_values.counter_metric_values,
        response_rates.csat_response_rate,
        not metric_weeks.is_complete_week as is_incomplete,
        not coalesce(maturity.is_mature, false) as is_immature,
        not coalesce(histories.has_full_history, false) as is_warm_up,
        metric_values.metric_value is null as has_no_data,
        coalesce(coverage_drops.has_coverage_drop, false) as has_coverage_drop,
        coalesce(definition_changes.is_in_freeze, false) as has_definition_freeze,
        coalesce(counter_breaches.has_counter_metric_breach, false) as has_counter_metric_breach,
        coalesce(context.has_comparability_break, false) as has_comparability_break,
        coalesce(response_rates.has_low_response_rate, false) as has_low_response_rate,
        coalesce(coverage_floors.is_below_coverage_floor, false) as is_below_coverage_floor,
        coalesce(pauses.is_paused, false) as is_paused
    from metric_weeks
    {% for name, model in rule_models -%}
    left join {{ name }}
        on
            metric_weeks.metric_name = {{ name }}.metric_name
            and metric_weeks.week_start_date = {{ name }}.week_start_date
    {% endfor %}

),

final as (

    select
        metric_name,
        week_start_date,
        job,
        is_complete_week,
        metric_value,
        {{ reason_list(reasons) }} = '' as usable_for_job,
        {{ reason_list(reasons) }} as reasons,
        has_coverage_drop,
        has_definition_freeze,
        has_counter_metric_breach,
        has_comparability_break,
        has_low_response_rate,
        is_paused,
        is_immature,
        is_warm_up,
        has_no_data,
        is_below_coverage_floor,
        cast(included_contacts as {{ dbt.type_bigint() }}) as included_contacts,
        cast(previous_included_contacts as {{ dbt.type_bigint() }}) as previous_included_contacts,
        cast(volume_drop_pct as {{ type_double() }}) as volume_drop_pct,
        breached_counter_metrics,
        counter_metric_values,
        cast(csat_response_rate as {{ type_double() }}) as csat_response_rate,
        cast(context_entries as {{ dbt.type_bigint() }}) as context_entries,
        cast(definition_version as {{ dbt.type_int() }}) as definition_version
    from flagged

)

select * from final
