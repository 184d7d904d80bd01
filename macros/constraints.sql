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


{#- Fresh planner statistics after a large write (PostgreSQL; nothing elsewhere). -#}
{% macro analyze_this() -%}
    {{ return('analyze ' ~ this if target.type == 'postgres' else 'select 1') }}
{%- endmacro %}


{#-
    PostgreSQL: an index on the unique key of an incremental model (a post-hook of every
    incremental model). The delete+insert merge and the "already staged?" lookups find rows
    by that key; without an index a misestimated plan scans the whole table once per new row.
-#}
{% macro index_unique_key() -%}
    {%- set key = config.get('unique_key') -%}
    {%- if target.type != 'postgres' or config.get('materialized') != 'incremental' or not key -%}
        select 1
    {%- else -%}
        {%- set columns = [key] if key is string else key -%}
        {%- set declared = model['columns'].get(columns[0], {}).get('constraints', []) -%}
        {%- set is_primary_key = columns | length == 1
            and 'primary_key' in declared | map(attribute='type') | list -%}
        {%- if not is_primary_key %}
        create index if not exists "{{ this.identifier }}__key_idx"
            on {{ this }} ({{ columns | join(', ') }});
        {%- endif %}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
