{#-
    on-run-start: before anything reads the raw export, check that every source table of the
    contract exists and has every contract column with a compatible type. Stops the run with one
    line per problem, naming the file (or table) and the column. Runs for `build` and `run` only,
    so parsing, compiling and unit tests never need raw data.
-#}
{% macro check_raw_contract() %}
    {% if execute and flags.WHICH in ['build', 'run'] %}
        {% do adapter.dispatch('check_raw_contract', 'metric_ledger')() %}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{% macro raw_contract_tables() %}
    {% set tables = [] %}
    {% for node in graph.sources.values() %}
        {% if node.package_name == project_name and node.source_name == 'helpdesk' %}
            {% do tables.append(node) %}
        {% endif %}
    {% endfor %}
    {{ return(tables | sort(attribute='name')) }}
{% endmacro %}

{#- Which physical types satisfy each contract type. A column of nulls only (type NULL) fits any. -#}
{% macro raw_type_is_compatible(contract_type, actual_type) %}
    {% set actual = actual_type | upper %}
    {% set families = {
        'varchar': ['VARCHAR', 'STRING', 'TEXT', 'CHARACTER VARYING'],
        'timestamp': ['TIMESTAMP', 'TIMESTAMP_NS', 'TIMESTAMP_MS', 'TIMESTAMP_S', 'TIMESTAMP WITHOUT TIME ZONE', 'DATETIME'],
        'boolean': ['BOOLEAN', 'BOOL'],
        'integer': ['TINYINT', 'SMALLINT', 'INTEGER', 'INT', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'],
        'date': ['DATE'],
    } %}
    {{ return(actual in ['NULL', '"NULL"'] or actual in families.get(contract_type | lower, [contract_type | upper])) }}
{% endmacro %}

{% macro default__check_raw_contract() %}
    {% set problems = [] %}
    {% for node in raw_contract_tables() %}
        {% set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.identifier) %}
        {% if relation is none %}
            {% do problems.append('raw table ' ~ node.schema ~ '.' ~ node.identifier ~ ': not found') %}
        {% else %}
            {% set actual = {} %}
            {% for column in adapter.get_columns_in_relation(relation) %}
                {% do actual.update({column.name | lower: column.data_type}) %}
            {% endfor %}
            {% do problems.extend(raw_contract_column_problems(node, actual, 'raw table ' ~ node.schema ~ '.' ~ node.identifier)) %}
        {% endif %}
    {% endfor %}
    {% do raise_raw_contract_problems(problems) %}
{% endmacro %}

{% macro duckdb__check_raw_contract() %}
    {% set problems = [] %}
    {% for node in raw_contract_tables() %}
        {% set path = var('raw_data_path') ~ '/' ~ node.name ~ '.parquet' %}
        {% set found = run_query("select count(*) from glob('" ~ path ~ "')").columns[0].values()[0] %}
        {% if found == 0 %}
            {% do problems.append('raw file ' ~ path ~ ': file not found (source contract table ' ~ node.name ~ '; set the var raw_data_path to the export directory)') %}
        {% else %}
            {% set actual = {} %}
            {% for row in run_query("describe select * from read_parquet('" ~ path ~ "')") %}
                {% do actual.update({row[0] | lower: row[1]}) %}
            {% endfor %}
            {% do problems.extend(raw_contract_column_problems(node, actual, 'raw file ' ~ path)) %}
        {% endif %}
    {% endfor %}
    {% do raise_raw_contract_problems(problems) %}
{% endmacro %}

{% macro raw_contract_column_problems(node, actual, where) %}
    {% set problems = [] %}
    {% for column in node.columns.values() %}
        {% set name = column.name | lower %}
        {% if name not in actual %}
            {% do problems.append(where ~ ': column ' ~ name ~ ' is missing (contract type ' ~ column.data_type ~ ')') %}
        {% elif not raw_type_is_compatible(column.data_type, actual[name]) %}
            {% do problems.append(where ~ ': column ' ~ name ~ ' has type ' ~ actual[name] ~ ', the contract says ' ~ column.data_type) %}
        {% endif %}
    {% endfor %}
    {{ return(problems) }}
{% endmacro %}

{% macro raise_raw_contract_problems(problems) %}
    {% if problems %}
        {% do exceptions.raise_compiler_error('The raw export breaks the source contract:\n  ' ~ (problems | join('\n  '))) %}
    {% endif %}
{% endmacro %}

{#- Spark reads the export where DuckDB does: the Parquet files in raw_data_path, registered as
    views in raw_schema before the check (var spark_raw_views: false reads tables already loaded
    into raw_schema instead). Timestamps are read as session-zone (UTC) timestamps. -#}
{% macro spark__check_raw_contract() %}
    {% if var('spark_raw_views') %}
        {% do run_query('create database if not exists ' ~ var('raw_schema')) %}
        {% for node in raw_contract_tables() %}
            {% set path = var('raw_data_path') ~ '/' ~ node.name ~ '.parquet' %}
            {% do run_query('create or replace view ' ~ var('raw_schema') ~ '.' ~ node.identifier
                ~ ' as select * from parquet.`' ~ path ~ '`') %}
        {% endfor %}
    {% endif %}
    {% do default__check_raw_contract() %}
{% endmacro %}
