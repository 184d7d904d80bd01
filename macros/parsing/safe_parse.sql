{#- Casts text to a type, giving null instead of an error when the text does not parse. -#}
{% macro safe_parse(field, type) -%}
    {{ return(adapter.dispatch('safe_parse', 'warehouse')(field, type)) }}
{%- endmacro %}

{#- DuckDB: try_cast, after the text matches the pattern every engine requires of the type
    (parse_function_patterns in macros/parsing/parse_functions.sql). -#}
{% macro duckdb__safe_parse(field, type) -%}
    {%- set pattern = parse_function_patterns().get(parse_function_name(type)) -%}
    {%- if pattern -%}
    case when regexp_matches({{ field }}, '{{ pattern }}') then try_cast({{ field }} as {{ type }}) end
    {%- else -%}
    try_cast({{ field }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- PostgreSQL has no try_cast: the try_* functions made by create_parse_functions(). -#}
{% macro postgres__safe_parse(field, type) -%}
    {%- set function = parse_function_name(type) -%}
    {%- if function not in parse_function_types().keys() | list -%}
        {{ exceptions.raise_compiler_error(
            "safe_parse has no PostgreSQL function for type '" ~ type ~ "': add it to "
            ~ "parse_function_types() in macros/parsing/parse_functions.sql") }}
    {%- endif -%}
    {{ parse_function_schema() }}.{{ function }}({{ field }})
{%- endmacro %}

{% macro default__safe_parse(field, type) -%}
    {{ exceptions.raise_compiler_error(
        "safe_parse is not implemented for adapter '" ~ adapter.type() ~ "': add a "
        ~ adapter.type() ~ "__safe_parse macro in macros/parsing/safe_parse.sql") }}
{%- endmacro %}
