-- The newest landing batch that changed each visitor's web facts, for fct_events and
-- fct_sessions. Grain: one visitor (anonymous_id). A visitor changes when one of their events
-- arrives (they are re-sessionized), when the customer they are stitched to or a part they
-- viewed gets a new snapshot version (their facts may then point to another version), and
-- when the order they purchased changes (its revenue). The facts rebuild the visitors whose
-- batch is newer than theirs; this model finds them once for both facts.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='anonymous_id'
    )
}}

{%- set watermark = batch_watermark('last_changed_batch') %}

with staged_events as (
    select * from {{ ref('stg_web__events') }}
    where _batch_id > {{ watermark }}
),

events as (
    select * from {{ ref('int_web__events_sessionized') }}
),

customer_versions as (
    select * from {{ ref('snap_erp__customers') }}
    where _batch_id > {{ watermark }}
),

part_versions as (
    select * from {{ ref('snap_erp__parts') }}
    where _batch_id > {{ watermark }}
),

changed_orders as (
    select
        order_key,
        _batch_id
    from {{ ref('stg_erp__orders') }}
    where _batch_id > {{ watermark }}
    union all
    select
        order_key,
        _batch_id
    from {{ ref('stg_erp__order_lines') }}
    where _batch_id > {{ watermark }}
),

visitor_customers as (
    select distinct
        anonymous_id,
        stitched_customer_key
    from events
    where stitched_customer_key is not null
),

visitor_parts as (
    select distinct
        anonymous_id,
        part_key
    from events
    where part_key is not null
),

purchases as (
    select
        anonymous_id,
        order_key
    from events
    where order_key is not null
),

changes as (
    select
        anonymous_id,
        _batch_id
    from staged_events
    union all
    select
        visitor_customers.anonymous_id,
        customer_versions._batch_id
    from visitor_customers
    inner join customer_versions
        on visitor_customers.stitched_customer_key = customer_versions.customer_key
    union all
    select
        visitor_parts.anonymous_id,
        part_versions._batch_id
    from visitor_parts
    inner join part_versions on visitor_parts.part_key = part_versions.part_key
    union all
    select
        purchases.anonymous_id,
        changed_orders._batch_id
    from purchases
    inner join changed_orders on purchases.order_key = changed_orders.order_key
),

final as (
    select
        anonymous_id,
        max(_batch_id) as last_changed_batch
    from changes
    group by anonymous_id
)

select * from final
