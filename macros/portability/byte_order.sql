{#-
    A text expression that sorts by its bytes (code points) on every engine, so that an
    ordering of text, such as the record numbers of collector lines, is the same everywhere.
    DuckDB compares text by bytes unless told otherwise; PostgreSQL by the database's
    collation (en_US.UTF-8 sorts punctuation and case differently), hence its "C" collation.
-#}
{% macro byte_order(expression) -%}
    {{ return(adapter.dispatch('byte_order', 'warehouse')(expression)) }}
{%- endmacro %}

{% macro default__byte_order(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__byte_order(expression) -%}
    {{ expression }} collate "C"
{%- endmacro %}
