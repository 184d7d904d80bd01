-- One row per event (before delivery): type, client time, page, keys, fault.
with positions as (
    select s.*, unnest(generate_series(0, s.n_events - 1)) as p
    from web_sessions as s
),
purchase_typed as (
    select t.*,
        case when t.p = 0 then 'page_view'
            when t.p = 1 then 'search'
            when t.p < 2 + 2 * t.n_lines then
                case when t.p % 2 = 0 then 'product_view' else 'add_to_cart' end
            when t.p = 2 + 2 * t.n_lines then 'login'
            when t.p = 3 + 2 * t.n_lines then 'checkout'
            else 'purchase' end as event_type,
        case when t.p >= 2 and t.p < 2 + 2 * t.n_lines then (t.p - 2) // 2 + 1 end
            as line_number
    from positions as t
    where t.session_type = 'purchase'
),
purchase_events as (
    -- Backwards from the purchase: ~90 s apart, 10..170 s, so never a 30 min gap.
    select t._session_key, t.session_type, t.p, t.event_type,
        t.anchor_at - to_milliseconds(cast((t.n_events - 1 - t.p) * {gap_ms}
            + case when t.p < t.n_events - 1
                then floor(rnd('web:cj', t._session_key, t.p) * 80001) - 40000
                else 0 end as bigint)) as client_at,
        case when t.known or t.p >= 2 + 2 * t.n_lines then t.customer_key end as customer_key,
        case t.event_type
            when 'page_view' then t.landing_url
            when 'search' then t.search_url
            when 'product_view' then '{portal}/parts/' || l.l_partkey
            when 'add_to_cart' then '{portal}/cart'
            when 'login' then '{portal}/login'
            when 'checkout' then '{portal}/checkout'
            else '{portal}/order/' || t.order_key || '/confirmation' end as page_url,
        case when t.p = 0 then t.landing_referrer
            when t.p = 1 then t.landing_url
            when t.p = 2 then t.search_url
            when t.event_type = 'product_view' then '{portal}/cart'
            when t.event_type = 'add_to_cart' then '{portal}/parts/' || l.l_partkey
            when t.event_type = 'login' then '{portal}/cart'
            when t.event_type = 'checkout' then '{portal}/login'
            else '{portal}/checkout' end as referrer,
        case when t.event_type = 'purchase' then t.order_key end as order_key,
        l.l_partkey as part_key,
        case when t.event_type = 'search' then t.search_query end as search_query
    from purchase_typed as t
    left join lineitem as l
        on l.l_orderkey = t.order_key and l.l_linenumber = t.line_number
),
browse_events as (
    select t._session_key, t.session_type, t.p,
        case when t.p = 0 then 'page_view'
            when t.p = 1 then 'search'
            when t.p % 2 = 1 and browse_cart(t._session_key, t.p) then 'add_to_cart'
            else 'product_view' end as event_type,
        t.anchor_at + to_milliseconds(cast(t.p * {gap_ms}
            + floor(rnd('web:bj', t._session_key, t.p) * 60000) as bigint)) as client_at,
        case when t.known then t.customer_key end as customer_key,
        browse_page(t.landing_url, t.search_url, t._session_key, t.p) as page_url,
        case when t.p = 0 then t.landing_referrer
            else browse_page(t.landing_url, t.search_url, t._session_key, (t.p - 1)) end
            as referrer,
        cast(null as bigint) as order_key,
        case when t.p < 2 then null
            when t.p % 2 = 1 and browse_cart(t._session_key, t.p)
                then browse_part(t._session_key, (t.p - 1))
            else browse_part(t._session_key, t.p) end as part_key,
        case when t.p = 1 then t.search_query end as search_query
    from positions as t
    where t.session_type = 'browse'
),
bot_events as (
    -- Crawlers: the home page, then part pages a few seconds apart.
    select t._session_key, t.session_type, t.p,
        case when t.p = 0 then 'page_view' else 'product_view' end as event_type,
        t.anchor_at + to_milliseconds(cast(t.p * 2500
            + floor(rnd('web:xj', t._session_key, t.p) * 2000) as bigint)) as client_at,
        cast(null as bigint) as customer_key,
        bot_page(t.landing_url, t._session_key, t.p) as page_url,
        case when t.p = 0 then null else bot_page(t.landing_url, t._session_key, (t.p - 1)) end
            as referrer,
        cast(null as bigint) as order_key,
        case when t.p > 0 then bot_part(t._session_key, t.p) end as part_key,
        cast(null as varchar) as search_query
    from positions as t
    where t.session_type = 'bot'
),
base as (
    select * from purchase_events
    union all
    select * from browse_events
    union all
    select * from bot_events
),
expanded as (
    -- An event of a type the tracking plan does not know follows a few human events
    -- within seconds (well before the next event, at least 10 s later).
    select b.*,
        unnest(case when b.session_type <> 'bot' and b.event_type <> 'purchase'
                and rnd('web:unk', b._session_key, b.p) < {unknown_type_rate}
            then [false, true] else [false] end) as is_unknown
    from base as b
)
select
    md5('{seed}:' || t._session_key || ':' || t.p
        || case when t.is_unknown then ':u' else '' end) as event_id,
    t._session_key,
    case when t.is_unknown then pick({unknown_event_types}, rnd('web:ut', t._session_key, t.p))
        else t.event_type end as event_type,
    t.client_at + case when t.is_unknown
        then to_milliseconds(cast(1000 + floor(rnd('web:ud', t._session_key, t.p) * 7000)
            as bigint))
        else interval 0 second end as client_at,
    t.customer_key,
    t.page_url,
    t.referrer,
    case when not t.is_unknown then t.order_key end as order_key,
    t.part_key,
    case when not t.is_unknown then t.search_query end as search_query,
    t.p = 0 and not t.is_unknown as is_landing,
    t.session_type = 'purchase' as _converts,
    case when t.session_type = 'purchase' then t.order_key end as _order_key,
    case when t.session_type = 'bot' then 'bot'
        when t.is_unknown then 'unknown_type' end as fault
from expanded as t
