-- Every order date each order has had: the current one and any an update moved it from.
-- Grain: one order and date (order_key, order_date). Inputs: stg_erp__orders.
-- Reports aggregated by order date recompute the dates of the orders changed since their
-- last run from it, the date an order left included (staging keeps only the newest version).
-- Incremental: the new batches' order versions add their date; a pair seen again is
-- replaced (delete+insert on the pair) with its newer batch.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['order_key', 'order_date']
    )
}}

with orders as (
    select * from {{ ref('stg_erp__orders') }}
    where _batch_id > {{ batch_watermark() }}
        and order_date is not null
),

final as (
    select
        order_key,
        order_date,
        max(_batch_id) as _batch_id
    from orders
    group by order_key, order_date
)

select * from final
