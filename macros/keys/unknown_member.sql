{#- Surrogate key of the unknown member row every dimension carries. -#}
{% macro unknown_member_sk() -%}
    cast(-1 as bigint)
{%- endmacro %}

{#- Natural key of the unknown member row. -#}
{% macro unknown_member_key() -%}
    -1
{%- endmacro %}
