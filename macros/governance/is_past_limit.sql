{#- Whether a value is past a limit: above it when the limit is a `max`, below it when it is a
    `min`; equal to the limit is not past it, and a missing value is not past anything (false).
    One rule for every limit the governance layer judges: a counter-metric's
    stop_the_line.counter_metric_limits (int_metric_weeks_counter_breaches) and a decision
    record's guardrails (decision_record_reviews). -#}
{% macro is_past_limit(value, limit_kind, limit_value) -%}
    coalesce(
        case
            when {{ limit_kind }} = 'max' then {{ value }} > {{ limit_value }}
            when {{ limit_kind }} = 'min' then {{ value }} < {{ limit_value }}
        end,
        false
    )
{%- endmacro %}
