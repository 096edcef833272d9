{#- The wave this build is for: var('wave') as 'YYYY-MM', or none for every wave. A
    malformed value stops the build with a plain message.

    `lui build` passes the wave in the environment (LUI_BUILD_WAVE) instead: a new value
    of a dbt var makes dbt re-parse the whole project (about 2 s), and every wave's build
    has a new one. The variable is read only when executing, never while parsing, so
    dbt's partial parsing does not depend on it. -#}
{% macro build_wave() -%}
    {%- set wave = var('wave', none) -%}
    {%- if (wave is none or wave == '') and execute -%}
        {%- set wave = env_var('LUI_BUILD_WAVE', '') -%}
    {%- endif -%}
    {%- if wave is none or wave == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set wave = wave | string -%}
    {#- matched whole (`$` would accept a trailing newline) and ASCII digits only: the rule
        of lui.codebook.WAVE_ID_PATTERN and the raw tables' check constraint -#}
    {%- if modules.re.fullmatch('(19|20)[0-9]{2}-(0[1-9]|1[0-2])', wave) is none -%}
        {{ exceptions.raise_compiler_error("var 'wave' (or LUI_BUILD_WAVE) must be a wave id of the form YYYY-MM, got " ~ (wave | tojson)) }}
    {%- endif -%}
    {{ return(wave) }}
{%- endmacro %}

{#- Restricts an incremental model's new rows to the wave being built. Outside an
    incremental run (first build, full refresh) or without var('wave'), every wave. -#}
{% macro wave_predicate(column='wave_id') -%}
    {%- if is_incremental() and build_wave() is not none -%}
        {{ column }} = '{{ build_wave() }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
