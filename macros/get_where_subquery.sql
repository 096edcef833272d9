{#- A wave's build tests only the wave it rebuilt (the other waves passed when they were
    built): a data test whose config has meta `wave_scoped: true` (dbt_project.yml sets it
    for staging and intermediate) and whose tested relation has a wave_id column checks
    the rows of build_wave() only (macros/wave_scope.sql). A relation without waves (the
    codebook lookups) is tested whole, with nothing to opt out of. A build of every wave
    tests everything. Any `where` config works as in dbt, and is combined with the scope.
    This is dbt's documented hook for a `where` that needs a macro. -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set wave = build_wave() -%}
    {%- if wave is not none and execute and (config.get('meta') or {}).get('wave_scoped') and tested_relation_has_waves() -%}
        {%- do conditions.append("wave_id = '" ~ wave ~ "'") -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) as dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- Whether the model or source a data test is attached to has a wave_id column (from its
    YAML, where every column is documented). -#}
{% macro tested_relation_has_waves() -%}
    {%- set tested = model.get('attached_node') or (model.depends_on.nodes | last) -%}
    {%- set node = graph.nodes.get(tested) or graph.sources.get(tested) -%}
    {{ return(node is not none and 'wave_id' in node.columns) }}
{%- endmacro %}
