{#-
    DuckDB's memory ceiling for this run, from WAREHOUSE_DUCKDB_MEMORY_LIMIT (e.g. `12GB`):
    DuckDB spills sorts, joins and aggregates to disk beyond it. Without the variable DuckDB
    keeps its default, 80% of the machine's memory, which a whole-history build at SF 1
    already reaches (20 GiB resident on a 24 GiB machine), leaving nothing for other
    processes. The on-run-start hook sets it; the setting holds for every thread of the run.
    Other engines ignore it. A value DuckDB would not take fails the run before any model,
    naming the variable.
-#}
{% macro set_memory_limit() -%}
    {{ return(adapter.dispatch('set_memory_limit', 'warehouse')()) }}
{%- endmacro %}

{% macro default__set_memory_limit() -%}
{%- endmacro %}

{% macro duckdb__set_memory_limit() -%}
    {%- set limit = env_var('WAREHOUSE_DUCKDB_MEMORY_LIMIT', '') | trim -%}
    {%- if limit -%}
        {%- if not modules.re.fullmatch('[0-9]+(\.[0-9]+)? ?([KMGT]i?B)', limit) -%}
            {{ exceptions.raise_compiler_error(
                "WAREHOUSE_DUCKDB_MEMORY_LIMIT=" ~ limit ~ " is not a memory size: give a "
                ~ "number and a unit, such as 12GB or 8GiB (units KB, MB, GB, TB, KiB, MiB, "
                ~ "GiB, TiB), or unset it for DuckDB's default (80% of the memory)"
            ) }}
        {%- endif -%}
        set memory_limit = '{{ limit }}'
    {%- endif -%}
{%- endmacro %}
