-- The newest landing batch that changed each visitor's web facts, for fct_events and
-- fct_sessions. Grain: one visitor (anonymous_id). A visitor changes when one of their events
-- arrives (they are re-sessionized), when the customer they are stitched to or a part they
-- viewed gets a new snapshot version covering one of their events (the facts may then point
-- to another version), and when the order they purchased changes (its revenue). The facts
-- rebuild the visitors whose batch is newer than theirs; this model finds them once for both
-- facts.
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

-- The customers and parts with new snapshot versions since this model last ran, and the
-- earliest time a new version covers in the dimension: its dbt_valid_from, or any time for a
-- key's first version (scd_validity_columns stretches that back to the beginning of time).
-- A fact before that time keeps its version, so only the visitors with events since then
-- change.
customer_versions as (
    {{ new_snapshot_versions(ref('snap_erp__customers'), 'customer_key', watermark) }}
),

part_versions as (
    {{ new_snapshot_versions(ref('snap_erp__parts'), 'part_key', watermark) }}
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

-- each reads the events of the changed customers, parts and orders only, so a day's run
-- pairs its few changes with their visitors instead of every visitor with every customer,
-- part and order of the history
visitor_customers as (
    select distinct
        events.anonymous_id,
        customer_versions._batch_id
    from events
    inner join customer_versions
        on events.stitched_customer_key = customer_versions.customer_key
        and events.client_ts >= customer_versions.changed_from
),

visitor_parts as (
    select distinct
        events.anonymous_id,
        part_versions._batch_id
    from events
    inner join part_versions
        on events.part_key = part_versions.part_key
        and events.client_ts >= part_versions.changed_from
),

purchases as (
    select
        anonymous_id,
        order_key
    from events
    where order_key in (select changed_orders.order_key from changed_orders)
),

changes as (
    select
        anonymous_id,
        _batch_id
    from staged_events
    union all
    select
        anonymous_id,
        _batch_id
    from visitor_customers
    union all
    select
        anonymous_id,
        _batch_id
    from visitor_parts
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
