{#- Values of every rankable governed metric per ISO week and branch: overall, and within each
    channel and each contact reason (the cohorts of the comparability gate). Compiled from the
    semantic-layer definitions (metric_values_sql). -#}
-- depends_on: {{ ref('fct_tickets') }}
-- depends_on: {{ ref('fct_csat_surveys') }}
{% set groupings = [('overall', []), ('channel', ['channel']), ('contact_reason', ['contact_reason'])] %}

with

branch_values as (

    {% for metric in rankable_metrics() -%}
    {%- set outer = loop -%}
    {%- for cohort_dimension, dimensions in groupings -%}
    select
        {{ sql_literal(metric.name) }} as metric_name,
        '{{ cohort_dimension }}' as cohort_dimension,
        {% if dimensions %}cast({{ dimensions[0] }} as {{ dbt.type_string() }}){% else %}cast('(all)' as {{ dbt.type_string() }}){% endif %} as cohort_value,
        week_start_date,
        owning_branch as branch,
        numerator_value,
        denominator_value,
        metric_value
    from ({{ metric_values_sql(metric.name, ['owning_branch'] + dimensions) }}) as values_{{ outer.index }}_{{ loop.index }}
    {% if not (outer.last and loop.last) %}union all{% endif %}
    {% endfor -%}
    {% else %}
    {{ no_rows([
        ['metric_name', 'string'],
        ['cohort_dimension', 'string'],
        ['cohort_value', 'string'],
        ['week_start_date', 'date'],
        ['branch', 'string'],
        ['numerator_value', 'double'],
        ['denominator_value', 'double'],
        ['metric_value', 'double'],
    ]) }}
    {%- endfor %}

),

final as (

    select
        metric_name,
        cohort_dimension,
        cohort_value,
        cast(week_start_date as date) as week_start_date,
        branch,
        numerator_value,
        denominator_value,
        metric_value
    from branch_values
    where branch is not null and metric_value is not null

)

select * from final
