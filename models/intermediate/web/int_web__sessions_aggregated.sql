-- Sessions with their counts, channel and device, from the sessionized events.
-- Grain: one session. Incremental like int_web__events_sessionized: the visitors it
-- re-sessionized since this model last ran (their `_sessionized_batch` is newer) get all their
-- sessions replaced (delete+insert on anonymous_id). A table, not a view, so that the
-- channel and device dimensions read sessions rather than aggregate every event again.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='anonymous_id',
        on_schema_change='append_new_columns'
    )
}}

with events as (
    select * from {{ ref('int_web__events_sessionized') }}
    where _sessionized_batch > {{ batch_watermark('_sessionized_batch') }}
),

staged_events as (
    select * from {{ ref('stg_web__events') }}
),

channel_groups as (
    select * from {{ ref('channel_groups') }}
),

referrer_channels as (
    select * from {{ ref('referrer_channels') }}
),

ordered as (
    -- one pass over the events: ordered within each session, then aggregated; the first
    -- event is picked out by position and its attributes read from staging by its id.
    -- (Reading the events twice, once for the totals and once for the first event, made
    -- PostgreSQL store all of them in temporary files: a CTE read twice is materialised.)
    select
        events.*,
        row_number() over (
            partition by events.session_sk order by events.client_ts, events.event_id
        ) as event_position
    from events
),

sessions as (
    select
        session_sk,
        min(anonymous_id) as anonymous_id,
        min(session_number) as session_number,
        max(stitched_customer_key) as customer_key,
        min(client_ts) as started_at,
        max(client_ts) as ended_at,
        count(*) as event_count,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_views,
        sum(case when event_type = 'search' then 1 else 0 end) as searches,
        sum(case when event_type = 'product_view' then 1 else 0 end) as product_views,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_carts,
        sum(case when event_type = 'checkout' then 1 else 0 end) as checkouts,
        sum(case when event_type = 'purchase' then 1 else 0 end) as purchases,
        max(case when event_type = 'purchase' then order_key end) as order_key,
        max(_batch_id) as _batch_id,
        max(_sessionized_batch) as _sessionized_batch,
        -- exactly one event per session has position 1
        max(case when event_position = 1 then event_id end) as first_event_id
    from ordered
    group by session_sk
),

first_events as (
    -- the session's first event: its acquisition and device attributes, from staging
    select
        sessions.*,
        staged_events.utm_source,
        staged_events.utm_medium,
        staged_events.utm_campaign,
        staged_events.referrer,
        staged_events.page_url as landing_page,
        staged_events.device,
        staged_events.user_agent
    from sessions
    left join staged_events on sessions.first_event_id = staged_events.event_id
),

with_devices as (
    -- device and channel with their keys, as dim_devices and dim_channels define them
    {{ web_device_attributes('first_events') }}
),

attributed as (
    {{ web_channel_attributes('with_devices', 'channel_groups', 'referrer_channels') }}
),

final as (
    select
        session_sk,
        anonymous_id,
        session_number,
        customer_key,
        started_at,
        ended_at,
        event_count,
        page_views,
        searches,
        product_views,
        add_to_carts,
        checkouts,
        purchases,
        order_key,
        _batch_id,
        _sessionized_batch,
        landing_page,
        device,
        browser,
        operating_system,
        channel_source,
        channel_medium,
        channel_campaign,
        channel_group,
        channel_sk,
        device_sk
    from attributed
)

select * from final
