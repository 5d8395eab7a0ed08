{#- Overrides dbt's `should_full_refresh` (the root project's macro comes first wherever dbt calls it:
    `is_incremental()` and the incremental materialization). Besides --full-refresh and the
    `full_refresh` config, an incremental model whose rule fingerprint changed since its last build
    is built as a full refresh: a new table from the full-build SQL, so every row, column and type
    is that of a build from scratch (macros/incremental/rule_fingerprint.sql). -#}
{% macro should_full_refresh() %}
    {% set full_refresh = dbt.should_full_refresh() %}
    {% if not full_refresh and rule_fingerprint_change() is not none %}
        {{ return(true) }}
    {% endif %}
    {{ return(full_refresh) }}
{% endmacro %}
