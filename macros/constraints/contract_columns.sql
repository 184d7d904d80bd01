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
