{#- A value as a typed SQL literal (strings quoted and escaped; lists and mappings as JSON text;
    none as a typed null). -#}
{% macro sql_literal(value, data_type='string') -%}
    {%- if value is none -%}
        cast(null as {{ ledger_sql_type(data_type) }})
    {%- elif data_type == 'json' -%}
        cast('{{ tojson(value) | replace("'", "''") }}' as {{ dbt.type_string() }})
    {%- elif data_type == 'string' -%}
        cast('{{ value | string | replace("'", "''") }}' as {{ dbt.type_string() }})
    {%- else -%}
        cast({{ value }} as {{ ledger_sql_type(data_type) }})
    {%- endif -%}
{%- endmacro %}

{% macro ledger_sql_type(data_type) -%}
    {%- if data_type == 'integer' -%}{{ dbt.type_int() }}
    {%- elif data_type == 'double' -%}{{ type_double() }}
    {%- elif data_type == 'boolean' -%}{{ dbt.type_boolean() }}
    {%- elif data_type == 'date' -%}date
    {%- else -%}{{ dbt.type_string() }}
    {%- endif -%}
{%- endmacro %}

{#- A relation with the given typed columns and no row: what a model built from the graph (one
    select per governed metric) is when there is nothing to select, so its columns and types stay
    the same. columns: [[name, type], ...], types as sql_literal's (string, integer, double,
    boolean, date). -#}
{% macro no_rows(columns) -%}
    select
        {% for name, data_type in columns -%}
        {{ sql_literal(none, data_type) }} as {{ name }}{% if not loop.last %},{% endif %}
        {% endfor %}
    where 1 = 0
{%- endmacro %}
