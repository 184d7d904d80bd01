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

channel_groups as (
    select * from {{ ref('channel_groups') }}
),

referrer_channels as (
    select * from {{ ref('referrer_channels') }}
),

ordered as (
    -- one pass over the events: ordered within each session, then aggregated; the first
    -- event's attributes are picked out by position. (Reading the events twice, once for the
    -- totals and once for the first event, made PostgreSQL store all of them in temporary
    -- files: a CTE read twice is materialised.)
    select
        events.*,
        row_number() over (
            partition by events.session_id order by events.client_ts, events.event_id
        ) as event_position
    from events
),

sessions as (
    select
        session_id,
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
        -- the first event's (exactly one row per session has position 1)
        max(case when event_position = 1 then utm_source end) as utm_source,
        max(case when event_position = 1 then utm_medium end) as utm_medium,
        max(case when event_position = 1 then utm_campaign end) as utm_campaign,
        max(case when event_position = 1 then {{ url_host('referrer') }} end) as referrer_domain,
        max(case when event_position = 1 then page_url end) as landing_page,
        max(case when event_position = 1 then device end) as device,
        max(case when event_position = 1 then browser end) as browser,
        max(case when event_position = 1 then operating_system end) as operating_system
    from ordered
    group by session_id
),

final as (
    select
        sessions.session_id,
        sessions.anonymous_id,
        sessions.session_number,
        sessions.customer_key,
        sessions.started_at,
        sessions.ended_at,
        sessions.event_count,
        sessions.page_views,
        sessions.searches,
        sessions.product_views,
        sessions.add_to_carts,
        sessions.checkouts,
        sessions.purchases,
        sessions.order_key,
        sessions._batch_id,
        sessions._sessionized_batch,
        sessions.landing_page,
        sessions.device,
        sessions.browser,
        sessions.operating_system,
        coalesce(sessions.utm_source, sessions.referrer_domain, '(direct)') as channel_source,
        coalesce(
            sessions.utm_medium,
            case when sessions.referrer_domain is not null then 'referral' else '(none)' end
        ) as channel_medium,
        coalesce(sessions.utm_campaign, '(none)') as channel_campaign,
        case
            when sessions.utm_medium is not null
                then coalesce(channel_groups.channel_group, 'Other Campaign')
            when sessions.referrer_domain is not null
                then coalesce(referrer_channels.channel_group, 'Referral')
            else 'Direct'
        end as channel_group
    from sessions
    left join channel_groups on lower(sessions.utm_medium) = channel_groups.utm_medium
    left join referrer_channels on sessions.referrer_domain = referrer_channels.referrer_domain
)

select * from final
