-- One row per session: who, when, on which device, from which campaign.
with orders_placed as (
    -- Exactly the placement time of the erp simulator (version 1 of the order).
    select o_orderkey, o_custkey, o_orderdate,
        cast(o_orderdate as timestamp)
            + to_minutes(cast(floor(rnd('ot', o_orderkey) * 1440) as bigint))
            as placed_at
    from orders
    -- Orders placed by phone or EDI (1 - order_share of them) leave no clickstream.
    where rnd('web:portal', o_orderkey) < {order_share}
),
order_lines as (
    select l_orderkey as o_orderkey, count(*) as n_lines,
        arg_min(l_partkey, l_linenumber) as first_part
    from lineitem
    group by all
),
purchases as (
    select
        'o' || o.o_orderkey as _session_key,
        'purchase' as session_type,
        o.o_orderkey as order_key,
        o.o_custkey as customer_key,
        rnd('web:rem', o.o_orderkey) < {remembered_share} as known,
        device_of(rnd('web:dev', o.o_orderkey)) as device,
        o.placed_at as anchor_at,
        5 + 2 * l.n_lines as n_events,
        l.n_lines,
        l.first_part as search_part
    from orders_placed as o
    join order_lines as l using (o_orderkey)
),
browsing as (
    -- `slots` candidates per order, each kept with rate / slots, so the number of browsing
    -- sessions per order is binomial with the configured mean.
    select
        'b' || o_orderkey || '.' || g.s as _session_key,
        'browse' as session_type,
        o_orderkey as order_key,
        o_custkey as customer_key,
        rnd('web:login', o_orderkey, g.s) < {browse_logged_in_share} as known,
        device_of(rnd('web:bdev', o_orderkey, g.s)) as device,
        cast(day_near_order(o_orderdate, rnd('web:bday', o_orderkey, g.s)) as timestamp)
            + time_of_day(rnd('web:btime', o_orderkey, g.s)) as anchor_at,
        2 + cast(floor(rnd('web:bn', o_orderkey, g.s) * 5) as integer) as n_events,
        cast(null as bigint) as n_lines
    from orders_placed
    cross join range({slots}) as g(s)
    where rnd('web:bs', o_orderkey, g.s) < {keep}
),
bots as (
    select
        'x' || o_orderkey as _session_key,
        'bot' as session_type,
        o_orderkey as order_key,
        cast(null as bigint) as customer_key,
        false as known,
        'desktop' as device,
        cast(day_near_order(o_orderdate, rnd('web:xday', o_orderkey)) as timestamp)
            + time_of_day(rnd('web:xtime', o_orderkey)) as anchor_at,
        5 + cast(floor(rnd('web:xn', o_orderkey) * 16) as integer) as n_events,
        cast(null as bigint) as n_lines
    from orders_placed
    where rnd('web:bot', o_orderkey) < {bot_session_rate}
),
sessions as (
    select * from purchases
    union all
    -- A browsing session searches for the part it views first (position 2).
    select *, 1 + cast(floor(rnd('web:bp', _session_key, 2) * {n_parts}) as bigint)
    from browsing
    union all
    select *, cast(null as bigint) from bots
),
drawn as (
    select s.*,
        s.session_type <> 'bot' and rnd('web:utm', s._session_key) < {campaign_share}
            as has_campaign,
        rnd('web:cmp', s._session_key) as campaign_draw,
        rnd('web:qk', s._session_key) as query_kind
    from sessions as s
),
described as (
    select
        s.* exclude (has_campaign, campaign_draw, query_kind),
        case when s.session_type = 'bot' then md5('{seed}:bot:' || s._session_key)
            else md5('{seed}:' || s.customer_key || ':' || s.device) end as anonymous_id,
        case when s.session_type = 'bot'
            then pick({bot_user_agents}, rnd('web:xua', s._session_key))
            else user_agent_of(s.device, rnd('web:ua', s.customer_key, s.device)) end
            as user_agent,
        pick({ip_prefixes}, rnd('web:net', s._session_key))
            || (1 + cast(floor(rnd('web:host', s._session_key) * 254) as integer))
            as ip_address,
        s.session_type <> 'bot'
            and rnd('web:consent', s.customer_key, s.device) < {consent_share} as consent,
        case when s.has_campaign then pick({campaign_sources}, s.campaign_draw) end
            as utm_source,
        case when s.has_campaign then pick({campaign_media}, s.campaign_draw) end
            as utm_medium,
        case when s.has_campaign then pick({campaign_names}, s.campaign_draw) end
            as utm_campaign,
        case when s.has_campaign then pick({campaign_referrers}, s.campaign_draw)
            when s.session_type = 'bot' then null
            else pick({organic_referrers}, rnd('web:ref', s._session_key)) end
            as landing_referrer,
        '{portal}/' || case when s.has_campaign
            then '?utm_source=' || pick({campaign_sources}, s.campaign_draw)
                || '&utm_medium=' || pick({campaign_media}, s.campaign_draw)
                || '&utm_campaign=' || pick({campaign_names}, s.campaign_draw)
            else '' end as landing_url,
        case when p.p_name is null then null
            when s.query_kind < 0.9
                then split_part(p.p_name, ' ', 1) || ' ' || split_part(p.p_name, ' ', 2)
            when s.query_kind < 0.95
                then '"' || split_part(p.p_name, ' ', 1) || ' ' || split_part(p.p_name, ' ', 2)
                    || '"'
            else split_part(p.p_name, ' ', 1) || ', ' || split_part(p.p_name, ' ', 2)
        end as search_query
    from drawn as s
    left join part as p on p.p_partkey = s.search_part
)
select * exclude (search_part),
    '{portal}/search?q=' || url_encode(search_query) as search_url
from described
