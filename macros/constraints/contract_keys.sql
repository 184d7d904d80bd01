{#- A project post-hook: the contract's primary and foreign keys (PostgreSQL; why after the rows: contract_columns.sql). -#}
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
