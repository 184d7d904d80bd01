{#-
    For a staging model's candidates CTE, after `select * from arrived`: on an incremental run,
    `union all` the rows the model already holds for the keys that arrived again, so that the
    staged version competes with the new ones; nothing on a full build.
-#}
{% macro staged_versions_of_arrived_keys(columns, key_columns) -%}
    {%- if is_incremental() -%}
    {%- set key_list = key_columns | join(', ') -%}
    union all
    select
        {{ columns | join(",\n        ") }}
    from {{ this }}
    where ({{ key_list }}) in (select {{ key_list }} from arrived)
    {%- endif -%}
{%- endmacro %}
