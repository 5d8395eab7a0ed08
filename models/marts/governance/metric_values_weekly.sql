{#- The value of every governed metric in every ISO week, compiled from its semantic-layer
    definition (metric_values_sql): the numbers the stop-the-line rules judge. Ratio metrics keep
    their numerator and denominator. The week is the metric's own aggregation time (created,
    first solved, resolved, responded, sent, backlog or shift date). Every row carries the
    definition version it was computed with (definition_version: the ledger version compiled into
    this build), so a reader can tell v1 numbers from v2 numbers (metric_usability_weekly), and
    whether it is final: is_mature and matures_on (int_metric_weeks_maturity, the ledger's
    maturity). An immature value stays visible; metric_status_weekly marks it immature_week. -#}
-- depends_on: {{ ref('fct_tickets') }}
-- depends_on: {{ ref('fct_csat_surveys') }}
-- depends_on: {{ ref('fct_backlog_daily') }}
-- depends_on: {{ ref('fct_agent_shifts') }}
-- depends_on: {{ ref('fct_support_weekly') }}

with

metric_values as (

    {% for metric in governed_metrics() -%}
    select
        {{ sql_literal(metric.name) }} as metric_name,
        {{ sql_literal(metric.config.meta.get('ledger', {}).get('version'), 'integer') }} as definition_version,
        week_start_date,
        numerator_value,
        denominator_value,
        metric_value
    from ({{ metric_values_sql(metric.name) }}) as metric_{{ loop.index }}
    {% if not loop.last %}union all{% endif %}
    {% else %}
    {{ no_rows([
        ['metric_name', 'string'],
        ['definition_version', 'integer'],
        ['week_start_date', 'date'],
        ['numerator_value', 'double'],
        ['denominator_value', 'double'],
        ['metric_value', 'double'],
    ]) }}
    {%- endfor %}

),

maturity as (

    select * from {{ ref('int_metric_weeks_maturity') }}

),

final as (

    select
        metric_values.metric_name,
        cast(metric_values.week_start_date as date) as week_start_date,
        metric_values.numerator_value,
        metric_values.denominator_value,
        metric_values.metric_value,
        metric_values.definition_version,
        coalesce(maturity.is_mature, false) as is_mature,
        maturity.matures_on
    from metric_values
    left join maturity
        on
            metric_values.metric_name = maturity.metric_name
            and cast(metric_values.week_start_date as date) = maturity.week_start_date

)

select * from final
