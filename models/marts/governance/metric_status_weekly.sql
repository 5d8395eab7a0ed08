{#- Stop-the-line status: per governed metric and ISO week, whether the number may be used for its
    job this week and, if not, every reason why (governance.md §5), each driven by the metric's
    ledger thresholds, the context log and the changelog:
    - incomplete_week: the week is only partly inside the export (never judged week over week);
    - immature_week: the export ends before the week's number is final (int_metric_weeks_maturity,
      from the ledger's maturity);
    - warm_up_week: the export starts too close before the week for its number to be whole
      (int_metric_weeks_history, from the ledger's maturity.history_days);
    - no_data: the metric has no value that week (never usable);
    - coverage_drop: the metric's included volume fell by more than stop_the_line.coverage_drop_pct
      from the previous (complete) week, with no context-log entry in scope explaining it;
    - definition_freeze: inside the freeze window of a changelog definition change;
    - counter_metric_breach: a counter-metric past its limit in stop_the_line.counter_metric_limits,
      or, against the trailing four weeks, the metric improved and a counter-metric worsened
      each by at least counter_metric_divergence_pct (the number "hit" at the counter's expense);
    - comparability_break: a context-log entry in scope that breaks comparability that week;
    - low_response_rate: csat response rate under stop_the_line.min_response_rate;
    - below_coverage_floor: the metric counts less of the contacts in its scope than its ledger's
      stop_the_line.coverage_floor (int_metric_weeks_coverage_floor);
    - paused: the ledger's status is pause_and_fix.
    Every metric's counter-metric values for the same week are beside it (counter_metric_values),
    so a target is never read without them, and every row carries the definition version (ledger)
    it was judged with: metric_usability_weekly compares it with metric_dictionary at query time. -#}
with

metric_values as (

    select * from {{ ref('metric_values_weekly') }}

),

coverage as (

    select * from {{ ref('metric_coverage_weekly') }}

),

changelog as (

    select * from {{ ref('metric_changelog') }}

),

context_log as (

    select * from {{ ref('int_context_log') }}

),

rules as (

    {{ ledger_rules_rows() }}

),

counter_limits as (

    {{ counter_limit_rows() }}

),

covered_channels as (

    {{ covered_channel_rows() }}

),

counter_metrics as (

    {{ counter_metric_rows() }}

),

weeks as (

    select * from {{ ref('int_export_weeks') }}

),

maturity as (

    select * from {{ ref('int_metric_weeks_maturity') }}

),

coverage_floors as (

    select * from {{ ref('int_metric_weeks_coverage_floor') }}

),

histories as (

    select * from {{ ref('int_metric_weeks_history') }}

),

metric_weeks as (

    select
        rules.metric_name,
        rules.version as definition_version,
        rules.job,
        rules.status,
        rules.coverage_drop_pct,
        rules.min_response_rate,
        weeks.week_start_date,
        weeks.is_complete_week
    from rules
    cross join weeks

),

volumes as (

    select
        metric_name,
        week_start_date,
        sum(included_contacts) as included_contacts
    from coverage
    where is_covered_channel
    group by metric_name, week_start_date

),

volume_changes as (

    select
        this_week.metric_name,
        this_week.week_start_date,
        this_week.included_contacts,
        last_week.included_contacts as previous_included_contacts,
        100.0 * (last_week.included_contacts - this_week.included_contacts)
        / nullif(last_week.included_contacts, 0) as volume_drop_pct
    from volumes as this_week
    left join volumes as last_week
        on
            this_week.metric_name = last_week.metric_name
            and cast({{ dbt.dateadd('day', -7, 'this_week.week_start_date') }} as date) = last_week.week_start_date

),

context_in_scope as (

    select
        metric_weeks.metric_name,
        metric_weeks.week_start_date,
        context_log.kind,
        context_log.breaks_comparability,
        context_log.scope_type,
        context_log.scope_value
    from metric_weeks
    inner join context_log
        on
            metric_weeks.week_start_date <= context_log.occurred_on
            and context_log.occurred_on < {{ dbt.dateadd('day', 7, 'metric_weeks.week_start_date') }}
    left join covered_channels
        on
            metric_weeks.metric_name = covered_channels.metric_name
            and context_log.scope_type = 'channel'
            and context_log.scope_value = covered_channels.channel
    where
        (context_log.scope_type <> 'channel' or covered_channels.channel is not null)
        and (context_log.kind <> 'survey_change' or metric_weeks.metric_name like 'csat%')

),

context_summary as (

    select
        metric_name,
        week_start_date,
        count(*) as context_entries,
        max(case when breaks_comparability then 1 else 0 end) = 1 as has_comparability_break
    from context_in_scope
    group by metric_name, week_start_date

),

freezes as (

    select distinct
        metric_weeks.metric_name,
        metric_weeks.week_start_date
    from metric_weeks
    inner join changelog
        on
            metric_weeks.metric_name = changelog.metric_name
            and changelog.change_type = 'definition_change'
            and metric_weeks.week_start_date < {{ dbt.dateadd('day', '7 * changelog.freeze_weeks', 'changelog.effective_date') }}
            and {{ dbt.dateadd('day', 7, 'metric_weeks.week_start_date') }} > changelog.effective_date

),

breaches as (

    select
        counter_limits.metric_name,
        counter_values.week_start_date,
        counter_limits.counter_metric_name
    from counter_limits
    inner join metric_values as counter_values
        on counter_limits.counter_metric_name = counter_values.metric_name
    where
        (counter_limits.limit_kind = 'max' and counter_values.metric_value > counter_limits.limit_value)
        or (counter_limits.limit_kind = 'min' and counter_values.metric_value < counter_limits.limit_value)

),

trailing_values as (

    select
        this_week.metric_name,
        this_week.week_start_date,
        this_week.metric_value,
        avg(previous_weeks.metric_value) as trailing_value,
        count(previous_weeks.metric_value) as trailing_weeks
    from metric_values as this_week
    inner join metric_values as previous_weeks
        on
            this_week.metric_name = previous_weeks.metric_name
            and previous_weeks.week_start_date >= {{ dbt.dateadd('day', -28, 'this_week.week_start_date') }}
            and this_week.week_start_date > previous_weeks.week_start_date
    group by this_week.metric_name, this_week.week_start_date, this_week.metric_value

),

improvements as (

    select
        trailing_values.metric_name,
        trailing_values.week_start_date,
        case
            when rules.better = 'higher'
                then 100.0 * (trailing_values.metric_value - trailing_values.trailing_value)
            else 100.0 * (trailing_values.trailing_value - trailing_values.metric_value)
        end / nullif(abs(trailing_values.trailing_value), 0) as improvement_pct
    from trailing_values
    inner join rules
        on trailing_values.metric_name = rules.metric_name
    where trailing_values.trailing_weeks = 4

),

divergences as (

    select
        counter_metrics.metric_name,
        metric_improvements.week_start_date,
        counter_metrics.counter_metric_name
    from counter_metrics
    inner join improvements as metric_improvements
        on counter_metrics.metric_name = metric_improvements.metric_name
    inner join improvements as counter_improvements
        on
            counter_metrics.counter_metric_name = counter_improvements.metric_name
            and metric_improvements.week_start_date = counter_improvements.week_start_date
    where
        metric_improvements.improvement_pct >= {{ var('counter_metric_divergence_pct') }}
        and counter_improvements.improvement_pct <= -{{ var('counter_metric_divergence_pct') }}

),

all_breaches as (

    select * from breaches
    union
    select * from divergences

),

breach_summary as (

    select
        metric_name,
        week_start_date,
        {{ dbt.listagg('counter_metric_name', "', '", "order by counter_metric_name") }} as breached_counter_metrics
    from all_breaches
    group by metric_name, week_start_date

),

counter_values as (

    select
        counter_metrics.metric_name,
        counter_week_values.week_start_date,
        {{ dbt.listagg(
            dbt.concat(['counter_metrics.counter_metric_name', "'='", 'cast(' ~ round_to('counter_week_values.metric_value', 4) ~ ' as ' ~ dbt.type_string() ~ ')']),
            "'; '",
            "order by counter_metrics.counter_metric_name"
        ) }} as counter_metric_values
    from counter_metrics
    inner join metric_values as counter_week_values
        on counter_metrics.counter_metric_name = counter_week_values.metric_name
    group by counter_metrics.metric_name, counter_week_values.week_start_date

),

response_rates as (

    select
        week_start_date,
        metric_value as csat_response_rate
    from metric_values
    where metric_name = 'csat_response_rate'

),

flagged as (

    select
        metric_weeks.metric_name,
        metric_weeks.week_start_date,
        metric_weeks.definition_version,
        metric_weeks.job,
        metric_weeks.is_complete_week,
        metric_values.metric_value,
        volume_changes.included_contacts,
        volume_changes.previous_included_contacts,
        volume_changes.volume_drop_pct,
        coalesce(context_summary.context_entries, 0) as context_entries,
        breach_summary.breached_counter_metrics,
        counter_values.counter_metric_values,
        response_rates.csat_response_rate,
        not metric_weeks.is_complete_week as is_incomplete,
        not coalesce(maturity.is_mature, false) as is_immature,
        not coalesce(histories.has_full_history, false) as is_warm_up,
        metric_values.metric_value is null as has_no_data,
        coalesce(
            metric_weeks.is_complete_week
            and coalesce(previous_week.is_complete_week, false)
            and volume_changes.volume_drop_pct > metric_weeks.coverage_drop_pct
            and coalesce(context_summary.context_entries, 0) = 0,
            false
        ) as has_coverage_drop,
        freezes.metric_name is not null as has_definition_freeze,
        metric_weeks.is_complete_week and breach_summary.metric_name is not null as has_counter_metric_breach,
        coalesce(context_summary.has_comparability_break, false) as has_comparability_break,
        coalesce(
            metric_weeks.is_complete_week
            and metric_weeks.min_response_rate is not null
            and response_rates.csat_response_rate < metric_weeks.min_response_rate,
            false
        ) as has_low_response_rate,
        coalesce(coverage_floors.is_below_coverage_floor, false) as is_below_coverage_floor,
        coalesce(metric_weeks.status = 'pause_and_fix', false) as is_paused
    from metric_weeks
    left join metric_weeks as previous_week
        on
            metric_weeks.metric_name = previous_week.metric_name
            and cast({{ dbt.dateadd('day', -7, 'metric_weeks.week_start_date') }} as date) = previous_week.week_start_date
    left join metric_values
        on
            metric_weeks.metric_name = metric_values.metric_name
            and metric_weeks.week_start_date = metric_values.week_start_date
    left join volume_changes
        on
            metric_weeks.metric_name = volume_changes.metric_name
            and metric_weeks.week_start_date = volume_changes.week_start_date
    left join context_summary
        on
            metric_weeks.metric_name = context_summary.metric_name
            and metric_weeks.week_start_date = context_summary.week_start_date
    left join freezes
        on
            metric_weeks.metric_name = freezes.metric_name
            and metric_weeks.week_start_date = freezes.week_start_date
    left join breach_summary
        on
            metric_weeks.metric_name = breach_summary.metric_name
            and metric_weeks.week_start_date = breach_summary.week_start_date
    left join counter_values
        on
            metric_weeks.metric_name = counter_values.metric_name
            and metric_weeks.week_start_date = counter_values.week_start_date
    left join response_rates
        on metric_weeks.week_start_date = response_rates.week_start_date
    left join maturity
        on
            metric_weeks.metric_name = maturity.metric_name
            and metric_weeks.week_start_date = maturity.week_start_date
    left join histories
        on
            metric_weeks.metric_name = histories.metric_name
            and metric_weeks.week_start_date = histories.week_start_date
    left join coverage_floors
        on
            metric_weeks.metric_name = coverage_floors.metric_name
            and metric_weeks.week_start_date = coverage_floors.week_start_date

),

final as (

    select
        metric_name,
        week_start_date,
        job,
        is_complete_week,
        metric_value,
        not(
            is_incomplete or is_immature or is_warm_up or has_no_data or has_coverage_drop or has_definition_freeze
            or has_counter_metric_breach or has_comparability_break or has_low_response_rate or is_below_coverage_floor or is_paused
        ) as usable_for_job,
        replace(trim({{ dbt.concat([
            "case when is_incomplete then 'incomplete_week ' else '' end",
            "case when is_immature then 'immature_week ' else '' end",
            "case when is_warm_up then 'warm_up_week ' else '' end",
            "case when has_no_data then 'no_data ' else '' end",
            "case when has_coverage_drop then 'coverage_drop ' else '' end",
            "case when has_definition_freeze then 'definition_freeze ' else '' end",
            "case when has_counter_metric_breach then 'counter_metric_breach ' else '' end",
            "case when has_comparability_break then 'comparability_break ' else '' end",
            "case when has_low_response_rate then 'low_response_rate ' else '' end",
            "case when is_below_coverage_floor then 'below_coverage_floor ' else '' end",
            "case when is_paused then 'paused ' else '' end",
        ]) }}), ' ', ', ') as reasons,
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
