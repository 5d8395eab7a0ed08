{#- Rule: paused. A metric whose ledger status is pause_and_fix is not usable in any week until
    its ledger says otherwise: the number stays visible, no one steers by it. One row per
    governed metric and ISO week (int_metric_weeks). -#}
with

metric_weeks as (

    select * from {{ ref('int_metric_weeks') }}

),

final as (

    select
        metric_name,
        week_start_date,
        coalesce(status = 'pause_and_fix', false) as is_paused
    from metric_weeks

)

select * from final
