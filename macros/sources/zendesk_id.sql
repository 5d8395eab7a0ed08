{#- A Zendesk id (bigint) as our id (varchar). With the var `zendesk_ids` naming the table
    ([prefix, base, width]), prefix + (id - base) zero-padded to width (the generator's
    reversible ids, docs/zendesk_mapping.md); otherwise Zendesk's number as text. -#}
{% macro zendesk_id(column, table) %}
    {%- set rule = var('zendesk_ids').get(table) -%}
    {%- if rule -%}
        {%- set number = 'cast(' ~ column ~ ' - ' ~ rule[1] ~ ' as ' ~ dbt.type_string() ~ ')' -%}
        case when {{ column }} is not null then {{ dbt.concat(["'" ~ rule[0] ~ "'", 'case when length(' ~ number ~ ') >= ' ~ rule[2] ~ ' then ' ~ number ~ " else lpad(" ~ number ~ ', ' ~ rule[2] ~ ", '0') end"]) }} end
    {%- else -%}
        cast({{ column }} as {{ dbt.type_string() }})
    {%- endif -%}
{% endmacro %}

{#- Not deleted by the sync: Fivetran keeps a deleted row with `_fivetran_deleted` true. -#}
{% macro zendesk_is_live(alias='') %}
    not coalesce({{ alias ~ '.' if alias }}_fivetran_deleted, false)
{%- endmacro %}

{#- Zendesk's ticket status and priority values as the contract's (docs/zendesk_mapping.md,
    "Values"); a value not listed passes through, so staging quarantines it (unknown_status,
    unknown_priority) instead of guessing. -#}
{% macro zendesk_status(column) -%}
    case {{ column }} when 'hold' then 'on_hold' else {{ column }} end
{%- endmacro %}

{% macro zendesk_priority(column) -%}
    case {{ column }}
        when 'urgent' then 'p1' when 'high' then 'p2' when 'normal' then 'p3' when 'low' then 'p4'
        else {{ column }}
    end
{%- endmacro %}

{#- The role period of an author (zendesk__user_roles aliased `roles`) at `moment`. -#}
{% macro zendesk_role_at(user_column, moment) -%}
    roles.user_id = {{ user_column }}
    and (roles.valid_from is null or {{ moment }} >= roles.valid_from)
    and (roles.valid_to is null or {{ moment }} < roles.valid_to)
{%- endmacro %}

{#- The columns (lower-case) a synced Zendesk table has, read from the table itself at compile
    time (a query of no rows: `read_parquet(...)` on DuckDB, the table in raw_schema elsewhere),
    so a model can fall back when an optional column (an extension: docs/zendesk_mapping.md,
    "Extensions and a real sync") is absent. None while parsing and in a unit test, where every
    column is taken as present; a unit test of a fallback overrides this macro with the list. -#}
{% macro zendesk_synced_columns(table) %}
    {%- set relation = source('zendesk', table) -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set probe = run_query('select * from ' ~ relation ~ ' where 1 = 0') -%}
    {{ return(probe.column_names | map('lower') | list) }}
{% endmacro %}
