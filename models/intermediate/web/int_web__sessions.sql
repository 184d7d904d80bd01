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

firsts as (
    -- the landing event of each session carries its acquisition channel
    select
        session_id,
        utm_source,
        utm_medium,
        utm_campaign,
        referrer,
        {{ url_host('referrer') }} as referrer_domain,
        page_url as landing_page,
        device,
        browser,
        operating_system
    from (
        select
            events.*,
            row_number() over (
                partition by events.session_id order by events.client_ts, events.event_id
            ) as event_position
        from events
    ) as ordered
    where event_position = 1
),

totals as (
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
        max(_sessionized_batch) as _sessionized_batch
    from events
    group by session_id
),

final as (
    select
        totals.*,
        firsts.landing_page,
        firsts.device,
        firsts.browser,
        firsts.operating_system,
        coalesce(firsts.utm_source, firsts.referrer_domain, '(direct)') as channel_source,
        coalesce(
            firsts.utm_medium,
            case when firsts.referrer_domain is not null then 'referral' else '(none)' end
        ) as channel_medium,
        coalesce(firsts.utm_campaign, '(none)') as channel_campaign,
        case
            when firsts.utm_medium is not null
                then coalesce(channel_groups.channel_group, 'Other Campaign')
            when firsts.referrer_domain is not null
                then coalesce(referrer_channels.channel_group, 'Referral')
            else 'Direct'
        end as channel_group
    from totals
    inner join firsts on totals.session_id = firsts.session_id
    left join channel_groups on lower(firsts.utm_medium) = channel_groups.utm_medium
    left join referrer_channels on firsts.referrer_domain = referrer_channels.referrer_domain
)

select * from final
