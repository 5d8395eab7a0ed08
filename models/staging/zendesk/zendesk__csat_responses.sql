{#- Rule: one satisfaction_rating is one survey. Sent when offered (`created_at`); answered
    (`responded_at` = `updated_at`) once its score is no longer `offered`. The rating is the 1-5
    `csat_rating` (extension): Zendesk's own score is only good/bad, so a sync without the
    extension has no rating and staging counts its surveys as unanswered. -#}
with

ratings as (

    select *
    from {{ source('zendesk', 'satisfaction_rating') }}

),

final as (

    select
        {{ zendesk_id('id', 'satisfaction_rating') }} as survey_id,
        {{ zendesk_id('ticket_id', 'ticket') }} as ticket_id,
        created_at as sent_at,
        case when score <> 'offered' then updated_at end as responded_at,
        csat_rating as rating
    from ratings

)

select * from final
