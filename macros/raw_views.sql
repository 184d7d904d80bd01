{#-
    DuckDB: one view per source table in the `raw` schema, raw.<identifier>, reading the landed
    files in place (the table's `landed_files` meta, where {name} stands for the table's name).
    An on-run-start hook (re)creates them, so they always read the landing zone that
    WAREHOUSE_LANDING_DIR names and show every column landed so far (a column that appears in
    later batches, as o_source_channel does, appears in the view).

    The sources are then relations in the catalog on both engines (on PostgreSQL `warehouse
    load` fills tables of the same names), which is what tests that inspect a source's columns
    (Elementary's schema_changes) and analysts browsing `raw` need.
-#}
{% macro create_raw_views() -%}
    {{ return(adapter.dispatch('create_raw_views', 'warehouse')()) }}
{%- endmacro %}

{% macro default__create_raw_views() -%}
    select 1
{%- endmacro %}

{% macro duckdb__create_raw_views() -%}
    {%- if execute -%}
    {%- set statements = [] -%}
    {%- for node in graph.sources.values() if node.package_name == project_name -%}
        {%- set location = node.meta.get('landed_files') or node.source_meta.get('landed_files') -%}
        {%- if not location -%}
            {{ exceptions.raise_compiler_error(
                "source " ~ node.source_name ~ "." ~ node.name ~ " has no `landed_files` meta: "
                ~ "add the read_parquet/read_csv call that reads its landed files") }}
        {%- endif -%}
        {%- do statements.append(
            "create schema if not exists " ~ node.schema ~ ";\n"
            ~ "create or replace view " ~ node.schema ~ "." ~ node.identifier
            ~ " as select * from " ~ location.replace('{name}', node.name) ~ ";") -%}
    {%- endfor -%}
    {{ statements | join('\n') }}
    {%- endif -%}
{%- endmacro %}
