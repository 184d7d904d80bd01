{#-
    Keys of the orders an incremental sales fact must (re)build: orders whose header or lines
    arrived after the fact's watermark, and orders whose customer, part or supplier got a new
    snapshot version since then (its facts may now point to another version). On a full
    build every order qualifies. Returns a subquery of order_key.
    The refs are taken before the branch, so that dbt records them as the model's inputs when
    it parses the project (is_incremental() is false then) and orders the run accordingly.
-#}
{% macro orders_to_rebuild(watermark) -%}
    {%- set orders = ref('stg_erp__orders') -%}
    {%- set lines = ref('stg_erp__order_lines') -%}
    {%- set customer_versions = ref('snap_erp__customers') -%}
    {%- set part_versions = ref('snap_erp__parts') -%}
    {%- set supplier_versions = ref('snap_erp__suppliers') -%}
    {%- if is_incremental() -%}
    (
        select order_key from {{ orders }} where _batch_id > {{ watermark }}
        union
        select order_key from {{ lines }} where _batch_id > {{ watermark }}
        union
        select orders.order_key
        from {{ orders }} as orders
        inner join {{ customer_versions }} as customers
            on orders.customer_key = customers.customer_key
        where customers._batch_id > {{ watermark }}
        union
        select lines.order_key
        from {{ lines }} as lines
        inner join {{ part_versions }} as parts
            on lines.part_key = parts.part_key
        where parts._batch_id > {{ watermark }}
        union
        select lines.order_key
        from {{ lines }} as lines
        inner join {{ supplier_versions }} as suppliers
            on lines.supplier_key = suppliers.supplier_key
        where suppliers._batch_id > {{ watermark }}
    )
    {%- else -%}
    (select order_key from {{ orders }}
     union
     select order_key from {{ lines }})
    {%- endif -%}
{%- endmacro %}


{#-
    Visitors (anonymous_id) whose web facts an incremental run must rebuild: visitors with
    events landed after the watermark (they were re-sessionized); visitors stitched to a
    customer, or who viewed a part, that got a new snapshot version since then (their facts
    may now point to another version); visitors whose purchased order changed (its revenue).
    Returns a subquery of anonymous_id. Refs before the branch, as in orders_to_rebuild.
-#}
{% macro web_visitors_to_rebuild(watermark) -%}
    {%- set staged_events = ref('stg_web__events') -%}
    {%- set events = ref('int_web__events_sessionized') -%}
    {%- set customer_versions = ref('snap_erp__customers') -%}
    {%- set part_versions = ref('snap_erp__parts') -%}
    {%- set orders = ref('stg_erp__orders') -%}
    {%- set lines = ref('stg_erp__order_lines') -%}
    {%- if is_incremental() -%}
    (
        select anonymous_id from {{ staged_events }} where _batch_id > {{ watermark }}
        union
        select events.anonymous_id
        from {{ events }} as events
        inner join {{ customer_versions }} as customers
            on events.stitched_customer_key = customers.customer_key
        where customers._batch_id > {{ watermark }}
        union
        select events.anonymous_id
        from {{ events }} as events
        inner join {{ part_versions }} as parts
            on events.part_key = parts.part_key
        where parts._batch_id > {{ watermark }}
        union
        -- purchases whose order header or lines changed: the session's revenue changed
        select events.anonymous_id
        from {{ events }} as events
        where events.order_key in (
            select order_key from {{ orders }} where _batch_id > {{ watermark }}
            union
            select order_key from {{ lines }} where _batch_id > {{ watermark }}
        )
    )
    {%- else -%}
    (select anonymous_id from {{ events }})
    {%- endif -%}
{%- endmacro %}
