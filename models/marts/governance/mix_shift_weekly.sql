{#- "Segment before judging": per ISO week, scope (all branches, then each branch) and mix
    dimension (channel, contact_reason, priority, customer_tier), the total-variation distance
    between the week's mix of included contacts and the pooled mix of the four weeks before it,
    and the largest mover (the segment whose share moved most in standard errors). A shift is
    flagged when the distance passes the dimension's threshold (var mix_shift_thresholds) and that
    mover's change is statistically clear (|z| >= var mix_shift_min_z against the trailing
    share), so noise in small slices is not flagged and a small but real move (p1 relabelled as
    p2) is. Incomplete weeks and weeks without four weeks of history are never flagged. -#}
{%- set dimensions = ['channel', 'contact_reason', 'priority', 'customer_tier'] -%}
{%- set thresholds = var('mix_shift_thresholds') -%}

with

weekly as (

    select * from {{ ref('fct_support_weekly') }}

),

export_weeks as (

    select * from {{ ref('int_export_weeks') }}

),

segment_contacts as (

    {% for dimension in dimensions -%}
        select
            week_start_date,
            '(all)' as branch,
            '{{ dimension }}' as mix_dimension,
            coalesce({{ dimension }}, '(none)') as segment,
            sum(included_contacts) as included_contacts
        from weekly
        group by week_start_date, coalesce({{ dimension }}, '(none)')
        union all
        select
            week_start_date,
            coalesce(branch, '(none)') as branch,
            '{{ dimension }}' as mix_dimension,
            coalesce({{ dimension }}, '(none)') as segment,
            sum(included_contacts) as included_contacts
        from weekly
        group by week_start_date, coalesce(branch, '(none)'), coalesce({{ dimension }}, '(none)')
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

weeks as (

    select distinct week_start_date from segment_contacts

),

trailing_contacts as (

    select
        weeks.week_start_date,
        segment_contacts.branch,
        segment_contacts.mix_dimension,
        segment_contacts.segment,
        sum(segment_contacts.included_contacts) as included_contacts,
        count(distinct segment_contacts.week_start_date) as trailing_weeks
    from weeks
    inner join segment_contacts
        on
            segment_contacts.week_start_date >= {{ dbt.dateadd('day', -28, 'weeks.week_start_date') }}
            and weeks.week_start_date > segment_contacts.week_start_date
    group by weeks.week_start_date, segment_contacts.branch, segment_contacts.mix_dimension, segment_contacts.segment

),

paired as (

    select
        week_start_date,
        branch,
        mix_dimension,
        segment,
        sum(this_week_contacts) as this_week_contacts,
        sum(trailing_contacts) as trailing_contacts
    from (
        select
            week_start_date,
            branch,
            mix_dimension,
            segment,
            included_contacts as this_week_contacts,
            0 as trailing_contacts
        from segment_contacts
        union all
        select
            week_start_date,
            branch,
            mix_dimension,
            segment,
            0 as this_week_contacts,
            included_contacts as trailing_contacts
        from trailing_contacts
    ) as both_periods
    group by week_start_date, branch, mix_dimension, segment

),

totals as (

    select
        week_start_date,
        branch,
        mix_dimension,
        sum(this_week_contacts) as this_week_total,
        sum(trailing_contacts) as trailing_total
    from paired
    group by week_start_date, branch, mix_dimension

),

history as (

    select
        week_start_date,
        branch,
        mix_dimension,
        max(trailing_weeks) as trailing_weeks
    from trailing_contacts
    group by week_start_date, branch, mix_dimension

),

shares as (

    select
        paired.week_start_date,
        paired.branch,
        paired.mix_dimension,
        paired.segment,
        totals.this_week_total,
        1.0 * paired.this_week_contacts / totals.this_week_total as this_week_share,
        1.0 * paired.trailing_contacts / totals.trailing_total as trailing_share
    from paired
    inner join totals
        on
            paired.week_start_date = totals.week_start_date
            and paired.branch = totals.branch
            and paired.mix_dimension = totals.mix_dimension
    where totals.this_week_total > 0 and totals.trailing_total > 0

),

movers as (

    select
        shares.*,
        shares.this_week_share - shares.trailing_share as share_change,
        (shares.this_week_share - shares.trailing_share)
        / nullif(sqrt(shares.trailing_share * (1 - shares.trailing_share) / shares.this_week_total), 0) as change_z,
        row_number() over (
            partition by shares.week_start_date, shares.branch, shares.mix_dimension
            order by
                abs(
                    (shares.this_week_share - shares.trailing_share)
                    / nullif(sqrt(shares.trailing_share * (1 - shares.trailing_share) / shares.this_week_total), 0)
                ) desc nulls last,
                abs(shares.this_week_share - shares.trailing_share) desc,
                shares.segment
        ) as mover_rank
    from shares

),

distances as (

    select
        week_start_date,
        branch,
        mix_dimension,
        max(this_week_total) as included_contacts,
        0.5 * sum(abs(share_change)) as total_variation_distance
    from movers
    group by week_start_date, branch, mix_dimension

),

judged as (

    select
        distances.week_start_date,
        distances.branch,
        distances.mix_dimension,
        cast(distances.included_contacts as {{ dbt.type_bigint() }}) as included_contacts,
        cast(distances.total_variation_distance as {{ type_double() }}) as total_variation_distance,
        cast(case distances.mix_dimension
            {% for dimension in dimensions %}when '{{ dimension }}' then {{ thresholds[dimension] }}
            {% endfor %}
        end as {{ type_double() }}) as threshold,
        movers.segment as largest_mover,
        cast(movers.trailing_share as {{ type_double() }}) as largest_mover_trailing_share,
        cast(movers.this_week_share as {{ type_double() }}) as largest_mover_share,
        cast(movers.change_z as {{ type_double() }}) as largest_mover_z,
        coalesce(export_weeks.is_complete_week, false)
        and coalesce(history.trailing_weeks, 0) = 4 as is_judged
    from distances
    left join export_weeks
        on distances.week_start_date = export_weeks.week_start_date
    inner join movers
        on
            distances.week_start_date = movers.week_start_date
            and distances.branch = movers.branch
            and distances.mix_dimension = movers.mix_dimension
            and movers.mover_rank = 1
    left join history
        on
            distances.week_start_date = history.week_start_date
            and distances.branch = history.branch
            and distances.mix_dimension = history.mix_dimension

),

final as (

    select
        judged.*,
        coalesce(
            judged.is_judged
            and judged.total_variation_distance >= judged.threshold
            and abs(judged.largest_mover_z) >= {{ var('mix_shift_min_z') }},
            false
        ) as is_shift_flagged
    from judged

)

select * from final
