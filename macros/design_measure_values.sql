{#- Each respondent's value of every measure, in the waves of `design_waves` only (a
    relation or CTE with a wave_id column): each mission's respondent score, and each
    priority and net as 100 for a yes and 0 for any other answer to its question (the
    measures of int_measure_cell_moments, one row per respondent and measure). The design
    models (replicate sums, PSU sums) sum these under their own weights. Reads the CTEs
    `mission_scores` (wave_id, respondent_key, mission_id, mission_score), `responses`
    (wave_id, respondent_key, question_code, response_code) and `indicator_answers`
    (int_codebook__indicator_answers) of the calling model. -#}
{% macro design_measure_values(design_waves) -%}
    select
        mission_scores.wave_id,
        mission_scores.respondent_key,
        'mission' as measure_type,
        cast(mission_scores.mission_id as {{ dbt.type_string() }}) as measure_code,
        cast(mission_scores.mission_score as double) as measure_value

    from mission_scores
    inner join {{ design_waves }}
        on mission_scores.wave_id = {{ design_waves }}.wave_id

    union all

    select
        responses.wave_id,
        responses.respondent_key,
        indicator_answers.measure_type,
        indicator_answers.measure_code,
        case when indicator_answers.counts_as_yes then 100.0 else 0.0 end as measure_value

    from responses
    inner join {{ design_waves }}
        on responses.wave_id = {{ design_waves }}.wave_id
    inner join indicator_answers
        on
            responses.question_code = indicator_answers.question_code
            and responses.response_code = indicator_answers.response_code
{%- endmacro %}
