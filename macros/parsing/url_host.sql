{#- The host name of a URL ('https://www.google.com/search?q=x' -> 'www.google.com'). -#}
{% macro url_host(url) -%}
    {{ return(adapter.dispatch('url_host', 'warehouse')(url)) }}
{%- endmacro %}

{% macro duckdb__url_host(url) -%}
    nullif(regexp_extract({{ url }}, '^[a-zA-Z]+://([^/?#:]+)', 1), '')
{%- endmacro %}

{% macro postgres__url_host(url) -%}
    nullif(substring({{ url }} from '^[a-zA-Z]+://([^/?#:]+)'), '')
{%- endmacro %}
