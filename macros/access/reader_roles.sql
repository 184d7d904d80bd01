{#-
    Who may read what on engines with roles (PostgreSQL). Two group roles, created when
    missing (give them to login users with `grant analyst to <user>`):
      analyst     reads the marts, except the PII mart;
      pii_reader  reads the marts and the PII mart (dim_customers_pii).
    Neither can read raw, staging, intermediate or snapshots. Table privileges come from dbt
    `grants` (dbt_project.yml, dim_customers_pii.sql); the schema usage they need comes from
    the on-run-end hook below. On DuckDB (no roles) both hooks do nothing.
-#}

{% macro reader_roles() -%}
    {{ return(['analyst', 'pii_reader']) }}
{%- endmacro %}

{% macro create_reader_roles() -%}
    {{ return(adapter.dispatch('create_reader_roles', 'warehouse')()) }}
{%- endmacro %}

{% macro default__create_reader_roles() -%}
    select 1
{%- endmacro %}

{% macro postgres__create_reader_roles() -%}
    {%- for role in reader_roles() %}
    do $body$
    begin
        if not exists (select from pg_roles where rolname = '{{ role }}') then
            create role {{ role }} nologin;
        end if;
    exception when duplicate_object then
        null;  -- created by a concurrent run
    end
    $body$;
    {%- endfor %}
{%- endmacro %}

{% macro grant_marts_usage() -%}
    {{ return(adapter.dispatch('grant_marts_usage', 'warehouse')()) }}
{%- endmacro %}

{% macro default__grant_marts_usage() -%}
    select 1
{%- endmacro %}

{% macro postgres__grant_marts_usage() -%}
    {%- set marts = generate_schema_name('marts', none) | trim -%}
    do $body$
    begin
        if exists (select from pg_namespace where nspname = '{{ marts }}') then
            grant usage on schema {{ marts }} to {{ reader_roles() | join(', ') }};
        end if;
    end
    $body$;
{%- endmacro %}
