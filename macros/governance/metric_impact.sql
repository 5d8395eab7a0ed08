{#- What a change of a metric affects: every node of the dbt graph that depends on it, directly
    or transitively (metrics built on it, saved queries, models, exposures), found by following
    depends_on edges until nothing new is reached. One rule, used by metric_rebaseline_notices
    and mirrored by metric_ledger.notices.metric_impact (`metric-ledger notices`); a pytest test
    compares the two on a real build. Returns {'exposures': [...], 'metrics': [...]} (metrics
    include saved queries), each sorted by name. -#}
{% macro metric_impact(metric_unique_id) %}
    {% set candidates = [] %}
    {% for section in ['nodes', 'metrics', 'saved_queries', 'semantic_models', 'exposures'] %}
        {% for node in (graph.get(section) or {}).values() %}
            {% if node.resource_type != 'test' %}{% do candidates.append(node) %}{% endif %}
        {% endfor %}
    {% endfor %}
    {% set reached = [metric_unique_id] %}
    {% set state = namespace(changed=true) %}
    {% for _ in candidates %}
        {% if state.changed %}
            {% set state.changed = false %}
            {% for node in candidates %}
                {% if node.unique_id not in reached %}
                    {% for parent in node.depends_on.nodes %}
                        {% if parent in reached and node.unique_id not in reached %}
                            {% do reached.append(node.unique_id) %}
                            {% set state.changed = true %}
                        {% endif %}
                    {% endfor %}
                {% endif %}
            {% endfor %}
        {% endif %}
    {% endfor %}
    {% set exposures = [] %}
    {% set metrics = [] %}
    {% for node in candidates %}
        {% if node.unique_id in reached and node.unique_id != metric_unique_id %}
            {% if node.resource_type == 'exposure' %}
                {% do exposures.append(node.name) %}
            {% elif node.resource_type in ['metric', 'saved_query'] %}
                {% do metrics.append(node.name) %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {{ return({'exposures': exposures | unique | sort | list, 'metrics': metrics | unique | sort | list}) }}
{% endmacro %}
