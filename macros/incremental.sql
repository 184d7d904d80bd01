{#-
    The last batch an incremental model has processed (0 on a first or full-refresh build).
    Models select source rows with `_batch_id > {{ batch_watermark() }}`.
-#}
{% macro batch_watermark(column='_batch_id') -%}
    {%- if not is_incremental() -%}
        0
    {%- elif execute and model.resource_type == 'model' -%}
        {#- A literal, so the engine can skip landed files and row groups of older batches
            (a subquery here would make it read them all before filtering). -#}
        {%- set result = run_query(
            "select coalesce(max(" ~ column ~ "), 0) from " ~ this) -%}
        {{ result.columns[0].values()[0] }}
    {%- else -%}
        {#- unit tests: `this` is a fixture, read it in the query -#}
        (select coalesce(max({{ column }}), 0) from {{ this }})
    {%- endif -%}
{%- endmacro %}


{#-
    Body of a staging model: the latest valid version of every key.

    Reads the valid rows of the batches landed since the model last ran, adds the current row
    of each of their keys from the model itself (when incremental), and keeps per key the row
    with the newest `updated_at` (then the newest batch, then the latest arrival). Duplicates
    and versions that arrive after their successor (out of order) therefore never win, and a
    run repeated on the same batches gives the same table. Use with
    incremental_strategy='delete+insert' and unique_key = key_columns.
-#}
{% macro latest_valid_versions(base_relation, key_columns, columns) -%}
{%- set column_list = columns | join(",\n        ") -%}
{%- set key_list = key_columns | join(", ") -%}
with arrived as (
    select
        {{ column_list }}
    from {{ base_relation }}
    where _invalid_reason is null
        and _batch_id > {{ batch_watermark() }}
),

{% if is_incremental() %}
already_staged as (
    select
        {{ column_list }}
    from {{ this }}
    where ({{ key_list }}) in (select {{ key_list }} from arrived)
),

{% endif %}
candidates as (
    select * from arrived
    {% if is_incremental() %}
    union all
    select * from already_staged
    {% endif %}
),

ranked as (
    select
        candidates.*,
        row_number() over (
            partition by {{ key_list }}
            order by updated_at desc, _batch_id desc, _arrived_at desc
        ) as version_rank
    from candidates
),

final as (
    select
        {{ column_list }}
    from ranked
    where version_rank = 1
)

select * from final
{%- endmacro %}


{#-
    Keys of the orders an incremental sales fact must (re)build: orders whose header or lines
    arrived after the fact's watermark, and orders whose customer, part or supplier got a new
    snapshot version since then (its facts may now point to another version). On a full
    build every order qualifies. Returns a subquery of order_key.
-#}
{% macro orders_to_rebuild(watermark) -%}
    {%- if is_incremental() -%}
    (
        select order_key from {{ ref('stg_erp__orders') }} where _batch_id > {{ watermark }}
        union
        select order_key from {{ ref('stg_erp__order_lines') }} where _batch_id > {{ watermark }}
        union
        select orders.order_key
        from {{ ref('stg_erp__orders') }} as orders
        inner join {{ ref('snap_erp__customers') }} as customers
            on orders.customer_key = customers.customer_key
        where customers._batch_id > {{ watermark }}
        union
        select lines.order_key
        from {{ ref('stg_erp__order_lines') }} as lines
        inner join {{ ref('snap_erp__parts') }} as parts
            on lines.part_key = parts.part_key
        where parts._batch_id > {{ watermark }}
        union
        select lines.order_key
        from {{ ref('stg_erp__order_lines') }} as lines
        inner join {{ ref('snap_erp__suppliers') }} as suppliers
            on lines.supplier_key = suppliers.supplier_key
        where suppliers._batch_id > {{ watermark }}
    )
    {%- else -%}
    (select order_key from {{ ref('stg_erp__orders') }}
     union
     select order_key from {{ ref('stg_erp__order_lines') }})
    {%- endif -%}
{%- endmacro %}


{#-
    Visitors (anonymous_id) whose web facts an incremental run must rebuild: visitors with
    events landed after the watermark (they were re-sessionized); visitors stitched to a
    customer, or who viewed a part, that got a new snapshot version since then (their facts
    may now point to another version); visitors whose purchased order changed (its revenue).
    Returns a subquery of anonymous_id.
-#}
{% macro web_visitors_to_rebuild(watermark) -%}
    {%- if is_incremental() -%}
    (
        select anonymous_id from {{ ref('stg_web__events') }} where _batch_id > {{ watermark }}
        union
        select events.anonymous_id
        from {{ ref('int_web__events_sessionized') }} as events
        inner join {{ ref('snap_erp__customers') }} as customers
            on events.stitched_customer_key = customers.customer_key
        where customers._batch_id > {{ watermark }}
        union
        select events.anonymous_id
        from {{ ref('int_web__events_sessionized') }} as events
        inner join {{ ref('snap_erp__parts') }} as parts
            on events.part_key = parts.part_key
        where parts._batch_id > {{ watermark }}
        union
        -- purchases whose order header or lines changed: the session's revenue changed
        select events.anonymous_id
        from {{ ref('int_web__events_sessionized') }} as events
        where events.order_key in (
            select order_key from {{ ref('stg_erp__orders') }} where _batch_id > {{ watermark }}
            union
            select order_key from {{ ref('stg_erp__order_lines') }}
            where _batch_id > {{ watermark }}
        )
    )
    {%- else -%}
    (select anonymous_id from {{ ref('int_web__events_sessionized') }})
    {%- endif -%}
{%- endmacro %}
