{#- Check: contact-reason overlap (the comparability gate, first seed document). Two branches
    handle comparable work in a week when their contact-reason mixes overlap: the sum over
    reasons of min(share in branch a, share in branch b), 1 for identical mixes, 0 for disjoint
    ones. The week's overlap is the smallest of every pair of branches; a contact without a
    reason ('(none)') counts in its branch's total but overlaps nothing. Contacts without an
    owning branch are not a branch. One row per ISO week with at least two branches. -#}
with

reason_shares as (

    select
        week_start_date,
        branch,
        segment as contact_reason,
        contact_share as reason_share
    from {{ ref('int_weekly_segment_contacts') }}
    where
        mix_dimension = 'contact_reason'
        and branch not in ('(all)', '(none)')
        and week_contacts > 0

),

reason_overlaps as (

    select
        first_branch.week_start_date,
        first_branch.branch as branch_a,
        second_branch.branch as branch_b,
        sum(
            case
                when first_branch.reason_share < second_branch.reason_share then first_branch.reason_share
                else second_branch.reason_share
            end
        ) as reason_overlap
    from reason_shares as first_branch
    inner join reason_shares as second_branch
        on
            first_branch.week_start_date = second_branch.week_start_date
            and first_branch.contact_reason = second_branch.contact_reason
            and first_branch.branch < second_branch.branch
    where first_branch.contact_reason <> '(none)'
    group by first_branch.week_start_date, first_branch.branch, second_branch.branch

),

final as (

    select
        week_start_date,
        min(reason_overlap) as min_reason_overlap
    from reason_overlaps
    group by week_start_date

)

select * from final
