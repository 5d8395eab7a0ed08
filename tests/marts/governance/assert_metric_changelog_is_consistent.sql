{#- The changelog is the approval record: versions of a metric run 1, 2, 3 ... without gaps (a refactor row repeats the version it
    re-seals), the
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
        change_type,
        approved_by,
        dense_rank() over (partition by metric_name order by version) as expected_version
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

refactors_without_version as (

    -- a refactor re-seals an approved version with new fingerprints: that version must exist
    select
        numbered.metric_name,
        numbered.version,
        'refactor of version ' || cast(numbered.version as {{ dbt.type_string() }}) || ' has no approved version to re-seal' as problem
    from numbered
    where
        numbered.change_type = 'refactor'
        and not exists (
            select 1
            from numbered as approvals
            where
                approvals.metric_name = numbered.metric_name
                and approvals.version = numbered.version
                and approvals.change_type <> 'refactor'
        )

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
    select * from refactors_without_version
    union all
    select * from unlisted_approvers
    union all
    select * from unapproved_versions

)

select * from final
