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
        {{ url_host('staged_events.referrer') }} as referrer_domain,
        staged_events.page_url as landing_page,
        staged_events.device,
        {{ user_agent_browser('staged_events.user_agent') }} as browser,
        {{ user_agent_os('staged_events.user_agent') }} as operating_system
    from sessions
    left join staged_events on sessions.first_event_id = staged_events.event_id
),

attributed as (
    select
        first_events.session_sk,
        first_events.anonymous_id,
        first_events.session_number,
        first_events.customer_key,
        first_events.started_at,
        first_events.ended_at,
        first_events.event_count,
        first_events.page_views,
        first_events.searches,
        first_events.product_views,
        first_events.add_to_carts,
        first_events.checkouts,
        first_events.purchases,
        first_events.order_key,
        first_events._batch_id,
        first_events._sessionized_batch,
        first_events.landing_page,
        first_events.device,
        first_events.browser,
        first_events.operating_system,
        coalesce(
            first_events.utm_source, first_events.referrer_domain, '(direct)'
        ) as channel_source,
        coalesce(
            first_events.utm_medium,
            case when first_events.referrer_domain is not null then 'referral' else '(none)' end
        ) as channel_medium,
        coalesce(first_events.utm_campaign, '(none)') as channel_campaign,
        case
            when first_events.utm_medium is not null
                then coalesce(channel_groups.channel_group, 'Other Campaign')
            when first_events.referrer_domain is not null
                then coalesce(referrer_channels.channel_group, 'Referral')
            else 'Direct'
        end as channel_group
    from first_events
    left join channel_groups on lower(first_events.utm_medium) = channel_groups.utm_medium
    left join referrer_channels
        on first_events.referrer_domain = referrer_channels.referrer_domain
),

final as (
    select
        attributed.*,
        -- the keys of dim_channels and dim_devices, from the attributes they are made of
        {{ surrogate_key(
            ['channel_group', 'channel_source', 'channel_medium', 'channel_campaign']) }}
            as channel_sk,
        {{ surrogate_key(
            ["coalesce(device, 'unknown')", 'browser', 'operating_system']) }} as device_sk
    from attributed
)

select * from final
