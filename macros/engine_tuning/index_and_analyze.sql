{#-
    PostgreSQL indexes for a model's `indexes` config, one per column (a column name, or a list
    of names for a composite index): the facts' foreign keys and dates, which analysts filter
    and join on. An empty list on other engines (dbt-duckdb would create them too, and DuckDB's
    min-max zone maps serve those filters without an index).
-#}
{% macro postgres_indexes(columns) -%}
    {%- set indexes = [] -%}
    {%- if target.type == 'postgres' -%}
        {%- for column in columns -%}
            {%- do indexes.append({'columns': [column] if column is string else column}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(indexes) }}
{%- endmacro %}


{#-
    PostgreSQL: fresh planner statistics for every table a model or snapshot writes (a
    post-hook of every model and snapshot; nothing for views, nothing on DuckDB), and an index
    on the unique key of an incremental model. Without statistics (autovacuum may be off, or
    not yet round) the planner guesses a third of a table for each filter: it took 50 changed
    customers of a snapshot for 41,745 and planned accordingly. The delete+insert merge and
    the "already staged?" lookups find rows by the unique key; without an index a misestimated
    plan scans the whole table once per new row.
    The index is created when the table has no index on exactly those columns, unnamed
    (PostgreSQL picks a free name): on a full refresh the old copy still holds its index until
    dbt drops it after the swap, so `create index if not exists <fixed name>` found that one
    and skipped the new table.
-#}
{% macro index_key_and_analyze() -%}
    {%- set materialized = config.get('materialized') -%}
    {%- set key = config.get('unique_key') if materialized == 'incremental' else none -%}
    {%- if target.type != 'postgres' or materialized not in ['incremental', 'table', 'snapshot'] -%}
        select 1
    {%- elif not key -%}
        analyze {{ this }}
    {%- else -%}
        {%- set columns = [key] if key is string else key -%}
        {%- set declared = model['columns'].get(columns[0], {}).get('constraints', []) -%}
        {%- set is_primary_key = columns | length == 1
            and 'primary_key' in declared | map(attribute='type') | list -%}
        {%- if not is_primary_key %}
        do $body$
        begin
            if not exists (
                select from pg_index as indexes
                where indexes.indrelid = '{{ this }}'::regclass
                    and (
                        select array_agg(attributes.attname::text order by keys.position)
                        from unnest(indexes.indkey::int2[]) with ordinality
                            as keys (attnum, position)
                        inner join pg_attribute as attributes
                            on attributes.attrelid = indexes.indrelid
                            and attributes.attnum = keys.attnum
                    ) = array['{{ columns | join("', '") }}']
            ) then
                create index on {{ this }} ({{ columns | join(', ') }});
            end if;
        end
        $body$;
        {%- endif %}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
