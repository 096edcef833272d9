{#- Whether a wave's questionnaire carries a question: the wave lies in the question's
    first_wave..last_wave (seeds/codebook/questions.csv; an empty bound is open). Wave
    ids are YYYY-MM text, so they compare in time order on every engine. -#}
{% macro asked_in_wave(wave_column, first_wave_column, last_wave_column) -%}
    ({{ first_wave_column }} is null or {{ wave_column }} >= {{ first_wave_column }})
    and ({{ last_wave_column }} is null or {{ wave_column }} <= {{ last_wave_column }})
{%- endmacro %}
