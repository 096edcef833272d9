{#- Rows whose breakdown is neither 'all' nor one of var('breakdowns') nor a cross-breakdown
    of cross_breakdown_pairs() (var cross_breakdowns in dbt_project.yml, the one home of the breakdowns;
    lui.contract reads it). Nulls pass: pair with not_null. -#}
{% test reported_breakdown(model, column_name) %}

select {{ column_name }} as breakdown
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        'all'
        {%- for breakdown in var('breakdowns') %}, '{{ breakdown }}'{% endfor %}
        {%- for pair in cross_breakdown_pairs() %}, '{{ cross_breakdown_name(pair) }}'{% endfor %}
    )

{% endtest %}
