"""The web source: the ordering portal's clickstream, consistent with the erp data.

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

Days on which the erp source delivers nothing (the ``calendar`` table) deliver no web lines
either: what would arrive then arrives at 06:00 of the next open day.

The SQL is in ``sql/web/`` (sessions, events, delivery, lines; helpers in macros.sql). A scale
factor and seed always give the same file: ``<sim_dir>/web/events.parquet``, one row per line
in arrival order, holding ``raw_line`` (the exact text the collector writes), ``_arrived_at``
and annotations that the landing step strips (``_event_id``, ``_kind``, ``_fault``,
``_session_key``, ``_converts``, ``_order_key``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from warehouse.simulate.dates import HISTORY_START
from warehouse.simulate.randomness import sql_list
from warehouse.simulate.sqlfiles import render

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
    lines per order with the faults. ``order_share`` keeps the sessions of that share of the
    orders only (all of them by default), for a smaller clickstream beside a full erp side.
    Each field's metadata holds the help of its `warehouse generate` option (``--web-<field>``
    unless it names its ``flag``; a float is a rate in [0, 1) unless it names its ``range``,
    whose ends are both allowed).
    """

    browse_sessions_per_order: float = field(
        default=1.5,
        metadata={
            "flag": "--web-browse-sessions",
            "range": (0.0, 100.0),
            "help": "non-converting sessions per order, the volume knob: about 13 + 4 x this "
            "events per order",
        },
    )
    order_share: float = field(
        default=1.0,
        metadata={
            "flag": "--web-order-share",
            "range": (0.0, 1.0),
            "help": "share of orders placed through the portal: the others (phone, EDI) leave "
            "no clickstream, so this scales the web volume without changing the erp side",
        },
    )
    late_rate: float = field(
        default=0.01,
        metadata={"help": "share of events received 1 hour to 3 days after they were sent"},
    )
    duplicate_rate: float = field(
        default=0.01, metadata={"help": "share of events delivered twice"}
    )
    malformed_rate: float = field(
        default=0.002, metadata={"help": "share of events followed by a malformed copy"}
    )
    unknown_type_rate: float = field(
        default=0.002,
        metadata={"help": "share of events followed by an event of an unknown type"},
    )
    bot_session_rate: float = field(
        default=0.03, metadata={"flag": "--web-bot-rate", "help": "bot sessions per order"}
    )
    property_drift_date: date = field(
        default=date(1996, 7, 1),
        metadata={
            "flag": "--web-drift-date",
            "help": "date from which events carry the new property page_load_ms",
        },
    )

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
        share = self.order_share
        if not (math.isfinite(share) and 0.0 <= share <= 1.0):
            raise ValueError(f"order_share={share} must be in [0, 1]")
        if not isinstance(self.property_drift_date, date):
            raise ValueError(f"property_drift_date={self.property_drift_date!r} is not a date")


@dataclass
class WebSummary:
    """What the generator reports back to the simulator's ``meta.json``."""

    lines: dict[str, int]
    faults: dict[str, int]
    first_arrival: datetime | None
    last_arrival: datetime | None
    seconds: float


def define_web_macros(con: duckdb.DuckDBPyConnection, n_parts: int) -> None:
    """Create the clickstream's macros (sql/web/macros.sql) for a catalogue of ``n_parts``."""
    device_cases, cumulative = [], 0.0
    for name, (share, _) in DEVICES.items():
        cumulative += share
        device_cases.append(f"when x < {cumulative} then '{name}'")
    device_cases[-1] = f"else '{list(DEVICES)[-1]}'"
    user_agent_cases = " ".join(
        f"when '{name}' then pick({sql_list(agents)}, x)" for name, (_, agents) in DEVICES.items()
    )
    con.execute(
        render(
            "web/macros",
            device_cases=" ".join(device_cases),
            user_agent_cases=user_agent_cases,
            browse_window=2 * BROWSE_DAYS + 1,
            browse_days=BROWSE_DAYS,
            history_start=HISTORY_START,
            n_parts=n_parts,
            cart_share=CART_SHARE,
            portal=PORTAL,
        )
    )


