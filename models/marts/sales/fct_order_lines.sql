-- Order lines, the atomic sales fact. Grain: one order line (order_key, line_number).
-- Incremental by arrival: each run rebuilds the lines of orders touched by newly landed
-- batches (new or updated lines and headers, late arrivals, new dimension versions), so
-- updates to old orders are applied and a full refresh gives the same table.
-- PostgreSQL indexes and keys: macros/engine_tuning (postgres_indexes, index_key_and_analyze).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_line_sk',
        on_schema_change='append_new_columns',
        indexes=postgres_indexes(
            ['order_key', 'customer_sk', 'part_sk', 'supplier_sk', 'order_date'])
    )
}}

{%- set watermark = batch_watermark() %}

with changed_orders as (
    -- the orders changed since this model last ran (all of them on a full build)
    select order_key from {{ ref('int_sales__orders_last_changed') }}
    where last_changed_batch > {{ watermark }}
),

order_lines as (
    select * from {{ ref('int_sales__order_lines_joined') }}
    where order_key in (select changed_orders.order_key from changed_orders)
),

customers as (
    select * from {{ ref('dim_customers') }}
),

parts as (
    select * from {{ ref('dim_parts') }}
),

suppliers as (
    select * from {{ ref('dim_suppliers') }}
),

final as (
    select
        -- keys
        {{ surrogate_key(['order_lines.order_key', 'order_lines.line_number']) }}
            as order_line_sk,
        order_lines.order_key,
        order_lines.line_number,
        -- foreign keys: the dimension version valid at the order date ("as was")
        coalesce(customers.customer_sk, {{ unknown_member_sk() }}) as customer_sk,
        coalesce(parts.part_sk, {{ unknown_member_sk() }}) as part_sk,
        coalesce(suppliers.supplier_sk, {{ unknown_member_sk() }}) as supplier_sk,
        -- durable natural keys ("as is": join the current version)
        coalesce(order_lines.customer_key, {{ unknown_member_key() }}) as customer_key,
        order_lines.part_key,
        order_lines.supplier_key,
        -- dates
        order_lines.order_date,
        order_lines.ship_date,
        order_lines.commit_date,
        order_lines.receipt_date,
        -- attributes
        order_lines.return_flag,
        order_lines.line_status,
        order_lines.ship_instructions,
        order_lines.ship_mode,
        order_lines.line_comment,
        order_lines.is_late_delivery,
        -- measures
        order_lines.quantity,
        order_lines.extended_price,
        order_lines.discount,
        order_lines.tax,
        order_lines.net_amount,
        order_lines.gross_amount,
        -- metadata
        order_lines._batch_id,
        order_lines._updated_at
    from order_lines
    left join customers
        on order_lines.customer_key = customers.customer_key
        and {{ valid_at('customers', 'order_lines.order_date') }}
    left join parts
        on order_lines.part_key = parts.part_key
        and {{ valid_at('parts', 'order_lines.order_date') }}
    left join suppliers
        on order_lines.supplier_key = suppliers.supplier_key
        and {{ valid_at('suppliers', 'order_lines.order_date') }}
)

select * from final
