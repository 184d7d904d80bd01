{#-
    An inner join of the rows being built to another model's rows by a unique key, as a join
    clause: `from events {{ join_on_key(ref('stg_web__events'), 'staged_events', 'event_id',
    'events.event_id') }}`, then read the columns as `staged_events.<column>`.

    PostgreSQL, incremental runs: one index lookup per row (a lateral subquery closed by
    `offset 0`, so that the planner cannot turn it into a hash join), for rows that are a
    small part of the other model: an incremental run of fct_events rebuilds a few per cent of
    the events, but PostgreSQL, misjudging how many (it estimates the distinct visitors of 28
    M events from a sample, ten times too few), hash-joined all events with all of staging
    and only then kept the visitors to rebuild, writing over 10 GB of temporary files per day
    at SF 1. The reader's own rows must be limited first (close that CTE with
    evaluate_once()). The key needs an index (index_key_and_analyze gives one to incremental
    models' unique keys). Full builds, and every other engine: a plain join.
-#}
{% macro join_on_key(relation, alias, key, outer_key) -%}
    {{ return(adapter.dispatch('join_on_key', 'warehouse')(relation, alias, key, outer_key)) }}
{%- endmacro %}

{% macro default__join_on_key(relation, alias, key, outer_key) -%}
    inner join {{ relation }} as {{ alias }} on {{ alias }}.{{ key }} = {{ outer_key }}
{%- endmacro %}

{% macro postgres__join_on_key(relation, alias, key, outer_key) -%}
    {%- if is_incremental() -%}
    cross join lateral (
        select * from {{ relation }} as {{ alias }}_rows
        where {{ alias }}_rows.{{ key }} = {{ outer_key }}
        {{ evaluate_once() }}
    ) as {{ alias }}
    {%- else -%}
    {{ default__join_on_key(relation, alias, key, outer_key) }}
    {%- endif -%}
{%- endmacro %}
