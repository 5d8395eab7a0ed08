{#-
    on-run-start: before anything reads the raw export, check every source table of the contract
    and report every problem of the export in one run, one line each, naming the file (or table)
    and the column:
      - errors (the build stops before any model runs): a missing file or table, a missing
        contract column, a column of an incompatible type, a `tickets` table without rows;
      - warnings (the build goes on): columns the contract does not know (one line per file),
        an empty table other than `tickets` (what it leaves without data), and an absent column
        the source marks optional (`meta.optional`: what the staging does without it).
    Runs for `build` and `run` only, so parsing, compiling and unit tests never need raw data.
    Each adapter only inspects (raw_contract_inspection); the verdict is shared.
-#}
{% macro check_raw_contract() %}
    {% if execute and flags.WHICH in ['build', 'run'] %}
        {% do adapter.dispatch('check_raw_contract', 'metric_ledger')() %}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{#- The tables a build reads: the helpdesk source's, or with the var source_system = 'zendesk'
    Fivetran's Zendesk tables (source zendesk) and the WFM-side agents and agent_shifts. -#}
{% macro raw_contract_tables() %}
    {% set zendesk = var('source_system', 'helpdesk') == 'zendesk' %}
    {% set tables = [] %}
    {% for node in graph.sources.values() %}
        {% if node.package_name == project_name and (
            (node.source_name == 'helpdesk' and (not zendesk or node.name in ['agents', 'agent_shifts']))
            or (zendesk and node.source_name == 'zendesk')) %}
            {% do tables.append(node) %}
        {% endif %}
    {% endfor %}
    {{ return(tables | sort(attribute='name')) }}
{% endmacro %}

{#- How a line names a table: "source contract table tickets", "Zendesk table ticket". -#}
{% macro raw_contract_table_label(node) %}
    {{ return(('Zendesk table ' if node.source_name == 'zendesk' else 'source contract table ') ~ node.name) }}
{% endmacro %}

{#- What an empty table means. A table listed here may be empty (the build warns); any other
    contract table must have rows (DECISIONLOG.md, "Empty tables and contract errors"). -#}
{% macro raw_contract_empty_table_effects() %}
    {{ return({
        'ticket_events': 'no ticket has a reply or a status change (every ticket stays new): first response and resolution metrics will have no data',
        'csat_responses': 'CSAT metrics will have no data',
        'agents': 'agent shifts have no branch, team or region: per-branch staffing metrics will have no data',
        'agent_shifts': 'schedule adherence and contacts per agent hour will have no data',
        'ticket_comment': 'no ticket has a reply: first response metrics will have no data',
        'satisfaction_rating': 'CSAT metrics will have no data',
        'macro': 'no message has a macro_id',
        'audit_log': 'an author with no agent role today is an agent only by the email domains of the var zendesk_agent_email_domains',
    }) }}
{% endmacro %}

{#- Which physical types satisfy each contract type. A column of nulls only (type NULL) fits any. -#}
{% macro raw_type_is_compatible(contract_type, actual_type) %}
    {% set actual = actual_type | upper %}
    {% set families = {
        'varchar': ['VARCHAR', 'STRING', 'TEXT', 'CHARACTER VARYING'],
        'timestamp': ['TIMESTAMP', 'TIMESTAMP_NS', 'TIMESTAMP_MS', 'TIMESTAMP_S', 'TIMESTAMP WITHOUT TIME ZONE', 'DATETIME'],
        'boolean': ['BOOLEAN', 'BOOL'],
        'integer': ['TINYINT', 'SMALLINT', 'INTEGER', 'INT', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'],
        'bigint': ['TINYINT', 'SMALLINT', 'INTEGER', 'INT', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'],
        'date': ['DATE'],
    } %}
    {{ return(actual in ['NULL', '"NULL"'] or actual in families.get(contract_type | lower, [contract_type | upper])) }}
{% endmacro %}

{#- One inspection per contract table: where (the file or table named in every line), found,
    columns ({lower-case name: physical type}) and has_rows. -#}
{% macro raw_contract_inspection(where, found, columns={}, has_rows=false) %}
    {{ return({'where': where, 'found': found, 'columns': columns, 'has_rows': has_rows}) }}
{% endmacro %}

{#- Tables in raw_schema; `files`: each is a view over the file of raw_data_path (Spark), so
    the lines name the file. -#}
{% macro default__check_raw_contract(files=false) %}
    {% set inspections = {} %}
    {% for node in raw_contract_tables() %}
        {% if files %}
            {% set where = 'raw file ' ~ var('raw_data_path') ~ '/' ~ node.name ~ '.parquet' %}
        {% else %}
            {% set where = 'raw table ' ~ node.schema ~ '.' ~ node.identifier %}
        {% endif %}
        {% set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.identifier) %}
        {% if relation is none %}
            {% do inspections.update({node.name: raw_contract_inspection(where, false)}) %}
        {% else %}
            {% set columns = {} %}
            {% for column in adapter.get_columns_in_relation(relation) %}
                {% do columns.update({column.name | lower: column.data_type}) %}
            {% endfor %}
            {% set probe = run_query('select count(*) as has_rows from (select 1 as one from ' ~ relation ~ ' limit 1) as probe') %}
            {% do inspections.update({node.name: raw_contract_inspection(where, true, columns, probe.columns[0].values()[0] > 0)}) %}
        {% endif %}
    {% endfor %}
    {% do report_raw_contract(inspections, files) %}
{% endmacro %}

{% macro duckdb__check_raw_contract() %}
    {% set inspections = {} %}
    {% for node in raw_contract_tables() %}
        {% set path = var('raw_data_path') ~ '/' ~ node.name ~ '.parquet' %}
        {% set where = 'raw file ' ~ path %}
        {% set literal = "'" ~ (path | replace("'", "''")) ~ "'" %}
        {% set found = run_query('select count(*) from glob(' ~ literal ~ ')').columns[0].values()[0] > 0 %}
        {% if not found %}
            {% do inspections.update({node.name: raw_contract_inspection(where, false)}) %}
        {% else %}
            {% set columns = {} %}
            {% for row in run_query('describe select * from read_parquet(' ~ literal ~ ')') %}
                {% do columns.update({row[0] | lower: row[1]}) %}
            {% endfor %}
            {% set probe = run_query('select count(*) from (select 1 from read_parquet(' ~ literal ~ ') limit 1)') %}
            {% do inspections.update({node.name: raw_contract_inspection(where, true, columns, probe.columns[0].values()[0] > 0)}) %}
        {% endif %}
    {% endfor %}
    {% do report_raw_contract(inspections, true) %}
{% endmacro %}

{#- The verdict on every table: warnings first (logged, the build goes on), then every error in
    one message (the build stops before any model runs). -#}
{% macro report_raw_contract(inspections, files) %}
    {% set problems = [] %}
    {% set warnings = [] %}
    {% set optional = raw_contract_empty_table_effects() %}
    {% for node in raw_contract_tables() %}
        {% set seen = inspections[node.name] %}
        {% if not seen.found %}
            {% if files %}
                {% do problems.append(seen.where ~ ': file not found (' ~ raw_contract_table_label(node) ~ '; set the var raw_data_path to the export directory)') %}
            {% else %}
                {% do problems.append(seen.where ~ ': not found (' ~ raw_contract_table_label(node) ~ '; set the var raw_schema to the schema of the export)') %}
            {% endif %}
        {% else %}
            {% set contract = [] %}
            {% for column in node.columns.values() %}
                {% set name = column.name | lower %}
                {% do contract.append(name) %}
                {% set fallback = (column.get('meta') or {}).get('optional') %}
                {% if name not in seen.columns and fallback %}
                    {% do warnings.append(seen.where ~ ': optional column ' ~ name ~ ' is absent; ' ~ fallback) %}
                {% elif name not in seen.columns %}
                    {% do problems.append(seen.where ~ ': column ' ~ name ~ ' is missing (contract type ' ~ column.data_type ~ ')') %}
                {% elif not raw_type_is_compatible(column.data_type, seen.columns[name]) %}
                    {% do problems.append(seen.where ~ ': column ' ~ name ~ ' has type ' ~ seen.columns[name] ~ ', the contract says ' ~ column.data_type) %}
                {% endif %}
            {% endfor %}
            {% set extra = [] %}
            {% for name in seen.columns %}
                {% if name not in contract %}
                    {% do extra.append(name) %}
                {% endif %}
            {% endfor %}
            {#- A Fivetran sync has many more columns than the mapping reads: no warning for them. -#}
            {% if extra and node.source_name != 'zendesk' %}
                {% do warnings.append(seen.where ~ ': extra column' ~ ('s ' if extra | length > 1 else ' ') ~ (extra | join(', ')) ~ ' not in the source contract (ignored)') %}
            {% endif %}
            {% if not seen.has_rows and node.name in optional %}
                {% do warnings.append(seen.where ~ ': no rows; ' ~ optional[node.name]) %}
            {% elif not seen.has_rows and node.name == 'tickets' %}
                {% do problems.append(seen.where ~ ': no rows; the export needs at least one ticket') %}
            {% elif not seen.has_rows %}
                {% do problems.append(seen.where ~ ': no rows; the source contract requires rows in ' ~ node.name) %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {% for line in warnings %}
        {% do exceptions.warn('[WARNING]: ' ~ line) %}
    {% endfor %}
    {% if problems %}
        {% do exceptions.raise_compiler_error('The raw export breaks the source contract (' ~ problems | length ~ ' problem' ~ ('s' if problems | length > 1 else '') ~ '; no model ran):\n  ' ~ (problems | join('\n  '))) %}
    {% endif %}
{% endmacro %}

{#- Spark reads the export where DuckDB does: the Parquet files in raw_data_path, registered as
    views in raw_schema before the check (var spark_raw_views: false reads tables already loaded
    into raw_schema instead). Timestamps are read as session-zone (UTC) timestamps. A file that
    is not in raw_data_path gets no view, so the shared check names it with the others. -#}
{% macro spark__check_raw_contract() %}
    {% if var('spark_raw_views') %}
        {% do run_query('create database if not exists ' ~ var('raw_schema')) %}
        {% set present = [] %}
        {% for row in run_query('select path from binaryFile.`' ~ var('raw_data_path') ~ '`') %}
            {% do present.append(row[0].split('/')[-1]) %}
        {% endfor %}
        {% for node in raw_contract_tables() %}
            {% set path = var('raw_data_path') ~ '/' ~ node.name ~ '.parquet' %}
            {% if node.name ~ '.parquet' in present %}
                {% do run_query('create or replace view ' ~ var('raw_schema') ~ '.' ~ node.identifier
                    ~ ' as select * from parquet.`' ~ path ~ '`') %}
            {% else %}
                {% do run_query('drop view if exists ' ~ var('raw_schema') ~ '.' ~ node.identifier) %}
            {% endif %}
        {% endfor %}
    {% endif %}
    {% do default__check_raw_contract(files=var('spark_raw_views')) %}
{% endmacro %}
