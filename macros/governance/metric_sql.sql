{#-
    Compiles a governed metric of the semantic layer into warehouse SQL, so governance models
    (status, counter-metric pairing, branch comparisons) read metric values computed from the very
    definitions MetricFlow answers from: the same measures, aggregations, filters and aggregation
    time dimensions, taken from the dbt graph. Supported: simple metrics over one semantic model
    (count, sum, average, min, max, median, percentile, non-additive measures) and ratios of
    two such metrics; filters on dimensions of the measure's own semantic model.

    metric_values_sql(metric_name, dimensions) returns a select of
        week_start_date, <dimensions...>, numerator_value, denominator_value, metric_value
    (numerator and denominator are null for non-ratio metrics). A ratio whose numerator has no
    row in a week or segment (coverage_rate of a channel with no included contact) is null, not
    0: MetricFlow's answer. python/tests/test_metric_sql_matches_metricflow.py compares this
    macro and the models built from it with `mf query`.
-#}

{% macro _semantic_measure(measure_name) %}
    {% for semantic_model in graph.semantic_models.values() %}
        {% for measure in semantic_model.measures %}
            {% if measure.name == measure_name %}
                {{ return({'semantic_model': semantic_model, 'measure': measure}) }}
            {% endif %}
        {% endfor %}
    {% endfor %}
    {% do exceptions.raise_compiler_error('metric_sql: measure ' ~ measure_name ~ ' is not defined in any semantic model') %}
{% endmacro %}

{% macro _metric_node(metric_name) %}
    {% for metric in graph.metrics.values() %}
        {% if metric.name == metric_name %}{{ return(metric) }}{% endif %}
    {% endfor %}
    {% do exceptions.raise_compiler_error('metric_sql: metric ' ~ metric_name ~ ' is not defined') %}
{% endmacro %}

{% macro _dimension_expr(semantic_model, name) %}
    {% for dimension in semantic_model.dimensions %}
        {% if dimension.name == name %}{{ return(dimension.expr or dimension.name) }}{% endif %}
    {% endfor %}
    {% do exceptions.raise_compiler_error('metric_sql: ' ~ semantic_model.name ~ ' has no dimension ' ~ name) %}
{% endmacro %}

{#- The metric's where clause, with Dimension('entity__name') templates resolved to the columns of
    the semantic model. -#}
{% macro _metric_where(metrics, semantic_model) %}
    {% set clauses = [] %}
    {% for metric in metrics %}
        {% if metric.filter %}
            {% for where in metric.filter.where_filters %}
                {% set resolved = namespace(template=where.where_sql_template) %}
                {% for reference in modules.re.findall("\{\{\s*Dimension\(\s*'([A-Za-z0-9_]+)'\s*\)\s*\}\}", resolved.template) %}
                    {% set name = reference.split('__')[-1] %}
                    {% set resolved.template = resolved.template | replace("{{ Dimension('" ~ reference ~ "') }}", '(' ~ _dimension_expr(semantic_model, name) ~ ')') %}
                {% endfor %}
                {% if '{{' in resolved.template %}
                    {% do exceptions.raise_compiler_error('metric_sql: unsupported filter in ' ~ metric.name ~ ': ' ~ where.where_sql_template) %}
                {% endif %}
                {% do clauses.append('(' ~ resolved.template ~ ')') %}
            {% endfor %}
        {% endif %}
    {% endfor %}
    {{ return(clauses | join(' and ') if clauses else 'true') }}
{% endmacro %}

{% macro _aggregate(measure) %}
    {% set expr = measure_expression(measure.expr or measure.name) %}
    {% if measure.agg == 'count' %}{{ return('count(' ~ expr ~ ')') }}
    {% elif measure.agg == 'count_distinct' %}{{ return('count(distinct ' ~ expr ~ ')') }}
    {% elif measure.agg == 'sum' %}{{ return('sum(' ~ expr ~ ')') }}
    {% elif measure.agg == 'sum_boolean' %}{{ return('sum(case when ' ~ expr ~ ' then 1 else 0 end)') }}
    {% elif measure.agg == 'average' %}{{ return('avg(' ~ expr ~ ')') }}
    {% elif measure.agg in ['min', 'max'] %}{{ return(measure.agg ~ '(' ~ expr ~ ')') }}
    {% elif measure.agg == 'median' %}{{ return(percentile_cont(expr, 0.5)) }}
    {% elif measure.agg == 'percentile' %}{{ return(percentile_cont(expr, measure.agg_params.percentile)) }}
    {% endif %}
    {% do exceptions.raise_compiler_error('metric_sql: aggregation ' ~ measure.agg ~ ' of ' ~ measure.name ~ ' is not supported') %}
{% endmacro %}

{#- select week_start_date, <dimensions>, value for one simple metric (plus the filters of the
    metrics wrapping it). -#}
{% macro _simple_metric_sql(metric, dimensions, outer_metrics=[]) %}
    {% set found = _semantic_measure(metric.type_params.measure.name) %}
    {% set semantic_model = found.semantic_model %}
    {% set measure = found.measure %}
    {% set relation = semantic_model.node_relation.relation_name %}
    {% set time_dimension = measure.agg_time_dimension or semantic_model.defaults.agg_time_dimension %}
    {% set time_column = _dimension_expr(semantic_model, time_dimension) %}
    {% set where = _metric_where([metric] + outer_metrics, semantic_model) %}
    {% set group_columns = [] %}
    {% for dimension in dimensions %}{% do group_columns.append(_dimension_expr(semantic_model, dimension) ~ ' as ' ~ dimension) %}{% endfor %}
    {% set sql %}
        select
            {{ week_start(time_column) }} as week_start_date,
            {% for column in group_columns %}{{ column }},
            {% endfor %}{{ _aggregate(measure) }} as measure_value
        from {{ relation }} as measure_source
        {% if measure.non_additive_dimension %}
        inner join (
            select
                {{ week_start(measure.non_additive_dimension.name) }} as window_week,
                {{ measure.non_additive_dimension.window_choice }}({{ measure.non_additive_dimension.name }}) as window_value
            from {{ relation }}
            group by {{ week_start(measure.non_additive_dimension.name) }}
        ) as non_additive_window
            on measure_source.{{ measure.non_additive_dimension.name }} = non_additive_window.window_value
        {% endif %}
        where {{ where }} and {{ time_column }} is not null
        group by {{ week_start(time_column) }}{% for dimension in dimensions %}, {{ _dimension_expr(semantic_model, dimension) }}{% endfor %}
    {% endset %}
    {{ return(sql) }}
{% endmacro %}

{% macro metric_values_sql(metric_name, dimensions=[]) %}
    {% set metric = _metric_node(metric_name) %}
    {% if metric.type == 'simple' %}
        {% set sql %}
            select
                week_start_date,
                {% for dimension in dimensions %}{{ dimension }},
                {% endfor %}cast(null as {{ type_double() }}) as numerator_value,
                cast(null as {{ type_double() }}) as denominator_value,
                cast(measure_value as {{ type_double() }}) as metric_value
            from ({{ _simple_metric_sql(metric, dimensions) }}) as simple_metric
        {% endset %}
        {{ return(sql) }}
    {% elif metric.type == 'ratio' %}
        {% set numerator = _metric_node(metric.type_params.numerator.name) %}
        {% set denominator = _metric_node(metric.type_params.denominator.name) %}
        {% set keys = ['week_start_date'] + dimensions %}
        {% set sql %}
            select
                {% for key in keys %}coalesce(numerator.{{ key }}, denominator.{{ key }}) as {{ key }},
                {% endfor %}cast(numerator.measure_value as {{ type_double() }}) as numerator_value,
                cast(denominator.measure_value as {{ type_double() }}) as denominator_value,
                cast(numerator.measure_value as {{ type_double() }})
                / nullif(cast(denominator.measure_value as {{ type_double() }}), 0) as metric_value
            from ({{ _simple_metric_sql(numerator, dimensions, [metric]) }}) as numerator
            full outer join ({{ _simple_metric_sql(denominator, dimensions, [metric]) }}) as denominator
                on {% for key in keys %}{% if not loop.first %} and {% endif %}coalesce(cast(numerator.{{ key }} as {{ dbt.type_string() }}), '~') = coalesce(cast(denominator.{{ key }} as {{ dbt.type_string() }}), '~'){% endfor %}
        {% endset %}
        {{ return(sql) }}
    {% endif %}
    {% do exceptions.raise_compiler_error('metric_sql: metric type ' ~ metric.type ~ ' of ' ~ metric_name ~ ' is not supported') %}
{% endmacro %}

{#- Of `dimensions`, those every semantic model the metric reads (through its input measures)
    defines: a metric can be segmented by a dimension only when each of its measures can. -#}
{% macro metric_segment_dimensions(metric, dimensions) %}
    {% set applicable = [] %}
    {% for dimension in dimensions %}
        {% set state = namespace(applies=true) %}
        {% for measure_name in metric.type_params.input_measures | map(attribute='name') %}
            {% set semantic_model = _semantic_measure(measure_name).semantic_model %}
            {% if dimension not in semantic_model.dimensions | map(attribute='name') | list %}
                {% set state.applies = false %}
            {% endif %}
        {% endfor %}
        {% if state.applies %}{% do applicable.append(dimension) %}{% endif %}
    {% endfor %}
    {{ return(applicable) }}
{% endmacro %}
