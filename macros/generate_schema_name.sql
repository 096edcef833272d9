{#- Custom schemas are used as named (codebook, staging, marts, ...), not prefixed with
    the target schema: the warehouse contract fixes the schema names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
