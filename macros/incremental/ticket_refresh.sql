{#-
    Incremental runs recompute whole tickets. `int_tickets_refresh_set` decides which tickets a run
    recomputes; each incremental model reads only their rows (`ticket_refresh_filter`) and first
    deletes their old rows (`delete_refreshed_tickets`, a pre-hook), so a ticket whose rows
    disappeared (a late duplicate quarantined them) is not left behind. Which rows are recomputed
    is operational, never definitional: the filter is marked so the metric fingerprint skips it,
    and the incremental-equals-full-refresh test guards that it changes no value.
-#}

{#- The previous build of a model of this project, in the schema the model builds into (the
    warehouse layout puts models in several schemas), or none (first run or --full-refresh). -#}
{% macro previous_build_of(model_name) %}
    {% if not execute or flags.FULL_REFRESH %}
        {{ return(none) }}
    {% endif %}
    {% set nodes = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', model_name) | list %}
    {% if nodes | length != 1 %}
        {{ exceptions.raise_compiler_error("previous_build_of: no single model named " ~ model_name) }}
    {% endif %}
    {% set node = nodes[0] %}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{% endmacro %}

{#- `and|where <column> in (the refresh set)` when the model builds incrementally; nothing on a
    full build, so the full-build SQL is the plain definition. -#}
{% macro ticket_refresh_filter(column='ticket_id', keyword='where') -%}
    {%- if is_incremental() %}
    /* metric_ledger:incremental-filter */ {{ keyword }} {{ column }} in (
        select refresh_set.ticket_id from {{ ref('int_tickets_refresh_set') }} as refresh_set
    ) /* metric_ledger:end-incremental-filter */
    {%- endif %}
{%- endmacro %}

{#- Pre-hook of the incremental models: drop the rows of the tickets this run recomputes. A model
    whose rule fingerprint changed is built as a full refresh instead (should_full_refresh.sql):
    the log says why. -#}
{% macro delete_refreshed_tickets() %}
    {% set change = rule_fingerprint_change() %}
    {% if change is not none %}
        {{ log(model.name ~ ": rule fingerprint changed since its last build (" ~ change ~ "); recomputing every ticket", info=True) }}
    {% endif %}
    {% if is_incremental() %}
        delete from {{ this }}
        where ticket_id in (select refresh_set.ticket_id from {{ ref('int_tickets_refresh_set') }} as refresh_set)
    {% endif %}
{% endmacro %}
