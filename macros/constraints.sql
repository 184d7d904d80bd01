{#-
    Constraints from the mart contracts, per engine.

    PostgreSQL creates the primary, not-null and foreign key constraints the contracts declare.
    A dimension rebuilt by a run (table materialization: build, swap, `drop ... cascade`)
    takes the foreign keys of the facts that reference it with it, and an incremental fact is
    not re-created, so restore_foreign_keys() (a post-hook of the facts) adds back any that
    are missing, as NOT VALID: rows already in the fact are not re-checked (the relationships
    data tests check them on every build), new rows are.

    DuckDB keeps the column types and not-null constraints only: its foreign keys would stop a
    dimension from being rebuilt while a fact references it, and its primary keys slow loads.
    The same rules are proven on every engine by the unique, not_null and relationships tests.
-#}

{% macro duckdb__get_table_columns_and_constraints() -%}
    (
    {%- for column in model['columns'].values() %}
        {{ adapter.quote(column['name']) if column.get('quote') else column['name'] }}
        {{ column['data_type'] }}
        {%- for constraint in column.get('constraints', []) if constraint['type'] == 'not_null' %} not null{% endfor %}
        {{- "," if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}


{% macro restore_foreign_keys() -%}
    {{ return(adapter.dispatch('restore_foreign_keys', 'warehouse')()) }}
{%- endmacro %}

{% macro default__restore_foreign_keys() -%}
    select 1
{%- endmacro %}

{% macro postgres__restore_foreign_keys() -%}
    {%- set statements = [] -%}
    {%- for column in model['columns'].values() -%}
        {%- for constraint in column.get('constraints', []) if constraint['type'] == 'foreign_key' -%}
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
        {%- endfor -%}
    {%- endfor -%}
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
