{#- How a build is scoped to one wave: the one mechanism (docs/design.md, "Building one wave").

    `lui build --wave 2023-08` rebuilds one wave. Every per-wave model (materialized
    incremental, unique_key wave_id) filters each per-wave relation it imports with
    `where {{ wave_scope() }}`, which renders `wave_id = '2023-08'` in an incremental run for
    one wave and `true` otherwise (first build, --full-refresh, or a build of every wave).
    dbt then deletes and reinserts that wave's rows (incremental_strategy delete+insert,
    dbt_project.yml). tests/python/test_wave_scope.py fails when a per-wave model imports a
    per-wave relation without it.

    Where the wave comes from, in this order:
    1. var('wave'): `dbt build --vars '{wave: 2023-08}'` by hand.
    2. The environment variable LUI_BUILD_WAVE, honoured only when var('wave_from_environment')
       is true, which only `lui build` (lui.warehouse.dbt.run_dbt) passes. A new value of a
       dbt var makes dbt re-parse the whole project (about 2 s), and every wave's build would
       have one; the marker var is the same for every wave, so it never forces a re-parse.
       A LUI_BUILD_WAVE left in a shell is ignored by a hand-run `dbt build`, which then
       builds every wave and says so (log_wave_scope).
    The variable is read only when executing, never while parsing, so dbt's partial
    parsing does not depend on it. A malformed wave stops the build with a plain message. -#}
{% macro build_wave() -%}
    {%- set wave = var('wave', none) -%}
    {%- if (wave is none or wave == '') and execute and var('wave_from_environment', false) -%}
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

{#- The waves an incremental run for build_wave() rebuilds or reads, or none for every
    wave. `neighbours`: none (the wave alone), 'next' (the wave and the one after it, whose
    change since the previous wave depends on it) or 'previous_and_next' (those and the
    wave before: what the change of the two needs). `waves` is a small relation with a
    wave_id column holding every landed wave (stg_raw__landing_log), needed for the
    neighbours: one cheap query when the model compiles. -#}
{% macro wave_scope_waves(neighbours=none, waves=none) -%}
    {%- set wave = build_wave() -%}
    {#- a unit test has no relation of its own (this): its inputs are the whole scope -#}
    {%- if wave is none or this is none or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set scope = [wave] -%}
    {%- if neighbours is not none and execute -%}
        {%- if neighbours not in ('next', 'previous_and_next') or waves is none -%}
            {{ exceptions.raise_compiler_error("wave_scope: neighbours is 'next' or 'previous_and_next', with waves=ref('stg_raw__landing_log')") }}
        {%- endif -%}
        {%- set landed = run_query("select distinct wave_id from " ~ waves ~ " order by wave_id").columns[0].values() | list -%}
        {%- if wave in landed -%}
            {%- set position = landed.index(wave) -%}
            {%- if position + 1 < landed | length -%}
                {%- do scope.append(landed[position + 1]) -%}
            {%- endif -%}
            {%- if neighbours == 'previous_and_next' and position > 0 -%}
                {%- do scope.append(landed[position - 1]) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(scope | sort) }}
{%- endmacro %}

{#- The filter of a per-wave import CTE: `column = 'YYYY-MM'` (or `column in (...)` with
    neighbours) in an incremental run for one wave; `true` otherwise. -#}
{% macro wave_scope(column='wave_id', neighbours=none, waves=none) -%}
    {%- set scope = wave_scope_waves(neighbours, waves) -%}
    {%- if scope is none -%}
        true
    {%- elif scope | length == 1 -%}
        {{ column }} = '{{ scope[0] }}'
    {%- else -%}
        {{ column }} in ('{{ scope | join("', '") }}')
    {%- endif -%}
{%- endmacro %}

{#- on-run-start: say loudly what this build covers, and that a stray LUI_BUILD_WAVE is
    ignored outside `lui build`. -#}
{% macro log_wave_scope() -%}
    {%- if execute -%}
        {%- set wave = build_wave() -%}
        {%- set stray = env_var('LUI_BUILD_WAVE', '') -%}
        {%- if wave is not none -%}
            {%- do log("wave scope: this build rebuilds wave " ~ wave ~ " (and the next wave's change); other waves keep their rows", info=true) -%}
        {%- else -%}
            {%- do log("wave scope: this build rebuilds every wave", info=true) -%}
        {%- endif -%}
        {%- if stray != '' and not var('wave_from_environment', false) -%}
            {%- do log("wave scope: LUI_BUILD_WAVE=" ~ stray ~ " is ignored: only `lui build --wave` scopes a build through it (by hand: dbt build --vars '{wave: " ~ stray ~ "}')", info=true) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
