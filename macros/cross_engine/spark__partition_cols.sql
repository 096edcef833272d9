{#- Spark: every incremental model of this project holds whole waves (unique_key='wave_id',
    dbt_project.yml), so on Spark it is a Parquet table partitioned by that key unless the
    model says otherwise. The `insert_overwrite` strategy (dbt_project.yml) then replaces
    exactly the waves a build rebuilt and keeps the others (dynamic partition overwrite,
    set in profiles/profiles.yml), as `delete+insert` does on DuckDB. Overrides dbt-spark's
    macro of the same name; tables that are not incremental stay unpartitioned. -#}
{% macro spark__partition_cols(label, required=false) %}
    {%- set cols = config.get('partition_by', validator=validation.any[list, basestring]) -%}
    {%- if cols is none and config.get('materialized') == 'incremental' -%}
        {%- set cols = config.get('unique_key') -%}
    {%- endif -%}
    {%- if cols is not none -%}
        {%- if cols is string -%}
            {%- set cols = [cols] -%}
        {%- endif -%}
        {{ label }} ({{ cols | join(', ') }})
    {%- endif -%}
{%- endmacro %}
