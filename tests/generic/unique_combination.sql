{#- Rows whose combination of `columns` is not unique. -#}
{% test unique_combination(model, columns) %}

with

grouped as (

    select
        {{ columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ columns | join(', ') }}

)

select * from grouped
where row_count > 1

{% endtest %}
