"""Simulator of the web source: the ordering portal's clickstream, consistent with the erp data.

Every TPC-H order gets one *converting* session on its order date that ends in exactly one
``purchase`` event at the moment the erp records the order as placed (version 1 of the order):
a landing ``page_view``, a ``search``, a ``product_view`` and an ``add_to_cart`` per order line
(of the line's part), ``login``, ``checkout`` and ``purchase``, about 90 seconds apart. Browsing
sessions that do not convert (landing page, search, product views of random parts, abandoned
carts) fall within 30 days of an order; bot sessions crawl part pages within seconds.

The collector writes one JSON object per line. Faults only ever add lines or delay them, and
never touch a purchase event (except delivering it late or twice):

* late events: the collector receives them 1 hour to 3 days after the client sent them;
* duplicates: the same line again (same ``event_id``), up to a day later;
* malformed lines, copies of an event that are not JSON (truncated), lack ``event_id`` or
  carry an unparsable ``client_ts``;
* events of types the portal's tracking plan does not know (``wishlist_add``, ...);
* bot sessions (user agents naming a bot or crawler);
* schema drift: ``page_load_ms`` exists only on events sent from ``property_drift_date`` on.

Days on which the erp source delivers nothing (the ``calendar`` table of the erp simulator)
deliver no web lines either: what would arrive then arrives at 06:00 of the next open day.

Everything is vectorised DuckDB SQL with hash-based randomness, so a scale factor and seed
always give the same file: ``<sim_dir>/web/events.parquet``, one row per line in arrival
order, holding ``raw_line`` (the exact text the collector writes), ``_arrived_at`` and
annotations that the landing step strips (``_event_id``, ``_kind``, ``_fault``,
``_session_key``, ``_converts``, ``_order_key``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from warehouse.simulate import HISTORY_START, _rnd, _shift_empty_days

WEB_DIR = "web"
EVENTS_FILE = "events.parquet"
PORTAL = "https://portal.example.com"
CLIENT_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%gZ"

# The tracking plan of the portal, and event types it does not know (a fault).
EVENT_TYPES = [
    "page_view",
    "search",
    "product_view",
    "add_to_cart",
    "login",
    "checkout",
    "purchase",
]
UNKNOWN_EVENT_TYPES = ["wishlist_add", "compare_parts", "share_link"]

# Kinds of lines (`_kind`) and the faults a line can carry (`_fault`).
LINE_KINDS = ["event", "duplicate", "malformed"]
FAULTS = ["late", "unknown_type", "bot", "missing_event_id", "not_json", "bad_timestamp"]
MALFORMATIONS = ["not_json", "missing_event_id", "bad_timestamp"]

# Devices with their share of sessions and the user agents seen on them.
DEVICES: dict[str, tuple[float, list[str]]] = {
    "desktop": (
        0.55,
        [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.2 Safari/605.1.15",
            "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
        ],
    ),
    "mobile": (
        0.35,
        [
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.6099.144 Mobile Safari/537.36",
            "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
        ],
    ),
    "tablet": (
        0.10,
        [
            "Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.6099.144 Safari/537.36",
        ],
    ),
}
BOT_USER_AGENTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; PartsCatalogCrawler/1.4; +https://crawler.example.net/about)",
]

# Marketing campaigns: (utm_source, utm_medium, utm_campaign, referrer of the landing page).
CAMPAIGNS: list[tuple[str, str, str, str | None]] = [
    ("google", "cpc", "spring_sale", "https://www.google.com/"),
    ("google", "cpc", "brand_search", "https://www.google.com/"),
    ("bing", "cpc", "spring_sale", "https://www.bing.com/"),
    ("newsletter", "email", "weekly_deals", None),
    ("newsletter", "email", "win_back", None),
    ("partner", "referral", "supplier_network", "https://partners.example.net/catalog"),
    ("social", "paid_social", "parts_launch", "https://social.example.org/"),
]
# Referrer of landing pages without a campaign: direct traffic (none) or organic search.
ORGANIC_REFERRERS: list[str | None] = [
    None,
    None,
    "https://www.google.com/",
    "https://duckduckgo.com/",
    "https://www.bing.com/",
]
# IP addresses come from the documentation ranges only (RFC 5737).
IP_PREFIXES = ["192.0.2.", "198.51.100.", "203.0.113."]

# Shares of behaviour (not faults).
REMEMBERED_SHARE = 0.4  # converting visitors known before they log in
BROWSE_LOGGED_IN_SHARE = 0.3  # browsing sessions of a logged-in customer
CAMPAIGN_SHARE = 0.6  # sessions whose landing event carries UTM parameters
CONSENT_SHARE = 0.85  # visitors who accept tracking
CART_SHARE = 0.4  # product views in a browsing session followed by an add-to-cart
BROWSE_DAYS = 30  # browsing happens within this many days of an order
GAP_MS = 90_000  # mean time between two events of a human session
LATE_MIN_MS = 3_600_000  # a late event is received 1 hour ..
LATE_MAX_MS = 3 * 86_400_000  # .. to 3 days after it was sent
DUPLICATE_MAX_MS = 86_400_000  # a duplicate arrives up to a day after the original


@dataclass(frozen=True)
class WebConfig:
    """Volume and fault rates of the clickstream.

    ``browse_sessions_per_order`` drives the volume: a converting session has 5 + 2 x lines
    events (13 on average), a browsing session 2-6 (4), so the default 1.5 gives about 20
    lines per order with the faults.
    """

    browse_sessions_per_order: float = 1.5
    late_rate: float = 0.01
    duplicate_rate: float = 0.01
    malformed_rate: float = 0.002
    unknown_type_rate: float = 0.002
    bot_session_rate: float = 0.03  # bot sessions per order
    property_drift_date: date = date(1996, 7, 1)

    def validate(self) -> None:
        for name in (
            "late_rate",
            "duplicate_rate",
            "malformed_rate",
            "unknown_type_rate",
            "bot_session_rate",
        ):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"web fault rate {name}={value} must be in [0, 1)")
        rate = self.browse_sessions_per_order
        if not (math.isfinite(rate) and 0.0 <= rate <= 100.0):
            raise ValueError(f"browse_sessions_per_order={rate} must be in [0, 100]")
        if not isinstance(self.property_drift_date, date):
            raise ValueError(f"property_drift_date={self.property_drift_date!r} is not a date")


@dataclass
class WebSummary:
    """What the generator reports back to the erp simulator's ``meta.json``."""

    lines: dict[str, int]
    faults: dict[str, int]
    first_arrival: datetime | None
    last_arrival: datetime | None
    seconds: float


