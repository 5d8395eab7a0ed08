{#- Segmented weekly facts: one row per week x channel x queue x priority x region x
    customer_tier x contact_reason x branch, with additive numerators and denominators only
    (counts and sums), so any roll-up is exact. Each measure is dated by the event its metric is
    about: contacts by created week, reopens and repeat contacts by first-solved week, resolution
    by resolved week, survey response rate by sent week, CSAT by responded week. Rates count
    included tickets only; all_contacts counts every ticket (the coverage denominator).
    Percentiles are not additive: they are answered from fct_tickets by the semantic layer. -#}
{%- set segments = ['channel', 'queue', 'priority', 'region', 'customer_tier', 'contact_reason', 'branch'] -%}
{%- set bases = {
    'created': {
        'source': 'tickets',
        'week': 'created_week',
        'where': 'true',
        'measures': [
            ('all_contacts', '1'),
            ('included_contacts', 'case when is_included then 1 else 0 end'),
            ('quarantined_contacts', 'case when is_quarantined then 1 else 0 end'),
            ('internal_contacts', 'case when is_internal_requester then 1 else 0 end'),
            ('merged_contacts', 'case when merged_into_ticket_id is not null then 1 else 0 end'),
            ('outbound_contacts', 'case when is_included and is_outbound then 1 else 0 end'),
            ('first_responded_contacts', 'case when is_included and first_response_minutes is not null then 1 else 0 end'),
            ('first_response_minutes_sum', 'case when is_included then coalesce(first_response_minutes, 0.0) else 0.0 end'),
            ('first_response_business_minutes_sum', 'case when is_included then coalesce(first_response_business_minutes, 0.0) else 0.0 end'),
            ('first_meaningful_responded_contacts', 'case when is_included and first_meaningful_response_minutes is not null then 1 else 0 end'),
            ('first_meaningful_response_minutes_sum', 'case when is_included then coalesce(first_meaningful_response_minutes, 0.0) else 0.0 end'),
            ('escalated_contacts', 'case when is_included and is_escalated then 1 else 0 end'),
            ('transferred_contacts', 'case when is_included and is_transferred then 1 else 0 end'),
        ],
    },
    'first_solved': {
        'source': 'tickets',
        'week': 'first_solved_week',
        'where': 'is_included and first_solved_at is not null',
        'measures': [
            ('first_solved_tickets', '1'),
            ('reopened_tickets', 'case when is_reopened then 1 else 0 end'),
            ('repeat_contact_tickets', 'case when is_repeat_contact then 1 else 0 end'),
        ],
    },
    'resolved': {
        'source': 'tickets',
        'week': 'resolved_week',
        'where': 'is_included and resolved_at is not null',
        'measures': [
            ('resolved_tickets', '1'),
            ('one_touch_tickets', 'case when is_one_touch then 1 else 0 end'),
            ('resolution_minutes_sum', 'resolution_minutes'),
            ('pending_minutes_sum', 'pending_minutes'),
        ],
    },
    'survey_sent': {
        'source': 'surveys',
        'week': 'sent_week',
        'where': 'is_included',
        'measures': [
            ('surveys_sent', '1'),
            ('surveys_answered', 'case when is_answered then 1 else 0 end'),
        ],
    },
    'survey_responded': {
        'source': 'surveys',
        'week': 'responded_week',
        'where': 'is_included and is_answered',
        'measures': [
            ('survey_responses', '1'),
            ('satisfied_responses', 'case when rating >= 4 then 1 else 0 end'),
        ],
    },
} -%}
{%- set basis_order = ['created', 'first_solved', 'resolved', 'survey_sent', 'survey_responded'] -%}
{%- set all_measures = [] -%}
{%- for basis in basis_order -%}
    {%- for measure in bases[basis]['measures'] -%}
        {%- do all_measures.append(measure[0]) -%}
    {%- endfor -%}
{%- endfor -%}

with

tickets as (

    select * from {{ ref('fct_tickets') }}

),

valid_surveys as (

    select * from {{ ref('stg_helpdesk__csat_responses') }}
    where quarantine_reason is null

),

surveys as (

    select
        valid_surveys.survey_id,
        {{ week_start('valid_surveys.sent_at') }} as sent_week,
        {{ week_start('valid_surveys.responded_at') }} as responded_week,
        valid_surveys.is_answered,
        valid_surveys.rating,
        {% for segment in segments %}tickets.{{ segment }},
        {% endfor %}tickets.is_included
    from valid_surveys
    inner join tickets
        on valid_surveys.ticket_id = tickets.ticket_id

),

contributions as (

    {% for basis in basis_order %}
        {%- set spec = bases[basis] -%}
        {%- set own = {} -%}
        {%- for measure in spec['measures'] -%}{%- do own.update({measure[0]: measure[1]}) -%}{%- endfor %}
        select
            {{ spec['week'] }} as week_start_date,
            {% for segment in segments %}{{ segment }},
            {% endfor -%}
            {% for measure in all_measures -%}
                {{ own.get(measure, '0') }} as {{ measure }}{% if not loop.last %},{% endif %}
            {% endfor %}
        from {{ spec['source'] }}
        where {{ spec['where'] }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

aggregated as (

    select
        week_start_date,
        {% for segment in segments %}{{ segment }},
        {% endfor -%}
        {% for measure in all_measures -%}
            sum({{ measure }}) as {{ measure }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from contributions
    group by
        week_start_date,
        {{ segments | join(',\n        ') }}

),

final as (

    select
        week_start_date,
        {% for segment in segments %}{{ segment }},
        {% endfor -%}
        {% for measure in all_measures -%}
            {%- if measure.endswith('_sum') -%}
                cast({{ measure }} as {{ type_double() }}) as {{ measure }}
            {%- else -%}
                cast({{ measure }} as {{ dbt.type_bigint() }}) as {{ measure }}
            {%- endif %}{% if not loop.last %},{% endif %}
        {% endfor %}
    from aggregated

)

select * from final
