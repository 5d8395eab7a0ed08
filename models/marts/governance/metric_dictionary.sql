{#- The versioned metric dictionary: one row per governed metric, built at compile time from the
    dbt graph (the metric's definition and its Assumption Ledger in config.meta.ledger) and joined
    to its latest approval in the metric_changelog seed, so warehouse consumers read definitions
    next to the numbers. The ledger is validated first (validate_metric_ledgers): an invalid
    ledger stops the build naming the metric and field.
    It is built after the numbers (the depends_on below): when a build stops half-way, the
    dictionary is skipped with them and never claims a version whose values are not in the
    warehouse; metric_usability_weekly compares the versions at query time besides. -#}
-- depends_on: {{ ref('metric_values_weekly') }}
-- depends_on: {{ ref('metric_status_weekly') }}
{{ validate_metric_ledgers() }}
{%- set metrics = governed_metrics() -%}
{%- set columns = [
    ('metric_name', 'string'), ('label', 'string'), ('description', 'string'),
    ('metric_type', 'string'), ('metric_filter', 'string'), ('type_params', 'json'),
    ('input_metrics', 'json'), ('input_measures', 'json'), ('semantic_models', 'json'),
    ('source_models', 'json'), ('version', 'integer'), ('owner', 'string'), ('approvers', 'json'),
    ('job', 'string'), ('status', 'string'), ('decision', 'json'), ('decision_statement', 'string'),
    ('blast_radius', 'json'), ('definition', 'string'), ('coverage', 'string'),
    ('covered_channels', 'json'), ('comparability', 'string'), ('automation_limits', 'string'),
    ('known_biases', 'string'), ('monitoring_signals', 'string'), ('change_triggers', 'string'),
    ('counter_metrics', 'json'), ('counter_metric_count', 'integer'), ('stop_the_line', 'json'),
    ('coverage_floor', 'double'), ('coverage_drop_pct', 'double'),
    ('is_published_for_target', 'boolean'),
] -%}

with

ledger_rows as (

    {% for metric in metrics -%}
    {%- set ledger = metric.config.meta.get('ledger', {}) -%}
    {%- set lineage = metric_lineage(metric) -%}
    {%- set stop_the_line = ledger.get('stop_the_line') or {} -%}
    {%- set type_params = {} -%}
    {%- for key in ['measure', 'numerator', 'denominator', 'expr', 'window', 'grain_to_date'] -%}
        {%- if metric.type_params.get(key) -%}{%- do type_params.update({key: metric.type_params.get(key)}) -%}{%- endif -%}
    {%- endfor -%}
    {%- set values = {
        'metric_name': metric.name,
        'label': metric.label,
        'description': metric.description,
        'metric_type': metric.type,
        'metric_filter': (metric.filter.where_filters | map(attribute='where_sql_template') | join(' and ')) if metric.filter else none,
        'type_params': type_params,
        'input_metrics': lineage.input_metrics,
        'input_measures': lineage.input_measures,
        'semantic_models': lineage.semantic_models,
        'source_models': lineage.models,
        'version': ledger.get('version'),
        'owner': ledger.get('owner'),
        'approvers': ledger.get('approvers', []),
        'job': ledger.get('job'),
        'status': ledger.get('status'),
        'decision': ledger.get('decision'),
        'decision_statement': decision_statement(metric.name, ledger.get('decision')),
        'blast_radius': ledger.get('blast_radius', []),
        'definition': ledger.get('definition'),
        'coverage': ledger.get('coverage'),
        'covered_channels': ledger.get('covered_channels', []),
        'comparability': ledger.get('comparability'),
        'automation_limits': ledger.get('automation_limits'),
        'known_biases': ledger.get('known_biases'),
        'monitoring_signals': ledger.get('monitoring_signals'),
        'change_triggers': ledger.get('change_triggers'),
        'counter_metrics': ledger.get('counter_metrics', []) or [],
        'counter_metric_count': (ledger.get('counter_metrics', []) or []) | length,
        'stop_the_line': stop_the_line,
        'coverage_floor': stop_the_line.get('coverage_floor'),
        'coverage_drop_pct': stop_the_line.get('coverage_drop_pct'),
        'is_published_for_target': ledger.get('job') == 'target' and ledger.get('status') != 'pause_and_fix',
    } -%}
    select
        {% for column, data_type in columns -%}
        {{ sql_literal(values[column], data_type) }} as {{ column }}{% if not loop.last %},{% endif %}
        {% endfor %}
    {% if not loop.last %}union all{% endif %}
    {% else %}
    {{ no_rows(columns) }}
    {%- endfor %}

),

changelog as (

    select * from {{ ref('metric_changelog') }}

),

latest_approvals as (

    select
        metric_name,
        version,
        effective_date,
        approved_by,
        approved_at,
        definition_fingerprint,
        governance_fingerprint,
        row_number() over (
            partition by metric_name order by version desc, approved_at desc
        ) as version_rank
    from changelog

),

final as (

    select
        ledger_rows.*,
        latest_approvals.version as approved_version,
        latest_approvals.effective_date as approved_effective_date,
        latest_approvals.approved_by,
        latest_approvals.approved_at,
        latest_approvals.definition_fingerprint as approved_definition_fingerprint,
        latest_approvals.governance_fingerprint as approved_governance_fingerprint
    from ledger_rows
    left join latest_approvals
        on
            ledger_rows.metric_name = latest_approvals.metric_name
            and latest_approvals.version_rank = 1

)

select * from final