def _literal(value: str | None) -> str:
    if value is None:
        return "null"
    return "'" + value.replace("'", "''") + "'"


def _pick(values: Sequence[str | None], rnd: str) -> str:
    """SQL choosing one of ``values`` uniformly with a random number ``rnd`` in [0, 1)."""
    items = ", ".join(_literal(v) for v in values)
    return f"([{items}]::varchar[])[1 + cast(floor({rnd} * {len(values)}) as integer)]"


def _sessions_sql(seed: int, config: WebConfig, n_parts: int) -> str:
    """SQL for one row per session: who, when, on which device, from which campaign."""
    r = lambda salt, *k: _rnd(seed, f"web:{salt}", *k)  # noqa: E731
    # Browsing sessions: `slots` candidates per order, each kept with rate / slots, so the
    # number per order is binomial with the configured mean.
    rate = config.browse_sessions_per_order
    slots = max(1, math.ceil(2 * rate))
    keep = rate / slots
    start = f"date '{HISTORY_START}'"

    def day_near_order(salt: str, *keys: str) -> str:
        # Within BROWSE_DAYS of the order date, mirrored so it never precedes the history.
        offset = f"cast(floor({r(salt, *keys)} * {2 * BROWSE_DAYS + 1}) as integer) - {BROWSE_DAYS}"
        return f"""case when o_orderdate + ({offset}) < {start}
                then o_orderdate - ({offset}) else o_orderdate + ({offset}) end"""

    def time_of_day(salt: str, *keys: str) -> str:
        return f"to_milliseconds(cast(floor({r(salt, *keys)} * 86400000) as bigint))"

    device_cuts, cumulative = [], 0.0
    for name, (share, _) in DEVICES.items():
        cumulative += share
        device_cuts.append((name, cumulative))

    def device(rnd: str) -> str:
        cases = " ".join(f"when {rnd} < {cut} then '{name}'" for name, cut in device_cuts[:-1])
        return f"case {cases} else '{device_cuts[-1][0]}' end"

    bot_agent = _pick(BOT_USER_AGENTS, r("xua", "s._session_key"))
    user_agent = (
        "case s.device "
        + " ".join(
            f"when '{name}' then {_pick(agents, r('ua', 's.customer_key', 's.device'))}"
            for name, (_, agents) in DEVICES.items()
        )
        + " end"
    )
    campaign = lambda i: _pick([c[i] for c in CAMPAIGNS], r("cmp", "s._session_key"))  # noqa: E731
    has_campaign = f"(s.session_type <> 'bot' and {r('utm', 's._session_key')} < {CAMPAIGN_SHARE})"
    utm_query = (
        f"'?utm_source=' || {campaign(0)} || '&utm_medium=' || {campaign(1)}"
        f" || '&utm_campaign=' || {campaign(2)}"
    )
    words = "split_part(p.p_name, ' ', 1) || ' ' || split_part(p.p_name, ' ', 2)"
    query_kind = r("qk", "s._session_key")
    return f"""
    with orders_placed as (
        -- Exactly the placement time of the erp simulator (version 1 of the order).
        select o_orderkey, o_custkey, o_orderdate,
            cast(o_orderdate as timestamp)
                + to_minutes(cast(floor({_rnd(seed, "ot", "o_orderkey")} * 1440) as bigint))
                as placed_at
        from orders
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
            {r("rem", "o.o_orderkey")} < {REMEMBERED_SHARE} as known,
            {device(r("dev", "o.o_orderkey"))} as device,
            o.placed_at as anchor_at,
            5 + 2 * l.n_lines as n_events,
            l.n_lines,
            l.first_part as search_part
        from orders_placed as o
        join order_lines as l using (o_orderkey)
    ),
    browsing as (
        select
            'b' || o_orderkey || '.' || g.s as _session_key,
            'browse' as session_type,
            o_orderkey as order_key,
            o_custkey as customer_key,
            {r("login", "o_orderkey", "g.s")} < {BROWSE_LOGGED_IN_SHARE} as known,
            {device(r("bdev", "o_orderkey", "g.s"))} as device,
            cast({day_near_order("bday", "o_orderkey", "g.s")} as timestamp)
                + {time_of_day("btime", "o_orderkey", "g.s")} as anchor_at,
            2 + cast(floor({r("bn", "o_orderkey", "g.s")} * 5) as integer) as n_events,
            cast(null as bigint) as n_lines
        from orders_placed
        cross join range({slots}) as g(s)
        where {r("bs", "o_orderkey", "g.s")} < {keep}
    ),
    bots as (
        select
            'x' || o_orderkey as _session_key,
            'bot' as session_type,
            o_orderkey as order_key,
            cast(null as bigint) as customer_key,
            false as known,
            'desktop' as device,
            cast({day_near_order("xday", "o_orderkey")} as timestamp)
                + {time_of_day("xtime", "o_orderkey")} as anchor_at,
            5 + cast(floor({r("xn", "o_orderkey")} * 16) as integer) as n_events,
            cast(null as bigint) as n_lines
        from orders_placed
        where {r("bot", "o_orderkey")} < {config.bot_session_rate}
    ),
    sessions as (
        select * from purchases
        union all
        -- A browsing session searches for the part it views first (position 2).
        select *, 1 + cast(floor({r("bp", "_session_key", "2")} * {n_parts}) as bigint)
        from browsing
        union all
        select *, cast(null as bigint) from bots
    ),
    described as (
        select
            s.*,
            case when s.session_type = 'bot' then md5('{seed}:bot:' || s._session_key)
                else md5('{seed}:' || s.customer_key || ':' || s.device) end as anonymous_id,
            case when s.session_type = 'bot' then {bot_agent} else {user_agent} end
                as user_agent,
            {_pick(IP_PREFIXES, r("net", "s._session_key"))}
                || (1 + cast(floor({r("host", "s._session_key")} * 254) as integer))
                as ip_address,
            s.session_type <> 'bot'
                and {r("consent", "s.customer_key", "s.device")} < {CONSENT_SHARE} as consent,
            case when {has_campaign} then {campaign(0)} end as utm_source,
            case when {has_campaign} then {campaign(1)} end as utm_medium,
            case when {has_campaign} then {campaign(2)} end as utm_campaign,
            case when {has_campaign} then {campaign(3)}
                when s.session_type = 'bot' then null
                else {_pick(ORGANIC_REFERRERS, r("ref", "s._session_key"))} end
                as landing_referrer,
            '{PORTAL}/' || case when {has_campaign} then {utm_query} else '' end as landing_url,
            case when p.p_name is null then null
                when {query_kind} < 0.9 then {words}
                when {query_kind} < 0.95 then '"' || {words} || '"'
                else split_part(p.p_name, ' ', 1) || ', ' || split_part(p.p_name, ' ', 2)
            end as search_query
        from sessions as s
        left join part as p on p.p_partkey = s.search_part
    )
    select * exclude (search_part),
        '{PORTAL}/search?q=' || url_encode(search_query) as search_url
    from described
    """


