{#- Pairs of rows with the same key (compared case-insensitively) whose wave ranges
    overlap: in some wave the key would mean two things. Blank first_wave / last_wave
    mean "from the first wave" / "to the last wave". -#}
{% test one_per_wave(model, key_columns, first_wave_column='first_wave', last_wave_column='last_wave') %}

with keyed as (

    select
        {% for column in key_columns -%}
            lower(cast({{ column }} as {{ dbt.type_string() }})) as key_{{ loop.index }},
        {% endfor -%}
        coalesce(nullif({{ first_wave_column }}, ''), '0000-00') as first_wave,
        coalesce(nullif({{ last_wave_column }}, ''), '9999-99') as last_wave,
        row_number() over () as row_id
    from {{ model }}

)

select
    {% for column in key_columns -%}
        earlier.key_{{ loop.index }} as {{ column }},
    {% endfor -%}
    earlier.first_wave,
    earlier.last_wave,
    later.first_wave as other_first_wave,
    later.last_wave as other_last_wave
from keyed as earlier
inner join keyed as later
    on
        earlier.row_id < later.row_id
        {% for column in key_columns -%}
            and earlier.key_{{ loop.index }} = later.key_{{ loop.index }}
        {% endfor -%}
        and earlier.first_wave <= later.last_wave
        and later.first_wave <= earlier.last_wave

{% endtest %}
