{#- Surrogate key of the unknown member row every dimension carries. -#}
{% macro unknown_member_sk() -%}
    '-1'
{%- endmacro %}

{#- Natural key of the unknown member row. -#}
{% macro unknown_member_key() -%}
    -1
{%- endmacro %}

{#- Upper bound of the validity range of a current dimension version. -#}
{% macro end_of_time() -%}
    cast('9999-12-31 00:00:00' as timestamp)
{%- endmacro %}

{#- Lower bound given to the first version, so it covers all earlier facts. -#}
{% macro beginning_of_time() -%}
    cast('1900-01-01 00:00:00' as timestamp)
{%- endmacro %}
