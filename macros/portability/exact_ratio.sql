{#-
    numerator / denominator, rounded half away from zero to `scale` decimals, computed exactly
    (no floating point), so that every engine gives the same digits.

    DuckDB divides decimals in double precision, so a quotient that lies exactly half-way
    between two results (779569.90875 to 4 decimals) can round down there and up on
    PostgreSQL, whose numeric division is exact. Here DuckDB divides integers instead.
    numerator: an integer or decimal expression with at most `numerator_scale` decimals;
    denominator: a positive integer expression. Cast the result to the column's type.
-#}
{% macro exact_ratio(numerator, denominator, scale, numerator_scale=0) -%}
    {{ return(adapter.dispatch('exact_ratio', 'warehouse')(
        numerator, denominator, scale, numerator_scale)) }}
{%- endmacro %}

{% macro default__exact_ratio(numerator, denominator, scale, numerator_scale) -%}
    round(cast({{ numerator }} as numeric) / {{ denominator }}, {{ scale }})
{%- endmacro %}

{% macro duckdb__exact_ratio(numerator, denominator, scale, numerator_scale) -%}
    {%- set units = "cast(" ~ numerator ~ " * " ~ 10 ** numerator_scale ~ " as hugeint)" -%}
    {%- set divisor = "(cast(" ~ denominator ~ " as hugeint) * " ~ 10 ** numerator_scale ~ ")" -%}
    {#- the quotient in units of 10^-scale, then scaled by a decimal factor (exact) -#}
    {%- set unit = '1' if scale == 0 else '0.' ~ ('0' * (scale - 1)) ~ '1' -%}
    (cast(sign({{ units }}) * (
        (2 * abs({{ units }}) * {{ 10 ** scale }} + {{ divisor }}) // (2 * {{ divisor }})
    ) as decimal(18, 0)) * cast('{{ unit }}' as decimal({{ scale + 1 }}, {{ scale }})))
{%- endmacro %}