def _events_sql(seed: int, config: WebConfig, n_parts: int) -> str:
    """SQL for one row per event (before delivery): type, client time, page, keys, fault."""
    r = lambda salt, *k: _rnd(seed, f"web:{salt}", *k)  # noqa: E731
    part_url = f"'{PORTAL}/parts/' || "
    ms = lambda expr: f"to_milliseconds(cast({expr} as bigint))"  # noqa: E731

    # Browsing sessions: landing page, search, then product views of random parts, each view
    # at an odd position possibly turned into an add-to-cart of the part viewed just before.
    def b_part(q: str) -> str:
        return f"1 + cast(floor({r('bp', 't._session_key', q)} * {n_parts}) as bigint)"

    def b_cart(q: str) -> str:
        return f"({r('cart', 't._session_key', q)} < {CART_SHARE})"

    def b_page(q: str) -> str:
        return f"""case when {q} = 0 then t.landing_url
                when {q} = 1 then t.search_url
                when {q} % 2 = 1 and {b_cart(q)} then '{PORTAL}/cart'
                else {part_url}{b_part(q)} end"""

    def x_part(q: str) -> str:
        return f"1 + cast(floor({r('xp', 't._session_key', q)} * {n_parts}) as bigint)"

    def x_page(q: str) -> str:
        return f"case when {q} = 0 then t.landing_url else {part_url}{x_part(q)} end"

    lines = "2 * t.n_lines"
    purchase_jitter = f"floor({r('cj', 't._session_key', 't.p')} * 80001) - 40000"
    purchase_offset = ms(
        f"(t.n_events - 1 - t.p) * {GAP_MS} "
        f"+ case when t.p < t.n_events - 1 then {purchase_jitter} else 0 end"
    )
    browse_offset = ms(f"t.p * {GAP_MS} + floor({r('bj', 't._session_key', 't.p')} * 60000)")
    bot_offset = ms(f"t.p * 2500 + floor({r('xj', 't._session_key', 't.p')} * 2000)")
    unknown_delay = ms(f"1000 + floor({r('ud', 't._session_key', 't.p')} * 7000)")
    return f"""
    with positions as (
        select s.*, unnest(generate_series(0, s.n_events - 1)) as p
        from web_sessions as s
    ),
    purchase_typed as (
        select t.*,
            case when t.p = 0 then 'page_view'
                when t.p = 1 then 'search'
                when t.p < 2 + {lines} then
                    case when t.p % 2 = 0 then 'product_view' else 'add_to_cart' end
                when t.p = 2 + {lines} then 'login'
                when t.p = 3 + {lines} then 'checkout'
                else 'purchase' end as event_type,
            case when t.p >= 2 and t.p < 2 + {lines} then (t.p - 2) // 2 + 1 end as line_number
        from positions as t
        where t.session_type = 'purchase'
    ),
    purchase_events as (
        -- Backwards from the purchase: ~90 s apart, 10..170 s, so never a 30 min gap.
        select t._session_key, t.session_type, t.p, t.event_type,
            t.anchor_at - {purchase_offset} as client_at,
            case when t.known or t.p >= 2 + {lines} then t.customer_key end as customer_key,
            case t.event_type
                when 'page_view' then t.landing_url
                when 'search' then t.search_url
                when 'product_view' then {part_url}l.l_partkey
                when 'add_to_cart' then '{PORTAL}/cart'
                when 'login' then '{PORTAL}/login'
                when 'checkout' then '{PORTAL}/checkout'
                else '{PORTAL}/order/' || t.order_key || '/confirmation' end as page_url,
            case when t.p = 0 then t.landing_referrer
                when t.p = 1 then t.landing_url
                when t.p = 2 then t.search_url
                when t.event_type = 'product_view' then '{PORTAL}/cart'
                when t.event_type = 'add_to_cart' then {part_url}l.l_partkey
                when t.event_type = 'login' then '{PORTAL}/cart'
                when t.event_type = 'checkout' then '{PORTAL}/login'
                else '{PORTAL}/checkout' end as referrer,
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
                when t.p % 2 = 1 and {b_cart("t.p")} then 'add_to_cart'
                else 'product_view' end as event_type,
            t.anchor_at + {browse_offset} as client_at,
            case when t.known then t.customer_key end as customer_key,
            {b_page("t.p")} as page_url,
            case when t.p = 0 then t.landing_referrer else {b_page("(t.p - 1)")} end as referrer,
            cast(null as bigint) as order_key,
            case when t.p < 2 then null
                when t.p % 2 = 1 and {b_cart("t.p")} then {b_part("(t.p - 1)")}
                else {b_part("t.p")} end as part_key,
            case when t.p = 1 then t.search_query end as search_query
        from positions as t
        where t.session_type = 'browse'
    ),
    bot_events as (
        -- Crawlers: the home page, then part pages a few seconds apart.
        select t._session_key, t.session_type, t.p,
            case when t.p = 0 then 'page_view' else 'product_view' end as event_type,
            t.anchor_at + {bot_offset} as client_at,
            cast(null as bigint) as customer_key,
            {x_page("t.p")} as page_url,
            case when t.p = 0 then null else {x_page("(t.p - 1)")} end as referrer,
            cast(null as bigint) as order_key,
            case when t.p > 0 then {x_part("t.p")} end as part_key,
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
                    and {r("unk", "b._session_key", "b.p")} < {config.unknown_type_rate}
                then [false, true] else [false] end) as is_unknown
        from base as b
    )
    select
        md5('{seed}:' || t._session_key || ':' || t.p
            || case when t.is_unknown then ':u' else '' end) as event_id,
        t._session_key,
        case when t.is_unknown then {_pick(UNKNOWN_EVENT_TYPES, r("ut", "t._session_key", "t.p"))}
            else t.event_type end as event_type,
        t.client_at + case when t.is_unknown then {unknown_delay}
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
    """


