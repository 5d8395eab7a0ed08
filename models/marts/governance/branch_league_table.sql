{#- What a leader may see when branches are compared: per rankable metric, week and branch.
    Where branch_comparison_gate passes, one overall row per branch with its rank (1 = best, in
    the direction the metric improves). Where it fails, no overall ranking: one row per branch
    and contact-reason cohort, ranked within the cohort, with the failed checks beside it.
    Target metrics carry the same branch's counter-metric values for the same week. -#}
with

gate as (

    select * from {{ ref('branch_comparison_gate') }}

),

branch_values as (

    select * from {{ ref('int_branch_metric_values') }}

),

directions as (

    {{ rankable_metric_rows() }}

),

counter_metrics as (

    {{ counter_metric_rows() }}

),

rules as (

    {{ ledger_rules_rows() }}

),

published as (

    select
        branch_values.metric_name,
        branch_values.week_start_date,
        branch_values.branch,
        branch_values.cohort_dimension,
        branch_values.cohort_value,
        branch_values.metric_value,
        branch_values.denominator_value,
        gate.is_ranking_allowed,
        gate.failed_checks
    from branch_values
    inner join gate
        on
            branch_values.metric_name = gate.metric_name
            and branch_values.week_start_date = gate.week_start_date
    where
        (gate.is_ranking_allowed and branch_values.cohort_dimension = 'overall')
        or (not gate.is_ranking_allowed and branch_values.cohort_dimension = 'contact_reason')

),

ranked as (

    select
        published.*,
        rank() over (
            partition by published.metric_name, published.week_start_date, published.cohort_value
            order by case when directions.better = 'higher' then -published.metric_value else published.metric_value end
        ) as branch_rank
    from published
    inner join directions
        on published.metric_name = directions.metric_name

),

counter_values as (

    select
        counter_metrics.metric_name,
        branch_values.week_start_date,
        branch_values.branch,
        {{ dbt.listagg(
            dbt.concat(['counter_metrics.counter_metric_name', "'='", 'cast(' ~ round_to('branch_values.metric_value', 4) ~ ' as ' ~ dbt.type_string() ~ ')']),
            "'; '",
            "order by counter_metrics.counter_metric_name"
        ) }} as counter_metric_values
    from counter_metrics
    inner join rules
        on counter_metrics.metric_name = rules.metric_name
    inner join branch_values
        on
            counter_metrics.counter_metric_name = branch_values.metric_name
            and branch_values.cohort_dimension = 'overall'
    where rules.job = 'target'
    group by counter_metrics.metric_name, branch_values.week_start_date, branch_values.branch

),

final as (

    select
        ranked.metric_name,
        ranked.week_start_date,
        ranked.branch,
        case when ranked.is_ranking_allowed then 'overall' else 'contact_reason' end as cohort_dimension,
        ranked.cohort_value,
        ranked.metric_value,
        cast(ranked.branch_rank as {{ dbt.type_int() }}) as branch_rank,
        ranked.is_ranking_allowed,
        ranked.failed_checks,
        counter_values.counter_metric_values
    from ranked
    left join counter_values
        on
            ranked.metric_name = counter_values.metric_name
            and ranked.week_start_date = counter_values.week_start_date
            and ranked.branch = counter_values.branch

)

select * from final
