{#- How a build is scoped to one wave: the one mechanism (docs/design.md, "Building one wave").

    `lui build --wave 2023-08` rebuilds one wave. No model filters by hand: every per-wave
    model (materialized incremental, unique_key wave_id) reads each per-wave relation (a
    model whose YAML documents a wave_id column) through `ref`, and `ref` (below, dbt's
    documented override of the builtin) hands it that relation already filtered to the
    waves the build reads: `(select * from relation where wave_id = '2023-08')` in an
    incremental run for one wave; the relation itself otherwise (first build,
    --full-refresh, a build of every wave, any model that is not incremental, a unit test).
    dbt then deletes and reinserts the rebuilt waves (incremental_strategy delete+insert,
    dbt_project.yml). The dbt Python model (int_local_eblup) gets the same filtered input
    from `dbt.ref`. tests/python/test_wave_scope.py fails when a per-wave model reads a
    per-wave relation outside the scope.

    The neighbour-wave rule, written once (wave_scope_waves): a model whose rows depend on
    the previous wave's (a change since the previous wave) says so by configuration,
    `config(wave_scope='with_previous_wave')`. It rebuilds the wave and the one after it
    (whose change depends on the rebuilt wave) and reads those and the wave before; its
    final select keeps the rebuilt waves only: `where {{ rebuilt_waves() }}`.

    Where the wave comes from, in this order:
    1. var('wave'): `dbt build --vars '{wave: 2023-08}'` by hand.
    2. The environment variable LUI_BUILD_WAVE, honoured only when var('wave_from_environment')
       is true, which only `lui build` (lui.warehouse.dbt.run_dbt) passes. A new value of a
       dbt var makes dbt re-parse the whole project (about 2 s), and every wave's build would
       have one; the marker var is the same for every wave, so it never forces a re-parse.
       A LUI_BUILD_WAVE left in a shell is ignored by a hand-run `dbt build`, which then
       builds every wave and says so (log_wave_scope).
    The variable is read only when executing, never while parsing, so dbt's partial
    parsing does not depend on it. `lui build` checks the wave before dbt starts
    (lui.warehouse.build.check_wave); a hand-run dbt with a malformed var('wave') stops with
    a plain message, on var wave_id_pattern, the one home of the wave-id rule. -#}
{% macro build_wave() -%}
    {%- set wave = var('wave', none) -%}
    {%- if (wave is none or wave == '') and execute and var('wave_from_environment', false) -%}
        {%- set wave = env_var('LUI_BUILD_WAVE', '') -%}
    {%- endif -%}
    {%- if wave is none or wave == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set wave = wave | string -%}
    {%- if modules.re.fullmatch(var('wave_id_pattern'), wave) is none -%}
        {{ exceptions.raise_compiler_error("var 'wave' (or LUI_BUILD_WAVE) must be a wave id of the form YYYY-MM, got " ~ (wave | tojson)) }}
    {%- endif -%}
    {{ return(wave) }}
{%- endmacro %}

{#- Whether the model being compiled rebuilds one wave: an incremental model, in an
    incremental run, with a wave given. A unit test has no relation of its own (this): its
    inputs are the whole scope. -#}
{% macro builds_one_wave() -%}
    {{ return(
        execute
        and build_wave() is not none
        and config.get('materialized') == 'incremental'
        and this is not none
        and is_incremental()
    ) }}
{%- endmacro %}

{#- The waves the model being compiled reads (`reads=true`) or rebuilds, or none for every
    wave. Plain per-wave model: the built wave. config wave_scope 'with_previous_wave': it
    rebuilds the wave and the next landed one, and reads those and the wave before. -#}
{% macro wave_scope_waves(reads=true) -%}
    {%- if not builds_one_wave() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set wave = build_wave() -%}
    {%- set scope = [wave] -%}
    {%- set rule = config.get('wave_scope') -%}
    {%- if rule not in (none, 'wave', 'with_previous_wave') -%}
        {{ exceptions.raise_compiler_error("config wave_scope is 'wave' (the default) or 'with_previous_wave', got " ~ (rule | tojson)) }}
    {%- endif -%}
    {%- if rule == 'with_previous_wave' -%}
        {%- set landed = landed_waves() -%}
        {%- if wave in landed -%}
            {%- set position = landed.index(wave) -%}
            {%- if position + 1 < landed | length -%}
                {%- do scope.append(landed[position + 1]) -%}
            {%- endif -%}
            {%- if reads and position > 0 -%}
                {%- do scope.append(landed[position - 1]) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(scope | sort) }}
{%- endmacro %}

{#- Every landed wave, in order: one cheap query of the landing log's staging view (found in
    the graph, so no model has to declare it). -#}
{% macro landed_waves() -%}
    {%- set log = graph.nodes['model.' ~ project_name ~ '.stg_raw__landing_log'] -%}
    {%- set relation = api.Relation.create(database=log.database, schema=log.schema, identifier=log.alias) -%}
    {{ return(run_query("select distinct wave_id from " ~ relation ~ " order by wave_id").columns[0].values() | list) }}
{%- endmacro %}

{#- `column` in the waves of `scope` (a list), as SQL. -#}
{% macro in_waves(scope, column='wave_id') -%}
    {%- if scope | length == 1 -%}
        {{ column }} = '{{ scope[0] }}'
    {%- else -%}
        {{ column }} in ('{{ scope | join("', '") }}')
    {%- endif -%}
{%- endmacro %}

{#- The filter of a with_previous_wave model's final select: its rows of the waves it
    rebuilds (`true` when it rebuilds every wave). -#}
{% macro rebuilt_waves(column='wave_id') -%}
    {%- set scope = wave_scope_waves(reads=false) -%}
    {%- if scope is none -%}
        true
    {%- else -%}
        {{ in_waves(scope, column) }}
    {%- endif -%}
{%- endmacro %}

{#- dbt's `ref`, scoped: a per-wave relation read by a model that rebuilds one wave comes
    filtered to the waves the model reads (above). Anything else is dbt's own ref. -#}
{% macro ref() -%}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {%- set scope = wave_scope_waves() if execute else none -%}
    {%- if scope is none -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ varargs[-1]) -%}
    {%- if node is none or 'wave_id' not in node.columns -%}
        {{ return(relation) }}
    {%- endif -%}
    {{ return('(select * from ' ~ relation ~ ' where ' ~ in_waves(scope) ~ ')') }}
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
