{#- The batch number of a landed line: the batch=N folder of its file (a hive partition). -#}
{% macro landed_batch_id() -%}
    {{ return(adapter.dispatch('landed_batch_id', 'warehouse')()) }}
{%- endmacro %}

{% macro duckdb__landed_batch_id() -%}
    batch
{%- endmacro %}

{#- Engines with loaded raw tables: the loader stores the batch in a column. -#}
{% macro default__landed_batch_id() -%}
    _batch_id
{%- endmacro %}