def _delivery_sql(seed: int, config: WebConfig) -> str:
    """SQL adding collector time, arrival and the drift property to every event."""
    r = lambda salt, *k: _rnd(seed, f"web:{salt}", *k)  # noqa: E731
    late = f"(e.fault is null and {r('late', 'e.event_id')} < {config.late_rate})"
    return f"""
    with delivered as (
        select e.*,
            e.client_at + case when {late}
                then to_milliseconds(cast({LATE_MIN_MS}
                    + floor({r("lated", "e.event_id")} * {LATE_MAX_MS - LATE_MIN_MS}) as bigint))
                else to_milliseconds(cast(100 + floor({r("coll", "e.event_id")} * 4900) as bigint))
                end as collector_at,
            case when e.client_at >= timestamp '{config.property_drift_date}' then
                case when e.fault = 'bot'
                    then 20 + cast(floor({r("plt", "e.event_id")} * 180) as integer)
                    else 200 + cast(floor({r("plt", "e.event_id")} * 2800) as integer) end
                end as page_load_ms,
            coalesce(e.fault, case when {late} then 'late' end) as _fault
        from web_events_base as e
    )
    select e.* exclude (fault),
        {_shift_empty_days("e.collector_at", "d")} as _arrived_at
    from delivered as e
    left join calendar as d on d.day = cast(e.collector_at as date)
    """


