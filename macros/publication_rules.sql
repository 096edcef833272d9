{#- Rules every mart applies the same way when it publishes an estimate. -#}

{#- A weighted or effective base as published: rounded to var('base_decimals') places,
    so that exact sums of weights rounded in the wave file (4161.999998) read as the
    figure they stand for (4162.0). A weighted base is rounded in its wave's base_scale
    (int_wave_weight_units: the power of ten nearest the mean weight, 1 for weights with a
    mean near 1), so weights delivered at 1e-6 or grossed to millions keep their digits;
    an effective base is a count of respondents, rounded as it is. Estimates and SEs are
    computed from the unrounded bases; only the published base is rounded. -#}
{% macro published_base(expression, scale=none) -%}
    {%- set value = 'cast(' ~ expression ~ ' as double)' if scale is none
        else 'cast(' ~ expression ~ ' as double) / ' ~ scale -%}
    {%- set rounded = rounded_to_places(value, var('base_decimals')) -%}
    {{ rounded if scale is none else rounded ~ ' * ' ~ scale }}
{%- endmacro %}

{#- A double rounded to `places` decimals on its binary value, half away from zero, the same
    on every engine: round(x * 10^places) / 10^places. DuckDB's round(x, places) is exactly
    that; Spark's rounds the double's shortest decimal text instead, so a sum of 273.085
    (binary 273.08499999999998) published 273.08 on DuckDB and 273.09 on Spark. -#}
{% macro rounded_to_places(expression, places) -%}
    {%- set factor = 10 ** (places | int) -%}
    (round(({{ expression }}) * {{ factor }}) / {{ factor }})
{%- endmacro %}

{#- Whether a group's unweighted base is a low base (below var('low_base_threshold')): its
    estimate is published with a caution. -#}
{% macro is_low_base(unweighted_base) -%}
    {{ unweighted_base }} < {{ var('low_base_threshold') }}
{%- endmacro %}

{#- Whether a group's unweighted base is too small to publish an estimate (below
    var('suppression_threshold')): only its bases are published. -#}
{% macro is_suppressed(unweighted_base) -%}
    {{ unweighted_base }} < {{ var('suppression_threshold') }}
{%- endmacro %}

{#- The published 95% interval of an estimate with its SE, estimate +/- z_critical x SE, as
    the two columns ci_low and ci_high. -#}
{% macro confidence_interval(estimate, standard_error) -%}
    {{ estimate }} - {{ var('z_critical') }} * {{ standard_error }} as ci_low,
    {{ estimate }} + {{ var('z_critical') }} * {{ standard_error }} as ci_high
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

{#- The body of a mart's `with_previous` CTE: every row of `published` (a CTE with wave_id,
    the `keys` and the `columns`) with its wave's previous_wave_id (from `waves`, a CTE
    selecting int_waves) and, as previous_<column>, the same key's `columns` in that
    previous wave (null where it has none): what change_vs_previous and change_significant
    are computed from. -#}
{% macro with_previous_wave(published, waves, keys, columns) -%}
    select
        cur.*,
        {{ waves }}.previous_wave_id,
        {%- for column in columns %}
        prev.{{ column }} as previous_{{ column }}{{ "," if not loop.last }}
        {%- endfor %}

    from {{ published }} as cur
    inner join {{ waves }}
        on cur.wave_id = {{ waves }}.wave_id
    left join {{ published }} as prev
        on
            {{ waves }}.previous_wave_id = prev.wave_id
            {%- for key in keys %}
            and cur.{{ key }} = prev.{{ key }}
            {%- endfor %}
{%- endmacro %}
