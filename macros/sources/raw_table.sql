{#- The raw relation of a ticket table of the contract (tickets, ticket_events, csat_responses)
    that the helpdesk staging reads: the helpdesk export's file, or with the var `source_system`
    = 'zendesk' the contract-shaped model of models/staging/zendesk/ (Fivetran's Zendesk tables
    mapped). agents and agent_shifts are the WFM export's files for both sources. Every contract
    check and quarantine downstream is the same for both sources (DECISIONLOG.md). -#}
{% macro raw_table(name) %}
    {% if var('source_system') == 'zendesk' %}
        {{ return(ref('zendesk__' ~ name)) }}
    {% elif var('source_system') == 'helpdesk' %}
        {{ return(source('helpdesk', name)) }}
    {% else %}
        {{ exceptions.raise_compiler_error("var source_system must be helpdesk or zendesk, got '" ~ var('source_system') ~ "'") }}
    {% endif %}
{% endmacro %}
