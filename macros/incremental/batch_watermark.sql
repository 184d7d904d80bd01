{#-
    The last batch an incremental model has processed (0 on a first or full-refresh build).
    Models select source rows with `_batch_id > {{ batch_watermark() }}`.
-#}
{% macro batch_watermark(column='_batch_id') -%}
    {%- if not is_incremental() -%}
        0
    {%- elif execute and model.resource_type == 'model' -%}
        {%- set existing = adapter.get_columns_in_relation(this) | map(attribute='name')
            | map('lower') | list -%}
        {%- if column | lower not in existing -%}
            {{ exceptions.raise_compiler_error(
                this ~ " has no column " ~ column ~ ": it was built by an older version of the"
                ~ " project. Rebuild it once: warehouse dbt build --full-refresh --select "
                ~ model.name) }}
        {%- endif -%}
        {#- A literal, so the engine can skip landed files and row groups of older batches
            (a subquery here would make it read them all before filtering). -#}
        {%- set result = run_query(
            "select coalesce(max(" ~ column ~ "), 0) from " ~ this) -%}
        {{ result.columns[0].values()[0] }}
    {%- else -%}
        {#- unit tests: `this` is a fixture, read it in the query -#}
        (select coalesce(max({{ column }}), 0) from {{ this }})
    {%- endif -%}
{%- endmacro %}
