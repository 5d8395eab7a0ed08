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

export_weeks as (

    select * from {{ ref('int_export_weeks') }}

),

movers as (

    select * from {{ ref('int_weekly_mix_movers') }}

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
        and coalesce(movers.trailing_weeks, 0) = 4 as is_judged
    from distances
    left join export_weeks
        on distances.week_start_date = export_weeks.week_start_date
    inner join movers
        on
            distances.week_start_date = movers.week_start_date
            and distances.branch = movers.branch
            and distances.mix_dimension = movers.mix_dimension
            and movers.mover_rank = 1

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