def _json_sql() -> str:
    """SQL for the line the collector writes for event ``e`` of session ``s``.

    Keys always come in the same order; properties of some event types (and the drift
    property) are left out, not null, where they do not apply.
    """
    utm = lambda col: f"case when e.is_landing then s.{col} end"  # noqa: E731
    common = f"""cast(json_object(
            'event_id', e.event_id,
            'event_type', e.event_type,
            'anonymous_id', s.anonymous_id,
            'customer_key', e.customer_key,
            'client_ts', strftime(e.client_at, '{CLIENT_TS_FORMAT}'),
            'collector_ts', strftime(e.collector_at, '{CLIENT_TS_FORMAT}'),
            'page_url', e.page_url,
            'referrer', e.referrer,
            'utm_source', {utm("utm_source")},
            'utm_medium', {utm("utm_medium")},
            'utm_campaign', {utm("utm_campaign")},
            'device', s.device,
            'user_agent', s.user_agent,
            'ip_address', s.ip_address,
            'consent', s.consent) as varchar)"""
    return f"""left({common}, -1)
        || coalesce(',"order_key":' || e.order_key, '')
        || coalesce(',"part_key":' || e.part_key, '')
        || coalesce(',"search_query":' || cast(to_json(e.search_query) as varchar), '')
        || coalesce(',"page_load_ms":' || e.page_load_ms, '')
        || '}}'"""


