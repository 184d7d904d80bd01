-- Orders with their totals. Grain: one order. Incremental by arrival like fct_order_lines.
-- PostgreSQL indexes and keys: macros/engine_tuning (postgres_indexes, index_key_and_analyze).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_key',
        on_schema_change='append_new_columns',
        indexes=postgres_indexes(['customer_sk', 'order_date'])
    )
}}

{%- set watermark = batch_watermark() %}

with changed_orders as (
    -- the orders changed since this model last ran (all of them on a full build)
    select order_key from {{ ref('int_sales__orders_last_changed') }}
    where last_changed_batch > {{ watermark }}
),

orders as (
    select * from {{ ref('stg_erp__orders') }}
    where order_key in (select changed_orders.order_key from changed_orders)
),

line_totals as (
    select
        order_key,
        count(*) as line_count,
        cast(sum(quantity) as decimal(18, 2)) as total_quantity,
        cast(sum(net_amount) as decimal(18, 4)) as net_amount,
        cast(sum(gross_amount) as decimal(18, 6)) as gross_amount,
        max(_batch_id) as _batch_id,
        max(_updated_at) as _updated_at
    from {{ ref('int_sales__order_lines_joined') }}
    where order_key in (select orders.order_key from orders)
    group by order_key
),

customers as (
    select * from {{ ref('dim_customers') }}
),

final as (
    select
        -- key
        orders.order_key,
        -- foreign keys
        coalesce(customers.customer_sk, {{ unknown_member_sk() }}) as customer_sk,
        orders.customer_key,
        -- dates
        orders.order_date,
        -- attributes
        orders.order_status,
        orders.order_priority,
        orders.clerk,
        orders.ship_priority,
        orders.order_comment,
        orders.source_channel,
        -- measures
        orders.total_price,
        coalesce(line_totals.line_count, 0) as line_count,
        coalesce(line_totals.total_quantity, 0) as total_quantity,
        coalesce(line_totals.net_amount, 0) as net_amount,
        coalesce(line_totals.gross_amount, 0) as gross_amount,
        -- metadata
        greatest(orders._batch_id, coalesce(line_totals._batch_id, 0)) as _batch_id,
        greatest(orders.updated_at, coalesce(line_totals._updated_at, orders.updated_at))
            as _updated_at
    from orders
    left join line_totals on orders.order_key = line_totals.order_key
    left join customers
        on orders.customer_key = customers.customer_key
        and {{ valid_at('customers', 'orders.order_date') }}
)

select * from final
