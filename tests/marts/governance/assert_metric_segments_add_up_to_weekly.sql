{#- For every governed metric whose measures are additive (counts and sums), the segments of each
    dimension in metric_values_segment_weekly add up to the week's value in metric_values_weekly:
    numerator and denominator for ratios, the value itself for simple metrics, within one
    rounding step at 6 decimals. A week missing on either side is a row too. -#}
{%- set pairs = [] -%}
{%- for metric in governed_metrics() -%}
    {%- set state = namespace(additive=true) -%}
    {%- for measure_name in metric.type_params.input_measures | map(attribute='name') -%}
        {%- if _semantic_measure(measure_name).measure.agg not in ['count', 'sum', 'sum_boolean'] -%}
            {%- set state.additive = false -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if state.additive -%}
        {%- for dimension in metric_segment_dimensions(metric, ['channel', 'priority']) -%}
            {%- do pairs.append((metric.name, dimension)) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endfor %}

with

additive_pairs as (

    {% for metric_name, dimension in pairs -%}
    select
        {{ sql_literal(metric_name) }} as metric_name,
        {{ sql_literal(dimension) }} as dimension
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as metric_name,
        cast(null as {{ dbt.type_string() }}) as dimension
    where 1 = 0
    {%- endfor %}

),

weekly as (

    select
        metric_values.metric_name,
        metric_values.week_start_date,
        additive_pairs.dimension,
        coalesce(metric_values.numerator_value, metric_values.metric_value) as weekly_top,
        metric_values.denominator_value as weekly_bottom
    from {{ ref('metric_values_weekly') }} as metric_values
    inner join additive_pairs
        on metric_values.metric_name = additive_pairs.metric_name

),

segments_summed as (

    select
        segments.metric_name,
        segments.week_start_date,
        segments.dimension,
        sum(coalesce(segments.numerator_value, segments.metric_value)) as segment_top,
        sum(segments.denominator_value) as segment_bottom
    from {{ ref('metric_values_segment_weekly') }} as segments
    inner join additive_pairs
        on
            segments.metric_name = additive_pairs.metric_name
            and segments.dimension = additive_pairs.dimension
    group by segments.metric_name, segments.week_start_date, segments.dimension

),

final as (

    select
        coalesce(weekly.metric_name, segments_summed.metric_name) as metric_name,
        coalesce(weekly.week_start_date, segments_summed.week_start_date) as week_start_date,
        coalesce(weekly.dimension, segments_summed.dimension) as dimension,
        weekly.weekly_top,
        segments_summed.segment_top,
        weekly.weekly_bottom,
        segments_summed.segment_bottom
    from weekly
    full outer join segments_summed
        on
            weekly.metric_name = segments_summed.metric_name
            and weekly.week_start_date = segments_summed.week_start_date
            and weekly.dimension = segments_summed.dimension
    where
        weekly.metric_name is null
        or segments_summed.metric_name is null
        or abs(coalesce(weekly.weekly_top, 0) - coalesce(segments_summed.segment_top, 0)) > 0.000001
        or abs(coalesce(weekly.weekly_bottom, 0) - coalesce(segments_summed.segment_bottom, 0)) > 0.000001

)

select * from final
