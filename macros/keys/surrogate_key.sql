{#-
    The surrogate key of a row: a 64-bit integer, the first 16 hex digits of the md5 of the
    natural key's columns (joined as dbt_utils.generate_surrogate_key joins them, nulls
    included) read as a signed bigint. Half the width of the 32-character md5 string it
    replaces, and the same number on every engine for the same natural key, so marts built on
    DuckDB and PostgreSQL compare equal and a full refresh gives every row its old key. A
    collision needs about 5 billion keys of one entity for an even chance; the unique tests on
    the keys would catch one.
-#}
{% macro surrogate_key(field_list) -%}
    {{ md5_to_bigint(dbt_utils.generate_surrogate_key(field_list)) }}
{%- endmacro %}


{#- The first 16 hex digits of an md5 hex string as a signed bigint (two's complement). -#}
{% macro md5_to_bigint(md5_expression) -%}
    {{ return(adapter.dispatch('md5_to_bigint', 'warehouse')(md5_expression)) }}
{%- endmacro %}

{#- PostgreSQL: a bit string of 64 bits reads as a signed bigint. -#}
{% macro default__md5_to_bigint(md5_expression) -%}
    ('x' || substr({{ md5_expression }}, 1, 16))::bit(64)::bigint
{%- endmacro %}

{#- DuckDB reads hex as an unsigned integer; shifting by 2^63 modulo 2^64 turns it into the
    signed value with one reference to the md5 (so it is computed once). -#}
{% macro duckdb__md5_to_bigint(md5_expression) -%}
    cast(
        (cast(('0x' || left({{ md5_expression }}, 16)) as ubigint)::hugeint
            + 9223372036854775808) % 18446744073709551616 - 9223372036854775808
        as bigint)
{%- endmacro %}
