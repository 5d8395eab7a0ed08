{#- The configuration seed a build reads: `name` itself (the user's: context_log,
    decision_records, empty as shipped) or, when the var use_demo_configuration is true (`make
    demo`), the demo's own copy `demo_<name>` in seeds/demo/. Only the int_ models of the
    configuration tables call it; every reader refs those models, never the seeds. Both seeds are
    always built: the var only chooses which one the models read. -#}
{% macro configuration_ref(name) %}
    {%- if var('use_demo_configuration', false) | string | lower in ['true', '1', 'yes'] -%}
        {{ return(ref('demo_' ~ name)) }}
    {%- endif -%}
    {{ return(ref(name)) }}
{% endmacro %}
