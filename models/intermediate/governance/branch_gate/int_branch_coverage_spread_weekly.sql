{#- Check: coverage spread (the comparability gate, first seed document). Branches are ranked only
    when their numbers describe the same share of their work: each branch's coverage rate
    (included contacts / all contacts it owns in the week, fct_support_weekly) and the week's
    spread, 100 * (highest rate - lowest rate), in points. Contacts without an owning branch are
    not a branch. One row per ISO week with branch contacts. -#}
with

weekly as (

    select * from {{ ref('fct_support_weekly') }}
    where branch is not null

),

branch_coverage as (

    select
        week_start_date,
        branch,
        cast(sum(included_contacts) as {{ type_double() }}) / nullif(sum(all_contacts), 0) as coverage_rate
    from weekly
    group by week_start_date, branch

),

final as (

    select
        week_start_date,
        100.0 * (max(coverage_rate) - min(coverage_rate)) as coverage_spread_points
    from branch_coverage
    group by week_start_date

)

select * from final
