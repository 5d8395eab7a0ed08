{#- Rule: a stable mix. For each ISO week and each mix dimension (channel, contact_reason,
    priority), the total-variation distance between the week's share of included contacts and
    the previous week's: 0.5 * sum over segments of |share_this_week - share_last_week|. A week
    is stable when every dimension moved less than `mix_stability_threshold`. Weeks without a
    previous week in the export have no distance and are not stable. Shares of all contacts
    (scope '(all)') from int_weekly_segment_contacts. -#}
with

shares as (

    select
        week_start_date,
        mix_dimension,
        segment,
        contact_share
    from {{ ref('int_weekly_segment_contacts') }}
    where
        branch = '(all)'
        and mix_dimension in ('channel', 'contact_reason', 'priority')
        and week_contacts > 0

),

paired as (

    select
        week_start_date,
        mix_dimension,
        segment,
        contact_share as this_week_share,
        0.0 as last_week_share
    from shares
    union all
    select
        cast({{ dbt.dateadd('day', 7, 'week_start_date') }} as date) as week_start_date,
        mix_dimension,
        segment,
        0.0 as this_week_share,
        contact_share as last_week_share
    from shares

),

weeks_with_both as (

    select distinct this_week.week_start_date
    from shares as this_week
    inner join shares as last_week
        on cast({{ dbt.dateadd('day', -7, 'this_week.week_start_date') }} as date) = last_week.week_start_date

),

distances as (

    select
        paired.week_start_date,
        paired.mix_dimension,
        0.5 * sum(abs(paired.this_week_share - paired.last_week_share)) as total_variation_distance
    from (
        select
            week_start_date,
            mix_dimension,
            segment,
            sum(this_week_share) as this_week_share,
            sum(last_week_share) as last_week_share
        from paired
        group by week_start_date, mix_dimension, segment
    ) as paired
    inner join weeks_with_both
        on paired.week_start_date = weeks_with_both.week_start_date
    group by paired.week_start_date, paired.mix_dimension

),

final as (

    select
        week_start_date,
        max(total_variation_distance) as max_total_variation_distance,
        max(total_variation_distance) < {{ var('mix_stability_threshold') }} as is_mix_stable
    from distances
    group by week_start_date

)

select * from final
