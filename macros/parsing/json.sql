{#-
    A text column parsed once into a document with the given top-level keys, or null when the
    text is not valid JSON. Read its fields with json_field(document, key), which gives text
    (null when the key is absent). A line is parsed once, not once per field: on DuckDB the
    document is a struct of text fields (json_transform), 7x faster than one `->>` per field,
    which parses the line again for each field (bench/json_parse.py: 2.1 s against 14.8 s
    for the 2.9 M lines of SF 0.1).
-#}
{% macro json_document(text_column, keys) -%}
    {{ return(adapter.dispatch('json_document', 'warehouse')(text_column, keys)) }}
{%- endmacro %}

{% macro duckdb__json_document(text_column, keys) -%}
    {%- set structure = [] -%}
    {%- for key in keys -%}
        {%- do structure.append('"' ~ key ~ '": "VARCHAR"') -%}
    {%- endfor -%}
    json_transform(try_cast({{ text_column }} as json), '{ {{- structure | join(", ") -}} }')
{%- endmacro %}

{#- jsonb is parsed once on the way in; fields are then read with ->>. -#}
{% macro postgres__json_document(text_column, keys) -%}
    {{ parse_function_schema() }}.try_jsonb({{ text_column }})
{%- endmacro %}

{% macro default__json_document(text_column, keys) -%}
    {{ exceptions.raise_compiler_error(
        "json_document is not implemented for adapter '" ~ adapter.type() ~ "': add a "
        ~ adapter.type() ~ "__json_document macro in macros/parsing/json.sql") }}
{%- endmacro %}


{#- One top-level field of a document made by json_document, as text (null when absent). -#}
{% macro json_field(document, key) -%}
    {{ return(adapter.dispatch('json_field', 'warehouse')(document, key)) }}
{%- endmacro %}

{% macro duckdb__json_field(document, key) -%}
    struct_extract({{ document }}, '{{ key }}')
{%- endmacro %}

{% macro default__json_field(document, key) -%}
    ({{ document }} ->> '{{ key }}')
{%- endmacro %}
