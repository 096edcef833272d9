{#- Data tests on per-wave relations carry `where: __build_wave__` (dbt_project.yml):
    a wave build tests only the wave it rebuilt (the other waves passed when they were
    built), a build of every wave tests everything. Any other `where` works as in dbt. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__build_wave__' in where -%}
        {%- set wave = build_wave() -%}
        {%- set where = where | replace(
            '__build_wave__', "wave_id = '" ~ wave ~ "'" if wave is not none else 'true'
        ) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) as dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
