{#- Coverage of every governed metric, per ISO week and channel: the "percent of contacts
    included" the seed documents ask to show beside every KPI. A metric covers the channels its
    ledger lists (its filter says the same); in its scope are those channels and every channel
    the contract does not know (contacts that should have been counted somewhere). A channel
    outside the scope (chat for an email-only metric) is excluded by design, not a gap. -#}
with

weekly as (

    select * from {{ ref('fct_support_weekly') }}

),

contacts_by_channel as (

    select
        week_start_date,
        channel,
        sum(all_contacts) as all_contacts,
        sum(included_contacts) as included_contacts
    from weekly
    where all_contacts > 0
    group by week_start_date, channel

),

covered_channels as (

    {{ covered_channel_rows() }}

),

metrics as (

    select distinct metric_name from covered_channels

),

metric_weeks as (

    select
        metrics.metric_name,
        contacts_by_channel.week_start_date,
        contacts_by_channel.channel,
        contacts_by_channel.all_contacts,
        contacts_by_channel.included_contacts,
        covered_channels.channel is not null as is_covered_channel,
        {{ is_in_enum('contacts_by_channel.channel', 'channel') }} as is_known_channel
    from metrics
    cross join contacts_by_channel
    left join covered_channels
        on
            metrics.metric_name = covered_channels.metric_name
            and contacts_by_channel.channel = covered_channels.channel

),

final as (

    select
        metric_name,
        week_start_date,
        channel,
        is_covered_channel,
        is_known_channel,
        is_covered_channel or not is_known_channel as is_in_scope,
        cast(all_contacts as {{ dbt.type_bigint() }}) as all_contacts,
        cast(case when is_covered_channel then included_contacts else 0 end as {{ dbt.type_bigint() }}) as included_contacts,
        cast(
            case when is_covered_channel then included_contacts else 0 end as {{ type_double() }}
        ) / all_contacts as coverage_rate
    from metric_weeks

)

select * from final
