-- The newest landing batch that changed each order, for the incremental sales facts.
-- Grain: one order (order_key). An order changes when its header or one of its lines arrives,
-- or when its customer, or the part or supplier of one of its lines, gets a new snapshot
-- version (its facts may then point to another version). The facts rebuild the orders whose
-- batch is newer than theirs; this model finds them once for both facts.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_key'
    )
}}

{%- set watermark = batch_watermark('last_changed_batch') %}

with orders as (
    select * from {{ ref('stg_erp__orders') }}
),

order_lines as (
    select * from {{ ref('stg_erp__order_lines') }}
),

customer_versions as (
    select * from {{ ref('snap_erp__customers') }}
    where _batch_id > {{ watermark }}
),

part_versions as (
    select * from {{ ref('snap_erp__parts') }}
    where _batch_id > {{ watermark }}
),

supplier_versions as (
    select * from {{ ref('snap_erp__suppliers') }}
    where _batch_id > {{ watermark }}
),

changes as (
    select
        order_key,
        _batch_id
    from orders
    where _batch_id > {{ watermark }}
    union all
    select
        order_key,
        _batch_id
    from order_lines
    where _batch_id > {{ watermark }}
    union all
    select
        orders.order_key,
        customer_versions._batch_id
    from orders
    inner join customer_versions on orders.customer_key = customer_versions.customer_key
    union all
    select
        order_lines.order_key,
        part_versions._batch_id
    from order_lines
    inner join part_versions on order_lines.part_key = part_versions.part_key
    union all
    select
        order_lines.order_key,
        supplier_versions._batch_id
    from order_lines
    inner join supplier_versions on order_lines.supplier_key = supplier_versions.supplier_key
),

final as (
    select
        order_key,
        max(_batch_id) as last_changed_batch
    from changes
    group by order_key
)

select * from final