def _lines_sql(seed: int, config: WebConfig) -> str:
    """SQL for every line that will arrive: events, duplicates, malformed copies, by arrival."""
    r = lambda salt, *k: _rnd(seed, f"web:{salt}", *k)  # noqa: E731
    client = f"strftime(l.client_at, '{CLIENT_TS_FORMAT}')"
    bad_ts = (
        f"[strftime(l.client_at, '%d/%m/%Y %H:%M:%S'), "
        f"strftime(l.client_at, '%Y-%m-') || '32T' || strftime(l.client_at, '%H:%M:%S.%gZ'), "
        f"'not a timestamp'][1 + cast(floor({r('badts', 'l.event_id')} * 3) as integer)]"
    )
    annotations = "l._session_key, l._converts, l._order_key"

    def with_json(events: str) -> str:
        # Each branch builds the JSON of its own rows only: the optimiser does not push a
        # filter below the (costly) JSON of a shared CTE.
        return f"""(select e.*, {_json_sql()} as raw_line from {events} as e
            join web_sessions as s using (_session_key))"""

    duplicated = f"""(select * from web_events as e
        where {r("dup", "e.event_id")} < {config.duplicate_rate})"""
    broken = f"""(select *, {_pick(MALFORMATIONS, r("badk", "e.event_id"))} as kind
        from web_events as e
        where e.event_type <> 'purchase' and {r("bad", "e.event_id")} < {config.malformed_rate})"""
    return f"""
    with records as (
        select raw_line, _arrived_at, event_id, 'event' as _kind, _fault, {annotations}
        from {with_json("web_events")} as l
        union all
        -- At-least-once delivery: the very same line again, up to a day later.
        select raw_line,
            _arrived_at + to_milliseconds(
                cast(floor({r("dupd", "l.event_id")} * {DUPLICATE_MAX_MS}) as bigint)),
            event_id, 'duplicate', _fault, {annotations}
        from {with_json(duplicated)} as l
        union all
        -- A broken copy of an event, never of a purchase.
        select
            case kind
                when 'not_json' then substring(raw_line, 1, cast(floor(length(raw_line)
                    * (0.3 + 0.6 * {r("cut", "l.event_id")})) as bigint))
                when 'missing_event_id' then
                    replace(raw_line, '"event_id":"' || event_id || '",', '')
                else replace(raw_line, '"client_ts":"' || {client} || '"',
                    '"client_ts":"' || {bad_ts} || '"')
            end,
            _arrived_at, event_id, 'malformed', kind, {annotations}
        from {with_json(broken)} as l
    )
    select * from (
        select
            r.raw_line,
            {_shift_empty_days("r._arrived_at", "d")} as _arrived_at,
            r.event_id as _event_id,
            r._kind,
            r._fault,
            r._session_key,
            r._converts,
            r._order_key
        from records as r
        left join calendar as d on d.day = cast(r._arrived_at as date)
    )
    -- A total order, so that the file is the same on every run.
    order by _arrived_at, _event_id, _kind
    """


