{#- The value of every governed metric in every ISO week and ledger segment (channel, priority),
    compiled from its semantic-layer definition like metric_values_weekly
    (metric_values_sql(metric, [dimension])): the numbers the impact preview compares between a
    base and a head build. A metric gets a dimension only when every semantic model it reads
    has it (metric_segment_dimensions): schedule adherence and contacts per agent hour read
    agent shifts, which have no channel or priority; CSAT has no priority. A missing segment
    value (a quarantined ticket's unknown channel) is '(null)'. -#}
-- depends_on: {{ ref('fct_tickets') }}
-- depends_on: {{ ref('fct_csat_surveys') }}
-- depends_on: {{ ref('fct_backlog_daily') }}
-- depends_on: {{ ref('fct_agent_shifts') }}
-- depends_on: {{ ref('fct_support_weekly') }}
{%- set segments = [] -%}
{%- for metric in governed_metrics() -%}
    {%- for dimension in metric_segment_dimensions(metric, ['channel', 'priority']) -%}
        {%- do segments.append((metric.name, dimension)) -%}
    {%- endfor -%}
{%- endfor %}

with

segment_values as (

    {% for metric_name, dimension in segments -%}
    select
        {{ sql_literal(metric_name) }} as metric_name,
        week_start_date,
        {{ sql_literal(dimension) }} as dimension,
        coalesce(cast({{ dimension }} as {{ dbt.type_string() }}), '(null)') as segment_value,
        numerator_value,
        denominator_value,
        metric_value
    from ({{ metric_values_sql(metric_name, [dimension]) }}) as segment_{{ loop.index }}
    {% if not loop.last %}union all{% endif %}
    {% else %}
    {{ no_rows([
        ['metric_name', 'string'],
        ['week_start_date', 'date'],
        ['dimension', 'string'],
        ['segment_value', 'string'],
        ['numerator_value', 'double'],
        ['denominator_value', 'double'],
        ['metric_value', 'double'],
    ]) }}
    {%- endfor %}

),

final as (

    select
        metric_name,
        cast(week_start_date as date) as week_start_date,
        dimension,
        segment_value,
        numerator_value,
        denominator_value,
        metric_value
    from segment_values

)

select * from final
