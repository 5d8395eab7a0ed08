{#- The contact mix, computed once for every mix and overlap rule: included contacts per ISO week,
    scope and mix dimension segment, and the segment's share of its week, scope and dimension.
    Scope is '(all)' (every contact) and each owning branch ('(none)' for contacts without one);
    mix dimensions are channel, contact_reason, priority and customer_tier, a missing value is
    the segment '(none)'. contact_share is null when the week, scope and dimension have no
    included contact. Read by int_weekly_mix_changes (baseline readiness), mix_shift_weekly
    (segment before judging) and the branch gate (reason overlap, standardised values). -#}
{%- set dimensions = ['channel', 'contact_reason', 'priority', 'customer_tier'] -%}

with

weekly as (

    select * from {{ ref('fct_support_weekly') }}

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

final as (

    select
        week_start_date,
        branch,
        mix_dimension,
        segment,
        included_contacts,
        sum(included_contacts) over (partition by week_start_date, branch, mix_dimension) as week_contacts,
        cast(included_contacts as {{ type_double() }})
        / nullif(sum(included_contacts) over (partition by week_start_date, branch, mix_dimension), 0) as contact_share
    from segment_contacts

)

select * from final
