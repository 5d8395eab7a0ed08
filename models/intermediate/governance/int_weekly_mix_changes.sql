{#- Rule: a stable mix. For each ISO week and each mix dimension (channel, contact_reason,
    priority), the total-variation distance between the week's share of included contacts and
    the previous week's: 0.5 * sum over segments of |share_this_week - share_last_week|. A week
    is stable when every dimension moved less than `mix_stability_threshold`. Weeks without a
    previous week in the export have no distance and are not stable. -#}
{%- set dimensions = ['channel', 'contact_reason', 'priority'] -%}

with

weekly as (

    select * from {{ ref('fct_support_weekly') }}

),

segment_contacts as (

    {% for dimension in dimensions -%}
        select
            week_start_date,
            '{{ dimension }}' as mix_dimension,
            coalesce({{ dimension }}, '(none)') as segment,
            sum(included_contacts) as included_contacts
        from weekly
        group by week_start_date, coalesce({{ dimension }}, '(none)')
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

week_totals as (

    select
        week_start_date,
        mix_dimension,
        sum(included_contacts) as included_contacts
    from segment_contacts
    group by week_start_date, mix_dimension

),

shares as (

    select
        segment_contacts.week_start_date,
        segment_contacts.mix_dimension,
        segment_contacts.segment,
        1.0 * segment_contacts.included_contacts / week_totals.included_contacts as contact_share
    from segment_contacts
    inner join week_totals
        on
            segment_contacts.week_start_date = week_totals.week_start_date
            and segment_contacts.mix_dimension = week_totals.mix_dimension
    where week_totals.included_contacts > 0

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
