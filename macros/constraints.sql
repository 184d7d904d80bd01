{#-
    Constraints from the mart contracts, per engine.

    Tables are created with column types and not-null constraints only (both engines).

    PostgreSQL then gets the primary and foreign keys the contracts declare from a post-hook
    (add_contract_keys, after the rows are in): building a primary key index in one sort and
    adding a foreign key as one statement is far cheaper than checking each inserted row
    against an index and a referenced table (at SF 0.1, inserting 2.8 M rows into fct_events
    took 123 s with the keys declared in `create table`). A dimension rebuilt by a run
    (table materialization: build, swap, `drop ... cascade`) takes the foreign keys of the
    facts that reference it with it, and an incremental fact is not re-created, so the hook
    also adds back any foreign key that is missing. Foreign keys are added NOT VALID: rows
    already in the table are not re-checked (the relationships data tests check them on every
    build), rows written later are.

    DuckDB keeps the column types and not-null constraints only: its foreign keys would stop a
    dimension from being rebuilt while a fact references it, and its primary keys slow loads.
    The same rules are proven on every engine by the unique, not_null and relationships tests.
-#}

{% macro duckdb__get_table_columns_and_constraints() -%}
    {{ return(columns_with_types_and_not_null()) }}
{%- endmacro %}

{% macro postgres__get_table_columns_and_constraints() -%}
    {{ return(columns_with_types_and_not_null()) }}
{%- endmacro %}

{% macro columns_with_types_and_not_null() -%}
    (
    {%- for column in model['columns'].values() %}
        {{ adapter.quote(column['name']) if column.get('quote') else column['name'] }}
        {{ column['data_type'] }}
        {%- for constraint in column.get('constraints', []) if constraint['type'] == 'not_null' %} not null{% endfor %}
        {{- "," if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}


{#- A project post-hook: the contract's primary and foreign keys (PostgreSQL; see above). -#}
{% macro add_contract_keys() -%}
    {{ return(adapter.dispatch('add_contract_keys', 'warehouse')()) }}
{%- endmacro %}

{% macro default__add_contract_keys() -%}
    select 1
{%- endmacro %}

{% macro postgres__add_contract_keys() -%}
    {%- set statements = [] -%}
    {%- if execute and config.get('contract').enforced -%}
    {%- for column in model['columns'].values() -%}
        {%- for constraint in column.get('constraints', []) -%}
            {%- if constraint['type'] == 'primary_key' -%}
                {#- unnamed: PostgreSQL picks an index name the swapped-out table does not hold -#}
                {%- do statements.append(
                    "if not exists (select from pg_constraint where contype = 'p'"
                    ~ " and conrelid = '" ~ this ~ "'::regclass) then alter table " ~ this
                    ~ " add primary key (" ~ column['name'] ~ "); end if;") -%}
            {%- elif constraint['type'] == 'foreign_key' -%}
                {#- dbt resolves `to: ref('x')` to the relation name before hooks run -#}
                {%- set parent = constraint['to'] -%}
                {%- if parent.startswith('ref(') -%}
                    {%- set parent = ref(parent.split("'")[1]) -%}
                {%- endif -%}
                {%- set name = this.identifier ~ '_' ~ column['name'] ~ '_fkey' -%}
                {%- do statements.append(
                    "if not exists (select from pg_constraint where conname = '" ~ name
                    ~ "' and conrelid = '" ~ this ~ "'::regclass) then alter table " ~ this
                    ~ " add constraint " ~ name ~ " foreign key (" ~ column['name']
                    ~ ") references " ~ parent ~ " (" ~ constraint['to_columns'] | join(', ')
                    ~ ") not valid; end if;") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- endif -%}
    {%- if statements %}
    do $body$
    begin
        {{ statements | join('\n        ') }}
    end
    $body$
    {%- else %}
    select 1
    {%- endif %}
{%- endmacro %}


{#- A config value that applies on PostgreSQL only (indexes): an empty list elsewhere. -#}
{% macro on_postgres(value) -%}
    {{ return(value if target.type == 'postgres' else []) }}
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


{#-
    PostgreSQL: drops a relation (dbt calls this for the old copy of a rebuilt table) without
    taking part in a deadlock. Dropping a table with foreign keys, or one that other tables'
    foreign keys reference, takes an exclusive lock on each of those tables, one after the
    other. A fact built at the same time holds read locks on the dimensions its query read
    and, in its post-hook, asks for a lock on each dimension it adds a foreign key to: if the
    drop already holds one of those and waits for another, PostgreSQL aborts one of the two
    (seen with `dbt build --full-refresh` of an existing warehouse: fct_sessions' old copy
    holding dim_dates and waiting for dim_customers, which fct_events was reading). So the
    drop first takes all those locks at once or none: it tries them without waiting, lets
    every one go when one is taken (a subtransaction rolled back), waits a little and tries
    again. It never waits while holding one, so it cannot close a cycle.
-#}
{% macro postgres__drop_relation(relation) -%}
    {% call statement('drop_relation', auto_begin=False) -%}
        {%- if relation.type == 'table' %}
        do $body$
        declare
            related text;
        begin
            if to_regclass('{{ relation }}') is null then
                return;
            end if;
            select string_agg(name, ', ' order by name) into related
            from (
                select distinct related_table::regclass::text as name
                from (
                    select confrelid as related_table from pg_constraint
                    where contype = 'f' and conrelid = '{{ relation }}'::regclass
                    union
                    select conrelid from pg_constraint
                    where contype = 'f' and confrelid = '{{ relation }}'::regclass
                ) as keyed
                where related_table <> '{{ relation }}'::regclass
            ) as names;
            if related is null then
                return;
            end if;
            loop
                begin
                    execute 'lock table ' || related || ' in access exclusive mode nowait';
                    exit;
                exception when lock_not_available then
                    perform pg_sleep(0.2);
                end;
            end loop;
        end
        $body$;
        {%- endif %}
        {{ get_drop_sql(relation) }}
    {%- endcall %}
{%- endmacro %}
