{#-
    Pseudonymises a personal value (IP address): a salted hash, so the same value maps to the
    same token and can be counted and joined, but not read back. The salt comes from the
    WAREHOUSE_PII_SALT environment variable.
-#}
{% macro pseudonymise(column) -%}
    {{ dbt.hash("'" ~ env_var('WAREHOUSE_PII_SALT', 'warehouse-demo-salt') ~ "' || " ~ column) }}
{%- endmacro %}
