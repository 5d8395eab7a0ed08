{#- The reasons a row fails, as one readable list: given [[flag column, reason name], ...],
    the names of the flags that are true, in the given order, joined by ', ' ('' when none is).
    metric_status_weekly writes its stop-the-line reasons with it, branch_comparison_gate its
    failed checks; `reason_list(...) = ''` is "no reason". -#}
{% macro reason_list(flags) -%}
    {%- set parts = [] -%}
    {%- for flag in flags -%}
        {%- do parts.append("case when " ~ flag[0] ~ " then '" ~ flag[1] ~ " ' else '' end") -%}
    {%- endfor -%}
    replace(trim({{ dbt.concat(parts) }}), ' ', ', ')
{%- endmacro %}
