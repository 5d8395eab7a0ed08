{#- Every row of the model is a finding (use with severity warn for "should be empty"). -#}
{% test is_empty(model) %}

select * from {{ model }}

{% endtest %}
