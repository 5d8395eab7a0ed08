{#- Rule: one satisfaction_rating is one survey. Sent when offered (`created_at`); answered
    (`responded_at` = `updated_at`) once its score is no longer `offered`. The rating is the 1-5
    `csat_rating` (extension). A sync without it (Zendesk's own score is only good/bad) rates a
    `good` answer 5 and a `bad` one 1, the ends of the scale (DECISIONLOG.md, "Optional Zendesk
    extension columns"): satisfied answers (rating >= 4), answered surveys and the CSAT metrics
    are exactly Zendesk's satisfaction score; a rating is then no 1-5 measurement. -#}
{%- set synced = zendesk_synced_columns('satisfaction_rating') %}
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
        {%- if synced is none or 'csat_rating' in synced %}
        csat_rating as rating
        {%- else %}
        cast(case score when 'good' then 5 when 'bad' then 1 end as {{ dbt.type_int() }}) as rating
        {%- endif %}
    from ratings

)

select * from final
