{#-
    Incremental runs recompute whole tickets. `int_tickets_refresh_set` decides which tickets a run
    recomputes; each incremental model reads only their rows (`ticket_refresh_filter`) and first
    deletes their old rows (`delete_refreshed_tickets`, a pre-hook), so a ticket whose rows
    disappeared (a late duplicate quarantined them) is not left behind. Which rows are recomputed
    is operational, never definitional: the filter is marked so the metric fingerprint skips it,
    and the incremental-equals-full-refresh test guards that it changes no value.

    Spark's plain Parquet tables cannot delete rows. There (dbt_project.yml) the incremental
    models are partitioned by their ticket's created week (`created_week`) and use dbt-spark's
    `insert_overwrite` strategy: a run overwrites the weeks its new rows fall in (dynamic partition
    overwrite). The refresh set then holds every ticket of a week it touches
    (`ticket_refresh_by_week`), so each rewritten week is whole.
-#}

{#- True when the incremental models rewrite whole created-week partitions (incremental_strategy
    insert_overwrite) instead of deleting and appending tickets. -#}
{% macro ticket_refresh_by_week() %}
    {% if execute %}
        {% for node in graph.nodes.values()
            if node.resource_type == 'model' and node.config.materialized == 'incremental'
            and node.config.incremental_strategy == 'insert_overwrite' %}
            {{ return(true) }}
        {% endfor %}
    {% endif %}
    {{ return(false) }}
{% endmacro %}

{#- True when the model `model_name` of this project builds incrementally on this target (its
    materialization may depend on the target: dbt_project.yml). -#}
{% macro is_incremental_model(model_name) %}
    {% if execute %}
        {% for node in graph.nodes.values() if node.resource_type == 'model' and node.name == model_name %}
            {{ return(node.config.materialized == 'incremental') }}
        {% endfor %}
    {% endif %}
    {{ return(false) }}
{% endmacro %}

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
    {% if is_incremental() and config.get('incremental_strategy') == 'insert_overwrite' %}
        {{ drop_refreshed_weeks() }}
    {% elif is_incremental() %}
        delete from {{ this }}
        where ticket_id in (select refresh_set.ticket_id from {{ ref('int_tickets_refresh_set') }} as refresh_set)
    {% endif %}
{% endmacro %}

{#- The pre-hook on a table partitioned by created week (insert_overwrite): drop the weeks that hold
    rows of the refresh set. insert_overwrite replaces the weeks its new rows fall in; a week whose
    recomputed tickets all have no row any more (a late duplicate quarantined the only rated
    survey of a week) has none, and would keep its old rows. Whole weeks: the refresh set holds
    every ticket of them. -#}
{% macro drop_refreshed_weeks() %}
    {% set weeks = run_query(
        "select distinct created_week from " ~ this ~ " where ticket_id in (select ticket_id from "
        ~ ref('int_tickets_refresh_set') ~ ")").columns[0].values() %}
    {% set partitions = [] %}
    {% for week in weeks %}
        {% do partitions.append("partition (created_week = " ~ ("null" if week is none else "date '" ~ week ~ "'") ~ ")") %}
    {% endfor %}
    {% if partitions %}
        alter table {{ this }} drop if exists {{ partitions | join(', ') }}
    {% endif %}
{% endmacro %}