def generate_web(
    con: duckdb.DuckDBPyConnection,
    sim_dir: Path,
    seed: int,
    config: WebConfig | None = None,
    progress: Callable[[str], None] = print,
) -> WebSummary:
    """Write ``<sim_dir>/web/events.parquet`` from the TPC-H tables loaded in ``con``.

    ``con`` must hold the dbgen tables ``orders``, ``lineitem`` and ``part`` and the erp
    simulator's ``calendar`` (empty days).
    """
    config = config or WebConfig()
    config.validate()
    started = time.perf_counter()
    web_dir = sim_dir / WEB_DIR
    web_dir.mkdir(parents=True, exist_ok=True)
    target = web_dir / EVENTS_FILE
    (n_parts,) = con.execute("select max(p_partkey) from part").fetchone()
    con.execute(
        f"create or replace temp table web_sessions as {_sessions_sql(seed, config, n_parts)}"
    )
    con.execute(
        f"create or replace temp table web_events_base as {_events_sql(seed, config, n_parts)}"
    )
    con.execute(f"create or replace temp table web_events as {_delivery_sql(seed, config)}")
    con.execute("drop table web_events_base")
    con.execute(
        f"copy ({_lines_sql(seed, config)}) to '{target}' "
        "(format parquet, compression zstd, row_group_size 122880)"
    )
    con.execute("drop table web_events")
    con.execute("drop table web_sessions")
    lines = dict(
        con.execute(f"select _kind, count(*) from read_parquet('{target}') group by all").fetchall()
    )
    faults = dict(
        con.execute(
            f"""select _fault, count(*) from read_parquet('{target}')
                where _fault is not null group by all"""
        ).fetchall()
    )
    first, last = con.execute(
        f"select min(_arrived_at), max(_arrived_at) from read_parquet('{target}')"
    ).fetchone()
    summary = WebSummary(
        lines={k: int(v) for k, v in sorted(lines.items())},
        faults={k: int(v) for k, v in sorted(faults.items())},
        first_arrival=first,
        last_arrival=last,
        seconds=round(time.perf_counter() - started, 1),
    )
    progress(
        f"  {'web':<9} {sum(summary.lines.values()):>11,} lines "
        f"({', '.join(f'{k} {v:,}' for k, v in summary.lines.items())}; faults "
        f"{', '.join(f'{k} {v:,}' for k, v in summary.faults.items()) or 'none'}) "
        f"in {summary.seconds}s"
    )
    return summary
