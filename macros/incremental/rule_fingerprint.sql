{#-
    A rebuild never mixes definitions (governance.md §4). An incremental model recomputes only the
    tickets of the refresh set, so a rule that changed since its last build would reach only those
    tickets. Each incremental model therefore records, with every build, the fingerprint of the
    rules it materialises (`record_rule_fingerprint`, a post-hook, into the table
    `metric_ledger_build_state` beside it); a run whose fingerprint differs from the recorded one
    builds the model as a full refresh (`should_full_refresh`, below) and logs why.

    The fingerprint is computed from the dbt graph at execution time, over
      - the raw code of the model and of every ancestor model and snapshot, with the column types
        of an enforced contract (operational models, such as the refresh set, are skipped with
        their own ancestors);
      - every ancestor seed's checksum and column types;
      - the SQL of every macro these nodes call, followed through the macros they call;
      - the value of every var that this raw code and macro SQL reads (`var('name'`).
    Sources are data, not rules: not covered (their YAML renders `raw_data_path`, which changes
    with every export). Nothing here depends on the warehouse or the run: with the project
    unchanged the fingerprint is unchanged and the run stays incremental.
-#}

{#- The components of a model's rule fingerprint: {name: value}, e.g. "var reopen_window_days": "14",
    "model int_tickets_reopens": md5 of its raw code. -#}
{% macro rule_fingerprint_components(unique_id) %}
    {% set components = {} %}
    {% set seen = [unique_id] %}
    {% set pending = [unique_id] %}
    {% set macro_ids = [] %}
    {% set code = [] %}
    {#- Jinja has no while: a bounded loop over a work list. -#}
    {% for _ in range(graph.nodes | length + 1) if pending %}
        {% set node = graph.nodes.get(pending.pop()) %}
        {% if node is not none %}
            {% set is_operational = (node.config.get('meta') or {}).get('metric_ledger', {}).get('operational', false) %}
            {% if node.resource_type in ('model', 'snapshot') and not (is_operational and node.unique_id != unique_id) %}
                {% set contract_types = {} %}
                {% if (node.config.get('contract') or {}).get('enforced') %}
                    {% for column in node.columns.values() %}
                        {% do contract_types.update({column.name: column.data_type}) %}
                    {% endfor %}
                {% endif %}
                {% do components.update({node.resource_type ~ ' ' ~ node.name:
                    local_md5(node.raw_code ~ '\n' ~ tojson(contract_types, sort_keys=true))}) %}
                {% do code.append(node.raw_code) %}
                {% for macro_id in node.depends_on.macros if macro_id not in macro_ids %}
                    {% do macro_ids.append(macro_id) %}
                {% endfor %}
                {% for parent_id in node.depends_on.nodes if parent_id not in seen %}
                    {% do seen.append(parent_id) %}
                    {% do pending.append(parent_id) %}
                {% endfor %}
            {% elif node.resource_type == 'seed' %}
                {% do components.update({'seed ' ~ node.name:
                    local_md5(node.checksum.checksum ~ '\n' ~ tojson(node.config.get('column_types') or {}, sort_keys=true))}) %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {#- The macros, through the macros they call (a bounded work list again). -#}
    {% set pending = macro_ids[:] %}
    {% for _ in range(5000) if pending %}
        {% set parts = pending.pop().split('.') %}
        {% set namespace = context.get(parts[1]) if parts[1] in context else context.get('dbt') %}
        {% set macro = namespace.get(parts[2]) if namespace is mapping else none %}
        {% if macro is not none and macro.macro is defined %}
            {% do components.update({'macro ' ~ parts[1] ~ '.' ~ parts[2]: local_md5(macro.macro.macro_sql)}) %}
            {% do code.append(macro.macro.macro_sql) %}
            {% for called_id in macro.macro.depends_on.macros if called_id not in macro_ids %}
                {% do macro_ids.append(called_id) %}
                {% do pending.append(called_id) %}
            {% endfor %}
        {% else %}
            {#- Not reachable from Jinja: its name only (a change to it is not seen). -#}
            {% do components.update({'macro ' ~ parts[1] ~ '.' ~ parts[2]: 'unreachable'}) %}
        {% endif %}
    {% endfor %}
    {% for name in modules.re.findall('\\bvar\\(\\s*[\'"]([A-Za-z_]\\w*)[\'"]', code | join('\n')) | unique %}
        {% do components.update({'var ' ~ name: tojson(var(name, none), sort_keys=true)}) %}
    {% endfor %}
    {{ return(components) }}
{% endmacro %}

{#- Components as text, one `name=value` line each, sorted: what the build state stores. -#}
{% macro rule_components_text(components) %}
    {% set lines = [] %}
    {% for name in components | sort %}
        {% do lines.append(name ~ '=' ~ components[name]) %}
    {% endfor %}
    {{ return(lines | join('\n')) }}
{% endmacro %}

{#- One table per target, in its intermediate schema (plumbing, beside the incremental rules), one row
    per model (by name) and build. -#}
{% macro build_state_relation() %}
    {% set schema = generate_schema_name('intermediate', none) | trim %}
    {#- Spark's targets have no database. -#}
    {% set database = target.database if target.database is defined else none %}
    {{ return(api.Relation.create(database=database, schema=schema, identifier='metric_ledger_build_state')) }}
{% endmacro %}

{#- on-run-start: the build state table, in the intermediate schema, when the project builds an incremental
    model on this target. One statement, run once before the models, so parallel post-hooks never
    race to create it. -#}
{% macro create_build_state_table() %}
    {% if execute %}
        {% set incremental = [] %}
        {% for node in graph.nodes.values()
            if node.resource_type == 'model' and node.config.materialized == 'incremental' %}
            {% do incremental.append(node.unique_id) %}
        {% endfor %}
        {#- A command that makes no schema (`dbt source freshness` on an empty warehouse) makes no
            table. A run that builds an incremental model outside the intermediate schema (the
            staged events) without any model of that schema makes the schema first. -#}
        {% set state = build_state_relation() if incremental else none %}
        {% set builds_incremental = incremental | select('in', selected_resources) | list %}
        {% if builds_incremental and not adapter.check_schema_exists(state.database, state.schema) %}
            {% do adapter.create_schema(state) %}
        {% endif %}
        {% if incremental and adapter.check_schema_exists(state.database, state.schema) %}
            {{ adapter.dispatch('create_build_state_table_sql', 'metric_ledger')(state) }}
        {% endif %}
    {% endif %}
{% endmacro %}

{% macro default__create_build_state_table_sql(state) %}
    create table if not exists {{ state }} (
        model_name {{ dbt.type_string() }},
        rule_fingerprint {{ dbt.type_string() }},
        rule_components {{ dbt.type_string() }},
        invocation_id {{ dbt.type_string() }},
        built_at {{ dbt.type_timestamp() }}
    )
{% endmacro %}

{#- Spark: a plain Parquet table cannot take two appends at once (parallel post-hooks: the first
    job's commit removes the `_temporary` directory the other writes to). Partitioned by model and
    written by dynamic partition overwrite, each model replaces its own partition from a staging
    directory of its own; the table keeps each model's latest build, which is all a run reads. -#}
{% macro spark__create_build_state_table_sql(state) %}
    create table if not exists {{ state }} (
        rule_fingerprint string,
        rule_components string,
        invocation_id string,
        built_at timestamp,
        model_name string
    )
    using parquet
    partitioned by (model_name)
{% endmacro %}

{#- Post-hook of the incremental models: the fingerprint this build was computed with (appended:
    the table keeps one row per model and build). A build that fails records nothing. -#}
{% macro record_rule_fingerprint() %}
    {% if execute and model.resource_type == 'model' and config.get('materialized') == 'incremental' %}
        {% set text = rule_components_text(rule_fingerprint_components(model.unique_id)) %}
        {{ adapter.dispatch('record_rule_fingerprint_sql', 'metric_ledger')(build_state_relation(), {
            'model_name': "'" ~ model.name ~ "'",
            'rule_fingerprint': "'" ~ local_md5(text) ~ "'",
            'rule_components': "'" ~ text | replace("'", "''") ~ "'",
            'invocation_id': "'" ~ invocation_id ~ "'",
            'built_at': "cast('" ~ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") ~ "' as " ~ dbt.type_timestamp() ~ ")",
        }) }}
    {% endif %}
{% endmacro %}

{% macro default__record_rule_fingerprint_sql(state, values) %}
    insert into {{ state }}
        (model_name, rule_fingerprint, rule_components, invocation_id, built_at)
    values (
        {{ values.model_name }},
        {{ values.rule_fingerprint }},
        {{ values.rule_components }},
        {{ values.invocation_id }},
        {{ values.built_at }}
    )
{% endmacro %}

{#- Spark: the model's own partition, replaced (spark__create_build_state_table_sql). -#}
{% macro spark__record_rule_fingerprint_sql(state, values) %}
    {% do run_query("set spark.sql.sources.partitionOverwriteMode = DYNAMIC") %}
    insert overwrite table {{ state }} partition (model_name)
    select
        {{ values.rule_fingerprint }} as rule_fingerprint,
        {{ values.rule_components }} as rule_components,
        {{ values.invocation_id }} as invocation_id,
        {{ values.built_at }} as built_at,
        {{ values.model_name }} as model_name
{% endmacro %}

{#- Why this run must recompute every row of the model, or none: the model is incremental, its
    table exists, the run is not already a full refresh, and its rule fingerprint differs from
    the one its last build recorded (or no build recorded one). -#}
{% macro rule_fingerprint_change() %}
    {% if not execute or model is not defined or model.resource_type != 'model'
        or config.get('materialized') != 'incremental' or dbt.should_full_refresh() %}
        {{ return(none) }}
    {% endif %}
    {% if adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) is none %}
        {{ return(none) }}
    {% endif %}
    {% set state = build_state_relation() %}
    {% set previous = none %}
    {% if adapter.get_relation(database=state.database, schema=state.schema, identifier=state.identifier) is not none %}
        {% set rows = run_query(
            "select rule_fingerprint, rule_components from " ~ state
            ~ " where model_name = '" ~ model.name ~ "' and built_at = (select max(built_at) from "
            ~ state ~ " where model_name = '" ~ model.name ~ "')").rows %}
        {% set previous = rows[0] if rows | length > 0 else none %}
    {% endif %}
    {% if previous is none %}
        {{ return('no rule fingerprint recorded') }}
    {% endif %}
    {% set components = rule_fingerprint_components(model.unique_id) %}
    {% set text = rule_components_text(components) %}
    {% if local_md5(text) == previous[0] %}
        {{ return(none) }}
    {% endif %}
    {% set old = {} %}
    {% for line in (previous[1] or '').split('\n') if '=' in line %}
        {% set name_value = line.split('=', 1) %}
        {% do old.update({name_value[0]: name_value[1]}) %}
    {% endfor %}
    {% set changes = [] %}
    {% for name in components | sort %}
        {% if name not in old %}
            {% do changes.append(name ~ ' added') %}
        {% elif old[name] != components[name] %}
            {% do changes.append(name ~ (': ' ~ old[name] ~ ' -> ' ~ components[name] if name.startswith('var ') else ' changed')) %}
        {% endif %}
    {% endfor %}
    {% for name in old | sort if name not in components %}
        {% do changes.append(name ~ ' removed') %}
    {% endfor %}
    {% set shown = changes[:5] | join('; ') ~ ('; and ' ~ (changes | length - 5) ~ ' more' if changes | length > 5 else '') %}
    {{ return(shown or 'fingerprint ' ~ previous[0] ~ ' -> ' ~ local_md5(text)) }}
{% endmacro %}
