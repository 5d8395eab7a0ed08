{#- The segment-level half of "segment before judging": per ISO week, scope ('(all)' and each
    branch), mix dimension and segment, the segment's share of the week's included contacts and
    its pooled share of the four weeks before (int_weekly_segment_contacts), the change and its
    z-score against the trailing share (change / sqrt(p * (1 - p) / n), n the week's contacts),
    how many trailing weeks had contacts, and the segment's rank by |z| within its week, scope
    and dimension (ties: larger change, then segment name). mix_shift_weekly judges the
    dimension from these rows. -#}
with

segment_contacts as (

    select
        week_start_date,
        branch,
        mix_dimension,
        segment,
        included_contacts
    from {{ ref('int_weekly_segment_contacts') }}

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
        cast(paired.this_week_contacts as {{ type_double() }}) / totals.this_week_total as this_week_share,
        cast(paired.trailing_contacts as {{ type_double() }}) / totals.trailing_total as trailing_share
    from paired
    inner join totals
        on
            paired.week_start_date = totals.week_start_date
            and paired.branch = totals.branch
            and paired.mix_dimension = totals.mix_dimension
    where totals.this_week_total > 0 and totals.trailing_total > 0

),

final as (

    select
        shares.*,
        history.trailing_weeks,
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
    left join history
        on
            shares.week_start_date = history.week_start_date
            and shares.branch = history.branch
            and shares.mix_dimension = history.mix_dimension

)

select * from final
