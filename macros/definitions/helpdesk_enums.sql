{#- The closed enumerations of the source contract. One place; staging checks rows against them. -#}
{% macro helpdesk_enum(name) %}
    {% set enums = {
        'channel': ['email', 'web_form', 'chat', 'phone', 'social', 'api'],
        'priority': ['p1', 'p2', 'p3', 'p4'],
        'customer_tier': ['enterprise', 'mid_market', 'smb', 'free'],
        'event_type': ['message', 'status_change', 'queue_change', 'priority_change', 'escalation'],
        'author_type': ['customer', 'agent', 'system', 'bot'],
        'status': ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'],
        'open_status': ['new', 'open', 'pending', 'on_hold'],
        'agent_role': ['agent', 'lead'],
    } %}
    {{ return(enums[name]) }}
{% endmacro %}

{#- `column in ('a', 'b')`, false (never null) when the column is null. -#}
{% macro is_in_enum(column, name) -%}
    coalesce({{ column }} in ({% for value in helpdesk_enum(name) %}'{{ value }}'{% if not loop.last %}, {% endif %}{% endfor %}), false)
{%- endmacro %}

{#- An open identifier or label: any non-empty value is valid. -#}
{% macro is_present(column) -%}
    coalesce(trim({{ column }}) <> '', false)
{%- endmacro %}
