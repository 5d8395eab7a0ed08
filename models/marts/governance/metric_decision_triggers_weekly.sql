{#- Rule: a decision statement fires. Per governed metric, ISO week (and the statement's slice),
    the ledger's statement "if <metric> <moves> by <by> for <for> weeks, then <action>" is judged:
    - the baseline is the ledger's fixed value, or the mean of the judged values among the
      `trailing_weeks` weeks before the statement's window (the `for` weeks ending this week), so
      a streak is measured against the level before it began, never against itself; at least
      half of those weeks must be judged (one noisy week is no baseline);
    - the move and whether a week crosses are the macros decision_move and decision_crosses
      (percent of the baseline or points of a rate, in the statement's direction against the
      ledger's `better`; exactly at the threshold crosses);
    - the statement fires when every week of its window is judged and crosses (streak_weeks =
      for_weeks);
    - a week is judged only when its number may be used (metric_status_weekly.usable_for_job) and
      it has a value: otherwise it is held, with the stop-the-line reasons (no_data for a slice
      without contacts), and a held week breaks a streak: an untrustworthy number never
      triggers staffing or performance actions.
    decision_state: fired, crossing (crossed, streak still short), quiet, held, no_baseline. -#}
with

statements as (

    {{ ledger_decision_rows() }}

),

decision_values as (

    select * from {{ ref('int_metric_decision_values_weekly') }}

),

status as (

    select * from {{ ref('metric_status_weekly') }}

),

statement_weeks as (

    select
        statements.metric_name,
        statements.decision_slice,
        statements.moves,
        statements.threshold_value,
        statements.threshold_unit,
        statements.for_weeks,
        statements.baseline_trailing_weeks,
        statements.baseline_fixed_value,
        statements.action,
        statements.owner,
        status.week_start_date,
        status.is_complete_week,
        status.definition_version,
        status.reasons as status_reasons,
        decision_values.metric_value,
        case when (statements.moves = 'worsens') = (statements.better = 'lower') then 1 else -1 end as direction,
        coalesce(status.usable_for_job and decision_values.metric_value is not null, false) as is_judged
    from statements
    inner join status
        on statements.metric_name = status.metric_name
    left join decision_values
        on
            statements.metric_name = decision_values.metric_name
            and statements.decision_slice = decision_values.decision_slice
            and status.week_start_date = decision_values.week_start_date

),

trailing_baselines as (

    select
        this_week.metric_name,
        this_week.week_start_date,
        avg(earlier_week.metric_value) as trailing_value,
        count(earlier_week.metric_value) as trailing_weeks
    from statement_weeks as this_week
    inner join statement_weeks as earlier_week
        on
            this_week.metric_name = earlier_week.metric_name
            and earlier_week.is_judged
            and {{ dbt.dateadd('day', '-7 * (this_week.for_weeks - 1)', 'this_week.week_start_date') }} > earlier_week.week_start_date
            and earlier_week.week_start_date >= {{ dbt.dateadd(
                'day', '-7 * (this_week.for_weeks - 1 + this_week.baseline_trailing_weeks)', 'this_week.week_start_date'
            ) }}
    where this_week.baseline_trailing_weeks is not null
    group by this_week.metric_name, this_week.week_start_date

),

baselines as (

    select
        statement_weeks.*,
        coalesce(
            statement_weeks.baseline_fixed_value,
            case
                when 2 * trailing_baselines.trailing_weeks >= statement_weeks.baseline_trailing_weeks
                    then trailing_baselines.trailing_value
            end
        ) as baseline_value,
        trailing_baselines.trailing_weeks as baseline_weeks
    from statement_weeks
    left join trailing_baselines
        on
            statement_weeks.metric_name = trailing_baselines.metric_name
            and statement_weeks.week_start_date = trailing_baselines.week_start_date

),

window_weeks as (

    select
        baselines.metric_name,
        baselines.week_start_date,
        in_window.week_start_date as window_week_start_date,
        in_window.is_judged and {{ decision_crosses('in_window.metric_value', 'baselines') }} as is_counted
    from baselines
    inner join statement_weeks as in_window
        on
            baselines.metric_name = in_window.metric_name
            and {{ dbt.dateadd('day', '-7 * (baselines.for_weeks - 1)', 'baselines.week_start_date') }} <= in_window.week_start_date
            and baselines.week_start_date >= in_window.week_start_date

),

streaks as (

    select
        metric_name,
        week_start_date,
        count(*) as window_weeks,
        max(case when not is_counted then window_week_start_date end) as last_break_date
    from window_weeks
    group by metric_name, week_start_date

),

measured as (

    select
        baselines.*,
        {{ decision_move('baselines.metric_value', 'baselines') }} as move_size,
        {{ decision_crosses('baselines.metric_value', 'baselines') }} as is_crossed,
        case
            when streaks.last_break_date is null then streaks.window_weeks
            else {{ dbt.datediff('streaks.last_break_date', 'baselines.week_start_date', 'day') }} / 7  -- noqa: LT05
        end as streak_weeks
    from baselines
    inner join streaks
        on
            baselines.metric_name = streaks.metric_name
            and baselines.week_start_date = streaks.week_start_date

),

judged as (

    select
        *,
        case
            when not is_judged then 'held'
            when move_size is null then 'no_baseline'
            when streak_weeks >= for_weeks then 'fired'
            when is_crossed then 'crossing'
            else 'quiet'
        end as decision_state
    from measured

),

final as (

    select
        metric_name,
        decision_slice,
        week_start_date,
        is_complete_week,
        cast(definition_version as {{ dbt.type_int() }}) as definition_version,
        cast(metric_value as {{ type_double() }}) as metric_value,
        cast(baseline_value as {{ type_double() }}) as baseline_value,
        cast(baseline_weeks as {{ dbt.type_int() }}) as baseline_weeks,
        moves,
        cast(move_size as {{ type_double() }}) as move_size,
        cast(threshold_value as {{ type_double() }}) as threshold_value,
        threshold_unit,
        cast(for_weeks as {{ dbt.type_int() }}) as for_weeks,
        cast(streak_weeks as {{ dbt.type_int() }}) as streak_weeks,
        is_crossed,
        decision_state,
        decision_state = 'fired' as has_fired,
        decision_state = 'fired'
        and coalesce(lag(decision_state) over (partition by metric_name order by week_start_date), '') <> 'fired'
            as is_new_firing,
        case when not is_judged then coalesce(nullif(status_reasons, ''), 'no_data') end as held_reasons,
        action,
        owner
    from judged

)

select * from final
