{#- The weekly values the decision records are reviewed with, in each record's slice: per
    governed metric of the tickets semantic model (its lineage is fct_tickets alone), slice
    dimension (channel, queue, priority, region, customer_tier, contact_reason), slice value and
    ISO week, the numerator and denominator to pool over a review window. Ratio metrics pool
    numerator and denominator (sum / sum); simple metrics (percentiles, contacts) the plain,
    unweighted average of their weekly values (numerator = value, denominator = 1 when there is
    a value: metric_values_sql gives no per-week volume to weight with).
    Only the (metric, dimension) pairs the records ask for are compiled
    (decision_record_metric_slices reads the built int_decision_records; every pair when they
    are not built yet). Unit tests have no graph: they override governed_metrics,
    metric_lineage, decision_record_metric_slices and metric_values_sql. -#}
-- depends_on: {{ ref('fct_tickets') }}
-- depends_on: {{ ref('int_decision_records') }}
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

final as (

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
        {{ no_rows([
            ['metric_name', 'string'],
            ['slice_dimension', 'string'],
            ['slice_value', 'string'],
            ['week_start_date', 'date'],
            ['pooling_numerator', 'double'],
            ['pooling_denominator', 'double'],
        ]) }}
    {%- endfor %}

)

select * from final