def sessions_sql(seed: int, config: WebConfig, n_parts: int) -> str:
    """SQL for one row per session: who, when, on which device, from which campaign."""
    # Browsing sessions: `slots` candidates per order, each kept with rate / slots, so the
    # number per order is binomial with the configured mean.
    rate = config.browse_sessions_per_order
    slots = max(1, math.ceil(2 * rate))
    return render(
        "web/sessions",
        seed=seed,
        n_parts=n_parts,
        slots=slots,
        keep=rate / slots,
        order_share=config.order_share,
        bot_session_rate=config.bot_session_rate,
        remembered_share=REMEMBERED_SHARE,
        browse_logged_in_share=BROWSE_LOGGED_IN_SHARE,
        campaign_share=CAMPAIGN_SHARE,
        consent_share=CONSENT_SHARE,
        portal=PORTAL,
        bot_user_agents=sql_list(BOT_USER_AGENTS),
        ip_prefixes=sql_list(IP_PREFIXES),
        campaign_sources=sql_list([c[0] for c in CAMPAIGNS]),
        campaign_media=sql_list([c[1] for c in CAMPAIGNS]),
        campaign_names=sql_list([c[2] for c in CAMPAIGNS]),
        campaign_referrers=sql_list([c[3] for c in CAMPAIGNS]),
        organic_referrers=sql_list(ORGANIC_REFERRERS),
    )


def events_sql(seed: int, config: WebConfig) -> str:
    """SQL for one row per event (before delivery): type, client time, page, keys, fault."""
    return render(
        "web/events",
        seed=seed,
        gap_ms=GAP_MS,
        portal=PORTAL,
        unknown_type_rate=config.unknown_type_rate,
        unknown_event_types=sql_list(UNKNOWN_EVENT_TYPES),
    )


def delivery_sql(config: WebConfig) -> str:
    """SQL adding collector time, arrival and the drift property to every event."""
    return render(
        "web/delivery",
        late_rate=config.late_rate,
        late_min_ms=LATE_MIN_MS,
        late_spread_ms=LATE_MAX_MS - LATE_MIN_MS,
        property_drift_date=config.property_drift_date,
    )


def lines_sql(config: WebConfig) -> str:
    """SQL for every line that will arrive: events, duplicates, malformed copies, by arrival."""
    return render(
        "web/lines",
        json_line=render("web/json_line", client_ts_format=CLIENT_TS_FORMAT).strip(),
        client_ts_format=CLIENT_TS_FORMAT,
        duplicate_rate=config.duplicate_rate,
        duplicate_max_ms=DUPLICATE_MAX_MS,
        malformed_rate=config.malformed_rate,
        malformations=sql_list(MALFORMATIONS),
    )


def generate_web(
    con: duckdb.DuckDBPyConnection,
    sim_dir: Path,
    seed: int,
    config: WebConfig | None = None,
    progress: Callable[[str], None] = print,
) -> WebSummary:
    """Write ``<sim_dir>/web/events.parquet`` from the TPC-H tables loaded in ``con``.

    ``con`` must hold the dbgen tables ``orders``, ``lineitem`` and ``part``, the ``calendar``
    (empty days) and the simulator's macros for ``seed`` (``randomness.define_macros``).
    """
    config = config or WebConfig()
    config.validate()
    started = time.perf_counter()
    web_dir = sim_dir / WEB_DIR
    web_dir.mkdir(parents=True, exist_ok=True)
    target = web_dir / EVENTS_FILE
    n_parts_row = con.execute("select max(p_partkey) from part").fetchone()
    assert n_parts_row is not None
    n_parts = int(n_parts_row[0])
    define_web_macros(con, n_parts)
    con.execute(f"create or replace table web_sessions as {sessions_sql(seed, config, n_parts)}")
    con.execute(f"create or replace table web_events_base as {events_sql(seed, config)}")
    con.execute(f"create or replace table web_events as {delivery_sql(config)}")
    con.execute("drop table web_events_base")
    con.execute(
        f"copy ({lines_sql(config)}) to '{target}' "
        "(format parquet, compression zstd, row_group_size 122880)"
    )
    con.execute("drop table web_events")
    con.execute("drop table web_sessions")
    lines = con.execute(
        f"select _kind, count(*) from read_parquet('{target}') group by all"
    ).fetchall()
    faults = con.execute(
        f"""select _fault, count(*) from read_parquet('{target}')
            where _fault is not null group by all"""
    ).fetchall()
    bounds = con.execute(
        f"select min(_arrived_at), max(_arrived_at) from read_parquet('{target}')"
    ).fetchone()
    assert bounds is not None
    summary = WebSummary(
        lines={str(k): int(v) for k, v in sorted(lines)},
        faults={str(k): int(v) for k, v in sorted(faults)},
        first_arrival=bounds[0],
        last_arrival=bounds[1],
        seconds=round(time.perf_counter() - started, 1),
    )
    progress(
        f"  {'web':<9} {sum(summary.lines.values()):>11,} lines "
        f"({', '.join(f'{k} {v:,}' for k, v in summary.lines.items())}; faults "
        f"{', '.join(f'{k} {v:,}' for k, v in summary.faults.items()) or 'none'}) "
        f"in {summary.seconds}s"
    )
    return summary
