{#- The parts of the ledgers that governance models join on, as literal SQL rows built from the
    dbt graph (one place): per-metric rules, counter-metric limits and covered channels. -#}

{% macro _literal_rows(columns, rows) %}
    {%- for row in rows -%}
    select
        {% for name, data_type in columns -%}
        {{ sql_literal(row[loop.index0], data_type) }} as {{ name }}{% if not loop.last %},{% endif %}
        {% endfor %}
    {% if not loop.last %}union all{% endif %}
    {% else %}
    {{ no_rows(columns) }}
    {%- endfor -%}
{% endmacro %}

{#- metric_name, version, job, status, better, coverage_drop_pct, coverage_floor,
    min_response_rate -#}
{% macro ledger_rules_rows() %}
    {% set rows = [] %}
    {% for metric in governed_metrics() %}
        {% set ledger = metric.config.meta.get('ledger', {}) %}
        {% set stop = ledger.get('stop_the_line') or {} %}
        {% do rows.append([metric.name, ledger.get('version'), ledger.get('job'), ledger.get('status'), ledger.get('better'),
            stop.get('coverage_drop_pct'), stop.get('coverage_floor'), stop.get('min_response_rate')]) %}
    {% endfor %}
    {{ return(_literal_rows([('metric_name', 'string'), ('version', 'integer'), ('job', 'string'), ('status', 'string'),
        ('better', 'string'), ('coverage_drop_pct', 'double'), ('coverage_floor', 'double'),
        ('min_response_rate', 'double')], rows)) }}
{% endmacro %}

{#- metric_name, maturity_after, maturity_days (a var name resolved to its value),
    maturity_days_var (that var's name, null for a literal number): ledger.maturity. -#}
{% macro ledger_maturity_rows() %}
    {% set rows = [] %}
    {% for metric in governed_metrics() %}
        {% set maturity = metric.config.meta.get('ledger', {}).get('maturity') or {} %}
        {% set days = maturity.get('days') %}
        {% do rows.append([metric.name, maturity.get('after'), maturity_days(days), days if days is string else none]) %}
    {% endfor %}
    {{ return(_literal_rows([('metric_name', 'string'), ('maturity_after', 'string'),
        ('maturity_days', 'integer'), ('maturity_days_var', 'string')], rows)) }}
{% endmacro %}

{#- metric_name, history_days (ledger.maturity.history_days, a var name resolved to its value; 0
    when absent): how many days of the export before a week its number needs. -#}
{% macro ledger_history_rows() %}
    {% set rows = [] %}
    {% for metric in governed_metrics() %}
        {% set maturity = metric.config.meta.get('ledger', {}).get('maturity') or {} %}
        {% do rows.append([metric.name, maturity_days(maturity.get('history_days', 0))]) %}
    {% endfor %}
    {{ return(_literal_rows([('metric_name', 'string'), ('history_days', 'integer')], rows)) }}
{% endmacro %}

{#- metric_name, counter_metric_name, limit_value, limit_kind (max when lower is better for the
    counter-metric, min when higher is better). Counter-metrics named without a limit get none. -#}
{% macro counter_limit_rows() %}
    {% set better = {} %}
    {% for metric in governed_metrics() %}
        {% do better.update({metric.name: metric.config.meta.get('ledger', {}).get('better')}) %}
    {% endfor %}
    {% set rows = [] %}
    {% for metric in governed_metrics() %}
        {% set stop = metric.config.meta.get('ledger', {}).get('stop_the_line') or {} %}
        {% for counter, limit in (stop.get('counter_metric_limits') or {}).items() | sort %}
            {% do rows.append([metric.name, counter, limit, 'min' if better.get(counter) == 'higher' else 'max']) %}
        {% endfor %}
    {% endfor %}
    {{ return(_literal_rows([('metric_name', 'string'), ('counter_metric_name', 'string'),
        ('limit_value', 'double'), ('limit_kind', 'string')], rows)) }}
{% endmacro %}

{#- metric_name, counter_metric_name for every counter-metric a ledger names. -#}
{% macro counter_metric_rows() %}
    {% set rows = [] %}
    {% for metric in governed_metrics() %}
        {% for counter in metric.config.meta.get('ledger', {}).get('counter_metrics') or [] %}
            {% do rows.append([metric.name, counter]) %}
        {% endfor %}
    {% endfor %}
    {{ return(_literal_rows([('metric_name', 'string'), ('counter_metric_name', 'string')], rows)) }}
{% endmacro %}

{#- metric_name, channel for every channel a metric covers. -#}
{% macro covered_channel_rows() %}
    {% set rows = [] %}
    {% for metric in governed_metrics() %}
        {% for channel in metric.config.meta.get('ledger', {}).get('covered_channels') or [] %}
            {% do rows.append([metric.name, channel]) %}
        {% endfor %}
    {% endfor %}
    {{ return(_literal_rows([('metric_name', 'string'), ('channel', 'string')], rows)) }}
{% endmacro %}

{#- The channels a governed metric covers: its ledger's covered_channels, the source of truth of a
    metric's channels (validate_metric_ledgers checks its filter against them). For models that
    show a metric's number computed in their own SQL (agent_scorecard_weekly). -#}
{% macro ledger_covered_channels(metric_name) %}
    {% if not execute %}
        {{ return([]) }}
    {% endif %}
    {% for metric in governed_metrics() if metric.name == metric_name %}
        {% set channels = (metric.config.meta.get('ledger') or {}).get('covered_channels') or [] %}
        {% if channels %}
            {{ return(channels | list) }}
        {% endif %}
    {% endfor %}
    {% do exceptions.raise_compiler_error('metric ' ~ metric_name ~ ': not a governed metric with a non-empty ledger.covered_channels, so its channels are unknown') %}
{% endmacro %}
