{#- The changelog is the approval record: versions of a metric run 1, 2, 3 ... without gaps, the
    latest version equals the ledger's version, and every approver is one of the metric's
    approvers (read from the ledger in the dbt graph). One row per problem. -#}
{%- set approvers = [] -%}
{%- for metric in governed_metrics() -%}
    {%- for approver in metric.config.meta.get('ledger', {}).get('approvers', []) or [] -%}
        {%- do approvers.append((metric.name, approver)) -%}
    {%- endfor -%}
{%- endfor -%}

with

changelog as (

    select * from {{ ref('metric_changelog') }}

),

dictionary as (

    select * from {{ ref('metric_dictionary') }}

),

allowed_approvers as (

    {% for metric_name, approver in approvers -%}
    select
        {{ sql_literal(metric_name) }} as metric_name,
        {{ sql_literal(approver) }} as approver
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as metric_name,
        cast(null as {{ dbt.type_string() }}) as approver
    where 1 = 0
    {%- endfor %}

),

numbered as (

    select
        metric_name,
        version,
        approved_by,
        row_number() over (partition by metric_name order by version) as expected_version
    from changelog

),

gaps as (

    select
        metric_name,
        version,
        'version ' || cast(version as {{ dbt.type_string() }}) || ' should be ' || cast(expected_version as {{ dbt.type_string() }}) as problem
    from numbered
    where version <> expected_version

),

unlisted_approvers as (

    select
        numbered.metric_name,
        numbered.version,
        'approved_by ' || numbered.approved_by || ' is not one of the metric''s approvers' as problem
    from numbered
    left join allowed_approvers
        on
            numbered.metric_name = allowed_approvers.metric_name
            and numbered.approved_by = allowed_approvers.approver
    where allowed_approvers.approver is null

),

unapproved_versions as (

    select
        dictionary.metric_name,
        dictionary.version,
        'ledger version ' || cast(dictionary.version as {{ dbt.type_string() }}) || ' has no changelog row' as problem
    from dictionary
    where dictionary.approved_version is null or dictionary.approved_version <> dictionary.version

),

final as (

    select * from gaps
    union all
    select * from unlisted_approvers
    union all
    select * from unapproved_versions

)

select * from final
