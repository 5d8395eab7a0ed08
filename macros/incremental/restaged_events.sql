{#-
    The staged events are incremental where the warehouse can delete rows (dbt_project.yml): a
    run checks again the raw rows stg_helpdesk__ticket_events_restage names, plus every row
    without a ticket id or an event id and every row of a ticket the export does not have, and
    first deletes the same rows from the staged table. Operational, never definitional: the
    filters are marked so the metric fingerprint skips them, and the
    incremental-equals-full-refresh test guards that they change no row.
-#}

{#- In stg_helpdesk__ticket_events, on an incremental run only: `rows` filters the checked rows
    (after the join to the tickets), `event_ids` the ids whose duplicates are counted (every raw
    row with such an id is counted, so the rule stays exact). Nothing on a full build. -#}
{% macro restaged_events_filter(scope) -%}
    {%- if is_incremental() %}
    {%- set restage = ref('stg_helpdesk__ticket_events_restage') %}
    {%- if scope == 'rows' %}
    /* metric_ledger:incremental-filter */ where
        typed.ticket_id is null
        or typed.event_id is null
        or tickets.ticket_id is null
        or typed.ticket_id in (select restage.ticket_id from {{ restage }} as restage where restage.ticket_id is not null)
        or typed.event_id in (select restage.event_id from {{ restage }} as restage where restage.event_id is not null)
    /* metric_ledger:end-incremental-filter */
    {%- else %}
    /* metric_ledger:incremental-filter */ and event_id in (
        select restage.event_id from {{ restage }} as restage where restage.event_id is not null
    ) /* metric_ledger:end-incremental-filter */
    {%- endif %}
    {%- endif %}
{%- endmacro %}

{#- Pre-hook of stg_helpdesk__ticket_events: drop the staged rows this run checks again (the same
    rows restaged_events_filter('rows') selects from the export). A rule change makes the run a
    full refresh instead (should_full_refresh.sql): the log says why. -#}
{% macro delete_restaged_events() %}
    {% set change = rule_fingerprint_change() %}
    {% if change is not none %}
        {{ log(model.name ~ ": rule fingerprint changed since its last build (" ~ change ~ "); checking every row", info=True) }}
    {% endif %}
    {% if is_incremental() %}
        {% set restage = ref('stg_helpdesk__ticket_events_restage') %}
        delete from {{ this }}
        where
            ticket_id is null
            or event_id is null
            or ticket_id not in (
                select tickets.ticket_id from {{ ref('stg_helpdesk__tickets') }} as tickets
                where tickets.is_primary_row and tickets.ticket_id is not null
            )
            or ticket_id in (select restage.ticket_id from {{ restage }} as restage where restage.ticket_id is not null)
            or event_id in (select restage.event_id from {{ restage }} as restage where restage.event_id is not null)
    {% endif %}
{% endmacro %}
