{#- Rule: a ticket's channel is its `via_channel` through the seed zendesk_channels, which only
    names channels (native_messaging is messaging); the contract decides which are admitted, so
    staging quarantines a channel it does not list (messaging) as unknown_channel, as for the
    helpdesk export. A via_channel without a row keeps its raw value and is quarantined too:
    never guessed. -#}
with

tickets as (

    select
        id as ticket_id,
        via_channel
    from {{ source('zendesk', 'ticket') }}
    where {{ zendesk_is_live() }}

),

channels as (

    select
        via_channel,
        channel
    from {{ ref('zendesk_channels') }}

),

final as (

    select
        tickets.ticket_id,
        tickets.via_channel,
        coalesce(channels.channel, tickets.via_channel) as channel
    from tickets
    left join channels
        on tickets.via_channel = channels.via_channel

)

select * from final
