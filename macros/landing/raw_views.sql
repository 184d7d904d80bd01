{#-
    DuckDB reads the landing zone in place: one view per source table in the `raw` schema,
    raw.<identifier>, over the files that the landing manifest lists for it, and only those
    (a batch folder the manifest does not list, left by an interrupted landing or copied in by
    hand, is never read). An on-run-start hook (re)creates the views after checking every
    listed file against its manifest record (verify_landed_files below): a run whose landing
    zone is damaged stops before any model reads it. The reader of each table is its
    `landed_files` meta, where {files} stands for the list of files.

    The sources are then relations in the catalog on both engines (on PostgreSQL `warehouse
    load` fills tables of the same names, with the same checks), which is what tests that
    inspect a source's columns (Elementary's schema_changes) and analysts browsing `raw` need.
-#}
{% macro create_raw_views() -%}
    {{ return(adapter.dispatch('create_raw_views', 'warehouse')()) }}
{%- endmacro %}

{% macro default__create_raw_views() -%}
    select 1
{%- endmacro %}

{% macro duckdb__create_raw_views() -%}
    {%- if execute -%}
    {%- set readable = verify_landed_files() -%}
    {%- set statements = ["create schema if not exists raw;"] -%}
    {%- for node in graph.sources.values() if node.package_name == project_name -%}
        {%- set reader = node.meta.get('landed_files') or node.source_meta.get('landed_files') -%}
        {%- if not reader -%}
            {{ exceptions.raise_compiler_error(
                "source " ~ node.source_name ~ "." ~ node.name ~ " has no `landed_files` meta: "
                ~ "add the read_parquet/read_csv call that reads its landed files ({files})") }}
        {%- endif -%}
        {%- set paths = readable.get(node.source_name ~ '.' ~ node.name, []) -%}
        {%- if not paths -%}
            {{ exceptions.raise_compiler_error(
                "the landing manifest lists no file of " ~ node.source_name ~ "." ~ node.name
                ~ ": land a batch first (warehouse land --through DATE)") }}
        {%- endif -%}
        {%- set file_list = [] -%}
        {%- for path in paths -%}
            {%- do file_list.append(sql_string(path)) -%}
        {%- endfor -%}
        {%- do statements.append(
            "create or replace view raw." ~ node.identifier
            ~ " as select * from " ~ reader.replace('{files}', '[' ~ (file_list | join(', ')) ~ ']') ~ ";") -%}
    {%- endfor -%}
    {{ statements | join('\n') }}
    {%- endif -%}
{%- endmacro %}


{#- A SQL string literal. -#}
{% macro sql_string(text) -%}
    {{ return("'" ~ (text | replace("'", "''")) ~ "'") }}
{%- endmacro %}


{#- The landing zone dbt reads: WAREHOUSE_LANDING_DIR, without a trailing slash. -#}
{% macro landing_dir() -%}
    {{ return(env_var('WAREHOUSE_LANDING_DIR', 'data/landing').rstrip('/')) }}
{%- endmacro %}
