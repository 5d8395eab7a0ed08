{#- One re-baseline notice per definition change in the changelog (governance.md §4): the
    metric, old and new version, effective date, what changed, the exposures and downstream
    metrics affected, the freeze window (targets frozen, alerts disabled, comparisons across the
    effective date invalid) and the week the new baseline is ready: the first week after the
    freeze that ends two consecutive weeks of stable mix. What a change affects is one rule
    (macro metric_impact, which `metric-ledger notices` mirrors): every exposure and metric that
    depends on the metric in the dbt graph, directly or transitively. -#}
{%- set affected = [] -%}
{%- for metric in governed_metrics() -%}
    {%- do affected.append((metric.name, metric_impact(metric.unique_id))) -%}
{%- endfor -%}

with

changelog as (

    select * from {{ ref('metric_changelog') }}

),

mix_changes as (

    select * from {{ ref('int_weekly_mix_changes') }}

),

graph_impact as (

    {% for metric_name, impact in affected -%}
    select
        {{ sql_literal(metric_name) }} as metric_name,
        {{ sql_literal(impact.exposures, 'json') }} as affected_exposures,
        {{ sql_literal(impact.metrics, 'json') }} as affected_metrics
    {% if not loop.last %}union all{% endif %}
    {% else %}
    {{ no_rows([['metric_name', 'string'], ['affected_exposures', 'string'], ['affected_metrics', 'string']]) }}
    {%- endfor %}

),

definition_changes as (

    select
        metric_name,
        version - 1 as from_version,
        version as to_version,
        effective_date,
        summary,
        approved_by,
        approved_at,
        freeze_weeks,
        cast({{ dbt.dateadd('day', '7 * freeze_weeks', 'effective_date') }} as date) as freeze_ends_on
    from changelog
    where change_type = 'definition_change'

),

stable_pairs as (

    select
        this_week.week_start_date,
        last_week.week_start_date as previous_week_start_date
    from mix_changes as this_week
    inner join mix_changes as last_week
        on cast({{ dbt.dateadd('day', -7, 'this_week.week_start_date') }} as date) = last_week.week_start_date
    where this_week.is_mix_stable and last_week.is_mix_stable

),

baselines as (

    select
        definition_changes.metric_name,
        definition_changes.to_version,
        min(stable_pairs.week_start_date) as baseline_ready_week
    from definition_changes
    inner join stable_pairs
        on stable_pairs.previous_week_start_date >= definition_changes.freeze_ends_on
    group by definition_changes.metric_name, definition_changes.to_version

),

final as (

    select
        definition_changes.metric_name,
        definition_changes.from_version,
        definition_changes.to_version,
        definition_changes.effective_date,
        definition_changes.summary,
        definition_changes.approved_by,
        definition_changes.approved_at,
        definition_changes.freeze_weeks,
        definition_changes.effective_date as freeze_starts_on,
        definition_changes.freeze_ends_on,
        graph_impact.affected_exposures,
        graph_impact.affected_metrics,
        'comparisons of ' || definition_changes.metric_name || ' across '
        || cast(definition_changes.effective_date as {{ dbt.type_string() }})
        || ' are invalid; targets frozen and alerts disabled until '
        || cast(definition_changes.freeze_ends_on as {{ dbt.type_string() }}) as invalid_comparisons,
        baselines.baseline_ready_week
    from definition_changes
    left join graph_impact
        on definition_changes.metric_name = graph_impact.metric_name
    left join baselines
        on
            definition_changes.metric_name = baselines.metric_name
            and definition_changes.to_version = baselines.to_version

)

select * from final
