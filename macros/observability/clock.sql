{#-
    The warehouse's clock: the machine's time, or the simulated time of the landed demo data
    when the variable custom_run_started_at holds one (from WAREHOUSE_AS_OF; see
    dbt_project.yml). Elementary reads the same variable for its anomaly windows, so source
    freshness and anomaly detection agree on what "now" is.
-#}
{% macro as_of_timestamp() -%}
    {%- set as_of = var('custom_run_started_at', '') -%}
    {%- if as_of -%}
        cast('{{ as_of }}' as {{ dbt.type_timestamp() }})
    {%- else -%}
        {{ dbt.current_timestamp() }}
    {%- endif -%}
{%- endmacro %}


{#-
    dbt's source freshness query with the warehouse clock in place of current_timestamp (the
    root project's version of dbt's default__collect_freshness, which dispatch prefers).
-#}
{% macro default__collect_freshness(source, loaded_at_field, filter) %}
    {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
        select
            max({{ loaded_at_field }}) as max_loaded_at,
            {{ as_of_timestamp() }} as snapshotted_at
        from {{ source }}
        {% if filter %}
        where {{ filter }}
        {% endif %}
    {%- endcall %}
    {{ return(load_result('collect_freshness')) }}
{% endmacro %}
