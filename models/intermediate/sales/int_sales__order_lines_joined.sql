-- Order lines with their order header and the amounts analysts derive from them.
-- Grain: one order line. A line whose order has not arrived yet keeps null order attributes
-- (order_date, customer_key) until it does; it is never dropped.
with order_lines as (
    select * from {{ ref('stg_erp__order_lines') }}
),

orders as (
    select * from {{ ref('stg_erp__orders') }}
),

final as (
    select
        -- keys
        order_lines.order_key,
        order_lines.line_number,
        orders.customer_key,
        order_lines.part_key,
        order_lines.supplier_key,
        -- dates
        orders.order_date,
        order_lines.ship_date,
        order_lines.commit_date,
        order_lines.receipt_date,
        -- attributes
        order_lines.return_flag,
        order_lines.line_status,
        order_lines.ship_instructions,
        order_lines.ship_mode,
        order_lines.line_comment,
        order_lines.receipt_date > order_lines.commit_date as is_late_delivery,
        -- measures
        order_lines.quantity,
        order_lines.extended_price,
        order_lines.discount,
        order_lines.tax,
        cast(order_lines.extended_price * (1 - order_lines.discount) as decimal(18, 4))
            as net_amount,
        cast(
            order_lines.extended_price * (1 - order_lines.discount) * (1 + order_lines.tax)
            as decimal(18, 6)
        ) as gross_amount,
        -- metadata: the newest batch and change that shaped this row
        greatest(order_lines._batch_id, coalesce(orders._batch_id, 0)) as _batch_id,
        greatest(order_lines.updated_at, coalesce(orders.updated_at, order_lines.updated_at))
            as _updated_at
    from order_lines
    left join orders on order_lines.order_key = orders.order_key
)

select * from final
