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
    select
        cast(null as {{ dbt.type_string() }}) as metric_name,
        cast(null as {{ dbt.type_string() }}) as cohort_dimension,
        cast(null as {{ dbt.type_string() }}) as cohort_value,
        cast(null as date) as week_start_date,
        cast(null as {{ dbt.type_string() }}) as branch,
        cast(null as {{ type_double() }}) as numerator_value,
        cast(null as {{ type_double() }}) as denominator_value,
        cast(null as {{ type_double() }}) as metric_value
    where 1 = 0
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
