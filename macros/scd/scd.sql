{#-
    Validity columns of a dimension built from a dbt snapshot (use inside a select from it):
    valid_from, valid_to, is_current, is_deleted. The first captured version of a key is made
    valid from the beginning of time, so facts older than the first capture still find it.
    key_columns: the snapshot's unique key (a list).
-#}
{% macro scd_validity_columns(key_columns) -%}
    case
            when dbt_valid_from = min(dbt_valid_from) over (partition by {{ key_columns | join(', ') }})
                then {{ beginning_of_time() }}
            else dbt_valid_from
        end as valid_from,
        dbt_valid_to as valid_to,
        dbt_valid_to = {{ end_of_time() }} as is_current,
        coalesce(cast(dbt_is_deleted as varchar) = 'True', false) as is_deleted
{%- endmacro %}


{#- Surrogate key of one snapshot version: the natural key and the start of its validity. -#}
{% macro scd_version_sk(key_columns) -%}
    {{ surrogate_key(key_columns + ['dbt_valid_from']) }}
{%- endmacro %}


{#-
    Join condition picking the dimension version valid at a fact's date ("as was").
-#}
{% macro valid_at(dimension_alias, fact_date) -%}
    cast({{ fact_date }} as timestamp) >= {{ dimension_alias }}.valid_from
    and cast({{ fact_date }} as timestamp) < {{ dimension_alias }}.valid_to
{%- endmacro %}


{#- Upper bound of the validity range of a current dimension version. -#}
{% macro end_of_time() -%}
    cast('9999-12-31 00:00:00' as timestamp)
{%- endmacro %}

{#- Lower bound given to the first version, so it covers all earlier facts. -#}
{% macro beginning_of_time() -%}
    cast('1900-01-01 00:00:00' as timestamp)
{%- endmacro %}
