{#- The warehouse layout (DECISIONLOG.md "A warehouse layout consumers can read").

    Every folder of the project names its schema with `+schema` in dbt_project.yml: `staging`,
    `intermediate`, `config` (the seeds), `support` and `governance` (the governed marts). dbt's
    convention decides the relation's schema:

    - on a production target (its name is in the var `production_targets`, default `prod`) the
      custom schema is used as it is: `support.fct_tickets`, `governance.metric_status_weekly`;
    - on every other target (dev, CI, the embedded DuckDB of the demo) it is prefixed with the
      target's schema, so two developers or two CI runs never write over each other:
      `main_support.fct_tickets` on the default DuckDB target, `analytics_staging...`.

    A node without `+schema` lands in the target schema, as dbt does by default. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set default_schema = target.schema -%}
    {%- if custom_schema_name is none -%}
        {{ default_schema }}
    {%- elif target.name in var('production_targets', ['prod']) -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ default_schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
