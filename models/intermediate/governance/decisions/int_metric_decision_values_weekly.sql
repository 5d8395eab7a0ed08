{#- The number each governed metric's decision statement watches, per ISO week: the metric's
    weekly value (metric_values_weekly) when the statement has no slice, else its value in the
    slice (ledger.decision.slice, e.g. priority=p1 and channel=email), compiled from the same
    semantic-layer definition (metric_values_sql with the slice's dimensions, filtered to its
    values). A week without a contact in the slice has no row. -#}
-- depends_on: {{ ref('fct_tickets') }}
-- depends_on: {{ ref('fct_csat_surveys') }}
-- depends_on: {{ ref('fct_backlog_daily') }}
-- depends_on: {{ ref('fct_agent_shifts') }}
-- depends_on: {{ ref('fct_support_weekly') }}
{%- set sliced = [] -%}
{%- for metric in governed_metrics() -%}
    {%- set decision_slice = (metric.config.meta.get('ledger', {}).get('decision') or {}).get('slice') -%}
    {%- if decision_slice is mapping and decision_slice -%}
        {%- set dimensions = [] -%}
        {%- for segment in decision_slice.keys() | sort -%}{%- do dimensions.append(decision_slice_dimension(segment)) -%}{%- endfor -%}
        {%- do sliced.append((metric.name, decision_slice, dimensions)) -%}
    {%- endif -%}
{%- endfor %}

with

metric_values as (

    select * from {{ ref('metric_values_weekly') }}

),

statements as (

    {{ ledger_decision_rows() }}

),

unsliced_values as (

    select
        metric_values.metric_name,
        statements.decision_slice,
        metric_values.week_start_date,
        metric_values.metric_value
    from metric_values
    inner join statements
        on metric_values.metric_name = statements.metric_name
    where statements.decision_slice = ''

),

sliced_values as (

    {{ no_rows([
        ['metric_name', 'string'],
        ['decision_slice', 'string'],
        ['week_start_date', 'date'],
        ['metric_value', 'double'],
    ]) }}
    {% for metric_name, decision_slice, dimensions in sliced %}
    union all
    select
        {{ sql_literal(metric_name) }} as metric_name,
        {{ sql_literal(decision_slice_text(decision_slice)) }} as decision_slice,
        cast(week_start_date as date) as week_start_date,
        metric_value
    from ({{ metric_values_sql(metric_name, dimensions) }}) as slice_{{ loop.index }}
    where
        {% for segment, value in decision_slice.items() | sort -%}
        cast({{ decision_slice_dimension(segment) }} as {{ dbt.type_string() }}) = {{ sql_literal(value) }}{% if not loop.last %} and {% endif %}
        {%- endfor %}
    {% endfor %}

),

final as (

    select * from unsliced_values
    union all
    select * from sliced_values

)

select * from final
