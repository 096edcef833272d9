{#- Rows whose value lies outside [min_value, max_value] (bounds optional; exclusive when
    inclusive=false). Nulls pass: pair with not_null where a value is required. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

with validation as (

    select {{ column_name }} as tested_value
    from {{ model }}
    where {{ column_name }} is not null

)

select tested_value
from validation
where
    false
    {%- if min_value is not none %}
        or tested_value {{ '<' if inclusive else '<=' }} {{ min_value }}
    {%- endif %}
    {%- if max_value is not none %}
        or tested_value {{ '>' if inclusive else '>=' }} {{ max_value }}
    {%- endif %}

{% endtest %}
