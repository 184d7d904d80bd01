{#-
    Engines without try_cast (PostgreSQL) get one function per target type that returns null
    instead of failing on a value that does not parse: `<schema>.try_<type>(text)`. They are
    created (or replaced) by the on-run-start hook, so every dbt command that runs SQL has them;
    on DuckDB the hook does nothing. A value that parses costs one function call; PL/pgSQL's
    exception block makes that about 0.6 microseconds more than a plain cast (measured on
    PostgreSQL 15 here, 1 M timestamps: 0.80 s against 0.17 s). Not `parallel safe`: an
    exception block needs a subtransaction, which parallel workers cannot start. Declared
    `stable` (a cast can read session settings such as DateStyle), not `volatile`: PostgreSQL
    stores a CTE holding a volatile call in temporary files, every row of it, while it streams
    one without. A model that parses in a CTE ends the CTE with evaluate_once(), so that each
    line is parsed once and not once per column read from the result (evaluate_once, macros/engine_tuning/evaluate_once.sql).
-#}

{#- Function name (without schema) -> the SQL type it parses text into. -#}
{% macro parse_function_types() -%}
    {{ return({
        'try_bigint': 'bigint',
        'try_integer': 'integer',
        'try_date': 'date',
        'try_timestamp': 'timestamp',
        'try_boolean': 'boolean',
        'try_decimal_15_2': 'decimal(15, 2)',
        'try_jsonb': 'jsonb',
    }) }}
{%- endmacro %}

{#-
    Text a value must match before it is cast, on every engine (safe_parse), so that the same
    records are staged or quarantined whatever the engine. Each engine's own cast accepts more,
    and not the same more: DuckDB reads '49797.4' as the bigint 49797, '1.6' as the integer 2,
    '0x1F' as 31 and '1_000' as 1000, and pads; PostgreSQL reads numeric 'NaN' and '1e3', a
    boolean 'yes', and '06/07/1996' as a date (by DateStyle); both read ' 42 '. Allowed: an
    optional sign and digits (integers), then an optional fraction (decimals), ISO 8601 dates
    and timestamps, `true`/`false`. Ranges are left to the casts, which both refuse alike.
-#}
{% macro parse_function_patterns() -%}
    {{ return({
        'try_bigint': '^[+-]?[0-9]+$',
        'try_integer': '^[+-]?[0-9]+$',
        'try_decimal_15_2': '^[+-]?[0-9]+([.][0-9]+)?$',
        'try_boolean': '^(true|false)$',
        'try_date': '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
        'try_timestamp': '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?)?$',
    }) }}
{%- endmacro %}

{% macro parse_function_name(type) -%}
    {{ return('try_' ~ (type | lower | replace('(', '_') | replace(')', '') | replace(',', '_')
        | replace(' ', ''))) }}
{%- endmacro %}

{% macro parse_function_schema() -%}
    {{ return('warehouse_util') }}
{%- endmacro %}

{% macro create_parse_functions() -%}
    {{ return(adapter.dispatch('create_parse_functions', 'warehouse')()) }}
{%- endmacro %}

{% macro default__create_parse_functions() -%}
    select 1
{%- endmacro %}

{% macro postgres__create_parse_functions() -%}
    create schema if not exists {{ parse_function_schema() }};
    {%- for name, type in parse_function_types().items() %}
    create or replace function {{ parse_function_schema() }}.{{ name }}(value text)
    returns {{ type }} language plpgsql stable as $body$
    begin
        {%- set pattern = parse_function_patterns().get(name) %}
        {%- if pattern %}
        if value !~ '{{ pattern }}' then
            return null;
        end if;
        {%- endif %}
        return value::{{ type }};
    exception when others then
        return null;
    end
    $body$;
    {%- endfor %}
    {#- fail_with() (macros/observability/reconciliation.sql): a query that must fail with a message -#}
    create or replace function {{ parse_function_schema() }}.fail(message text)
    returns text language plpgsql volatile as $body$
    begin
        raise exception '%', message;
    end
    $body$;
{%- endmacro %}
