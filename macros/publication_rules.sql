{#- Rules every mart applies the same way when it publishes an estimate. -#}

{#- A weighted or effective base as published: rounded to var('base_decimals') places,
    so that exact sums of weights rounded in the wave file (4161.999998) read as the
    figure they stand for (4162.0). Estimates and SEs are computed from the unrounded
    bases; only the published base is rounded. -#}
{% macro published_base(expression) -%}
    round(cast({{ expression }} as double), {{ var('base_decimals') }})
{%- endmacro %}

{#- 'above' / 'below' when a group differs significantly from the rest of the sample;
    null when not significant, for the UK and when the group is suppressed. -#}
{% macro vs_rest_flag(z, suppressed) -%}
    case
        when {{ suppressed }} then null
        when {{ z }} > {{ var('z_critical') }} then 'above'
        when {{ z }} < -{{ var('z_critical') }} then 'below'
    end
{%- endmacro %}

{#- Whether a change between two estimates with their SEs is significant (|z| > z_critical);
    null without both estimates. -#}
{% macro change_significant(estimate, standard_error, previous_estimate, previous_standard_error) -%}
    abs({{ z_of_difference(estimate, standard_error, previous_estimate, previous_standard_error) }})
    > {{ var('z_critical') }}
{%- endmacro %}

{#- Condition on `waves`.wave_id (`waves` a CTE of the model selecting int_waves)
    keeping the waves a build of a mart with a change since the previous wave refreshes:
    the wave built and the next one, whose change depends on it; every wave outside an
    incremental wave build. -#}
{% macro wave_and_next_in_scope(waves) -%}
    {%- if is_incremental() and build_wave() is not none -%}
        {{ waves }}.wave_id = '{{ build_wave() }}'
        or {{ waves }}.wave_id = (
            select min(later.wave_id) from {{ waves }} as later
            where later.wave_id > '{{ build_wave() }}'
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
