{#-
    The contract's type names (varchar, integer, double precision: what DuckDB and PostgreSQL
    take, and what the YAML contracts and seed column types say) in Spark's spelling. Used by the
    Spark overrides of dbt's cast (which builds the contract's empty-schema query) and of the seed
    loaders, so the YAML stays one set of types for every engine.
-#}
{% macro spark_type(type_name) -%}
    {%- set spelled = type_name | trim | lower -%}
    {%- set renames = {
        'varchar': 'string',
        'text': 'string',
        'character varying': 'string',
        'double precision': 'double',
        'float8': 'double',
        'integer': 'int',
    } -%}
    {{- return(renames.get(spelled, type_name)) -}}
{%- endmacro %}

{#- dbt's cast on Spark, with the contract's type names translated. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}

{#- Seed column types from the YAML, translated, then dbt-spark's own seed macros. -#}
{% macro spark_seed_model(model) %}
    {% set translated = {} %}
    {% for column, type_name in model['config'].get('column_types', {}).items() %}
        {% do translated.update({column: spark_type(type_name)}) %}
    {% endfor %}
    {% do model['config'].update({'column_types': translated}) %}
    {{ return(model) }}
{% endmacro %}

{% macro spark__create_csv_table(model, agate_table) %}
    {{ return(dbt.spark__create_csv_table(spark_seed_model(model), agate_table)) }}
{% endmacro %}

{#- Seed rows on Spark as inline literals: dbt-spark's session method binds values by pasting them
    between quotes, which turns a missing value into the text 'None' and breaks on an apostrophe. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {% set column_types = spark_seed_model(model)['config'].get('column_types', {}) %}
    {% set statements = [] %}
    {% for chunk in agate_table.rows | batch(get_batch_size()) %}
        {% set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type_name = column_types.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    cast({{ spark_literal(row[loop.index0]) }} as {{ type_name }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {% endset %}
        {% do adapter.add_query(sql, abridge_sql_log=True) %}
        {% if loop.first %}
            {% do statements.append(sql) %}
        {% endif %}
    {% endfor %}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{#- A Python value of a seed row as a Spark SQL literal. -#}
{% macro spark_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ (value | string).replace("\\", "\\\\").replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
