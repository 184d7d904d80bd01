{#-
    A source column that appears in the extract from some date on (schema drift): the column
    when the landed files have it, otherwise a typed null, so that models keep one schema.
    A source that does not exist yet (nothing loaded; sqlfluff compiling against an empty
    database) has no columns, so the column counts as absent.
-#}
{% macro column_if_present(relation, column, type) -%}
    {%- set present = false -%}
    {%- if execute -%}
        {%- set columns = adapter.get_columns_in_relation(relation) -%}
        {%- set present = column in (columns | map(attribute='name') | map('lower') | list) -%}
    {%- endif -%}
    {%- if present -%}
        cast({{ column }} as {{ type }})
    {%- else -%}
        cast(null as {{ type }})
    {%- endif -%}
{%- endmacro %}
