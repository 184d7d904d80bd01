{#-
    Per-model freshness SLA: the newest value of column_name must be at most max_age_days
    old on the warehouse clock (as_of_timestamp(): the simulated time of the landed demo data,
    else the machine's). Returns one row naming the breach when it is older, or when the
    model is empty.

    Written here because dbt_utils.recency and Elementary's data_freshness_sla compare with
    the machine's clock, which the demo's 1990s data would always breach. Tag the test `sla`
    so that `warehouse sla` (make sla) runs it.
-#}
{% test sla_max_age(model, column_name, max_age_days) %}

with newest as (
    select
        max({{ column_name }}) as newest_value,
        {{ as_of_timestamp() }} as checked_at
    from {{ model }}
)

select
    newest_value,
    checked_at,
    {{ max_age_days }} as max_age_days
from newest
where newest_value is null
    or cast(newest_value as {{ dbt.type_timestamp() }})
        < {{ dbt.dateadd('day', -max_age_days, 'checked_at') }}

{% endtest %}
