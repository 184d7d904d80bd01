"""Fast tests of the web clickstream simulator and its landing (tiny scale factor, no dbt)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from warehouse.cli import build_parser
from warehouse.landing import land, read_manifest, read_web_lines_sql, status
from warehouse.simulate import (
    BOT_USER_AGENTS,
    EVENT_TYPES,
    FAULTS,
    HISTORY_START,
    UNKNOWN_EVENT_TYPES,
    FaultConfig,
    WebConfig,
    generate,
    load_meta,
    rnd_sql,
)

SCALE = 0.01
SEED = 3
QUIET = {"progress": lambda _: None}
EVENTS = "{p}/web/events.parquet"


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sim")
    generate(path, scale=SCALE, seed=SEED, **QUIET)
    return path


def _read(path: Path, sql: str) -> list[tuple]:
    return duckdb.connect().execute(sql.replace("{p}", str(path))).fetchall()


def _one(path: Path, sql: str):
    return _read(path, sql)[0][0]


# Valid lines (events and their duplicates) with the fields the tests look at.
PARSED = f"""
    create temp table parsed as
    select
        *,
        json_extract_string(raw_line, '$.event_id') as event_id,
        json_extract_string(raw_line, '$.event_type') as event_type,
        json_extract_string(raw_line, '$.anonymous_id') as anonymous_id,
        cast(json_extract(raw_line, '$.customer_key') as bigint) as customer_key,
        cast(json_extract(raw_line, '$.order_key') as bigint) as order_key,
        cast(json_extract(raw_line, '$.part_key') as bigint) as part_key,
        json_extract_string(raw_line, '$.search_query') as search_query,
        cast(json_extract_string(raw_line, '$.client_ts') as timestamptz) as client_ts,
        cast(json_extract_string(raw_line, '$.collector_ts') as timestamptz) as collector_ts,
        json_extract_string(raw_line, '$.page_url') as page_url,
        json_extract_string(raw_line, '$.referrer') as referrer,
        json_extract_string(raw_line, '$.utm_source') as utm_source,
        json_extract_string(raw_line, '$.device') as device,
        json_extract_string(raw_line, '$.user_agent') as user_agent,
        json_extract_string(raw_line, '$.ip_address') as ip_address,
        cast(json_extract(raw_line, '$.consent') as boolean) as consent
    -- Materialised: JSON functions must never see a malformed line.
    from (select * from '{EVENTS}' where _kind in ('event', 'duplicate'))
"""


@pytest.fixture(scope="module")
def parsed(sim_dir: Path) -> duckdb.DuckDBPyConnection:
    """A connection holding the table ``parsed`` (see PARSED)."""
    con = duckdb.connect()
    con.execute(PARSED.replace("{p}", str(sim_dir)))
    return con


def _valid_json_and(condition: str) -> str:
    """SQL: the line is JSON and ``condition`` holds (evaluated on JSON lines only)."""
    return f"(case when json_valid(raw_line) then {condition} else false end)"


def _faults_and_kinds(path: Path) -> tuple[set[str], set[str]]:
    faults = {r[0] for r in _read(path, f"select distinct _fault from '{EVENTS}'") if r[0]}
    kinds = {r[0] for r in _read(path, f"select distinct _kind from '{EVENTS}'")}
    return faults, kinds


def test_web_generation_is_deterministic(sim_dir: Path, tmp_path: Path):
    generate(tmp_path, scale=SCALE, seed=SEED, **QUIET)
    # In file order: the arrival order, ties included, is the same on every run.
    a = _read(sim_dir, f"select * from '{EVENTS}'")
    b = _read(tmp_path, f"select * from '{EVENTS}'")
    assert len(a) > 0 and a == b
    counts = [
        {k: v for k, v in load_meta(d).web.items() if k != "seconds"} for d in (tmp_path, sim_dir)
    ]
    assert counts[0] == counts[1]


def test_every_order_has_one_valid_purchase_at_its_erp_placement_time(
    sim_dir: Path, parsed: duckdb.DuckDBPyConnection
):
    con = parsed
    orders = f"""(select o_orderkey::bigint as order_key, o_custkey::bigint as customer_key,
                    strptime(updated_at, '%Y-%m-%d %H:%M:%S') as placed_at
                from '{sim_dir}/erp/orders.parquet' where _kind = 'version' and _version = 1)"""
    n_orders = con.execute(f"select count(*) from {orders}").fetchone()[0]
    purchases = "(select * from parsed where event_type = 'purchase')"
    n_keys, n_ids, n_annotated = con.execute(
        f"""select count(distinct order_key), count(distinct event_id),
                count(*) filter (where _order_key = order_key and _converts)
            from {purchases}"""
    ).fetchone()
    n_lines = con.execute(f"select count(*) from {purchases}").fetchone()[0]
    assert n_keys == n_ids == n_orders > 0
    assert n_annotated == n_lines
    (two_ids,) = con.execute(
        f"""select count(*) from (select order_key from {purchases}
            group by order_key having count(distinct event_id) > 1)"""
    ).fetchone()
    assert two_ids == 0
    # Timestamped when the erp places the order, by the customer who placed it.
    (mismatched,) = con.execute(
        f"""select count(*) from {purchases} as p
            left join {orders} as o using (order_key)
            where o.placed_at is null or p.client_ts <> cast(o.placed_at as timestamptz)
               or p.customer_key is distinct from o.customer_key
               or p.page_url <> 'https://portal.example.com/order/' || p.order_key
                    || '/confirmation'"""
    ).fetchone()
    assert mismatched == 0
    # Faults never touch a purchase: no malformed copy, no bot, no unknown type.
    (touched,) = con.execute(
        f"""select count(*) from '{sim_dir}/web/events.parquet'
            where raw_line like '%"event_type":"purchase"%'
              and (_kind = 'malformed' or _fault in ('bot', 'unknown_type'))"""
    ).fetchone()
    assert touched == 0


def test_converting_sessions_are_funnels_without_30_minute_gaps(
    sim_dir: Path, parsed: duckdb.DuckDBPyConnection
):
    con = parsed
    lines = f"""(select l_orderkey::bigint as order_key, count(*) as n_lines
                from '{sim_dir}/erp/lineitem.parquet' where _kind = 'version' and _version = 1
                group by all)"""
    ordered = """(
        select *,
            row_number() over w as position,
            count(*) over (partition by _session_key) as n_events,
            client_ts - lag(client_ts) over w as gap
        from parsed
        where _kind = 'event' and _converts and _fault is distinct from 'unknown_type'
        window w as (partition by _session_key order by client_ts))"""
    (bad_gaps,) = con.execute(
        f"""select count(*) from {ordered}
            where gap >= interval 30 minute or gap <= interval 0 second"""
    ).fetchone()
    assert bad_gaps == 0
    # page_view, search, a view and an add-to-cart per order line, login, checkout, purchase.
    (bad_funnels,) = con.execute(
        f"""
        with sessions as (
            select _session_key, any_value(_order_key) as order_key,
                string_agg(event_type, ' ' order by position) as funnel,
                max(n_events) as n_events
            from {ordered}
            group by all
        )
        select count(*) from sessions as s join {lines} as l using (order_key)
        where s.n_events <> 5 + 2 * l.n_lines
           or s.funnel <> 'page_view search '
                || repeat('product_view add_to_cart ', cast(l.n_lines as integer))
                || 'login checkout purchase'"""
    ).fetchone()
    assert bad_funnels == 0
    # Customer known from the login on; before it for all or none of the events: for
    # remembered visitors (~40%) only.
    remembered, total, inconsistent = con.execute(
        f"""
        with events as (
            select *, first_value(customer_key) over (
                partition by _session_key order by position desc) as customer
            from {ordered}
        ),
        sessions as (
            select _session_key,
                count(*) filter (where position >= n_events - 2
                    and customer_key is distinct from customer) as unknown_after_login,
                count(*) filter (where customer_key <> customer) as other_customer,
                count(customer_key) filter (where position < n_events - 2) as known_before,
                count(*) filter (where position < n_events - 2) as n_before
            from events
            group by all
        )
        select count(*) filter (where known_before = n_before), count(*),
            count(*) filter (where unknown_after_login > 0 or other_customer > 0
                or known_before not in (0, n_before))
        from sessions"""
    ).fetchone()
    assert inconsistent == 0
    assert 0.3 < remembered / total < 0.5


def test_some_sessions_cross_midnight(sim_dir: Path):
    crossing, converting_crossing = _read(
        sim_dir,
        f"""select count(*), count(*) filter (where converts) from (
                select _session_key, bool_or(_converts) as converts,
                    min(cast(json_extract_string(raw_line, '$.client_ts') as timestamp)::date)
                    <> max(cast(json_extract_string(raw_line, '$.client_ts') as timestamp)::date)
                    as crosses
                from '{EVENTS}' where _kind = 'event' group by all)
            where crosses""",
    )[0]
    assert crossing > 0 and converting_crossing > 0


def test_volume_is_about_20_lines_per_order(sim_dir: Path):
    n_orders = _one(
        sim_dir, "select count(distinct o_orderkey) from '{p}/erp/orders.parquet' where _version=1"
    )
    n_lines = _one(sim_dir, f"select count(*) from '{EVENTS}'")
    assert 15 <= n_lines / n_orders <= 25
    # Most sessions do not convert: 1.5 browsing sessions per order by default.
    browsing = _one(
        sim_dir,
        f"select count(distinct _session_key) from '{EVENTS}' "
        "where not _converts and _fault is distinct from 'bot'",
    )
    assert 1.3 <= browsing / n_orders <= 1.7
    meta = load_meta(sim_dir)
    assert sum(meta.web["lines"].values()) == n_lines


def test_every_event_carries_the_documented_fields(
    sim_dir: Path, parsed: duckdb.DuckDBPyConnection
):
    con = parsed
    checks = {
        "event_id": "not regexp_full_match(event_id, '[0-9a-f]{32}')",
        "anonymous_id": "not regexp_full_match(anonymous_id, '[0-9a-f]{32}')",
        "client_ts format": """not regexp_full_match(
            json_extract_string(raw_line, '$.client_ts'),
            '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z')""",
        "collector delay": """case when _fault = 'late'
            then collector_ts - client_ts not between interval 1 hour and interval 3 day
            else collector_ts - client_ts not between interval 100 millisecond
                and interval 5 second end""",
        "ip_address": """not regexp_full_match(ip_address,
            '(192\\.0\\.2|198\\.51\\.100|203\\.0\\.113)\\.\\d{1,3}')""",
        "device": "device not in ('desktop', 'mobile', 'tablet')",
        "user_agent": """(_fault = 'bot') <> regexp_matches(lower(user_agent), 'bot|crawler')""",
        "consent": "consent is null",
        "event_type": f"event_type not in ({', '.join(repr(t) for t in EVENT_TYPES)}) "
        "and _fault is distinct from 'unknown_type'",
        "order_key": "(event_type = 'purchase') <> (order_key is not null)",
        "part_key": """(event_type in ('product_view', 'add_to_cart'))
            <> (part_key is not null) and _fault is distinct from 'unknown_type'""",
        "search_query": "(event_type = 'search') <> (search_query is not null)",
        "product page": """event_type = 'product_view'
            and page_url <> 'https://portal.example.com/parts/' || part_key""",
        "utm only on landing": "utm_source is not null and event_type <> 'page_view'",
        "anonymous before login": """customer_key is null and event_type
            in ('login', 'checkout', 'purchase')""",
    }
    for name, condition in checks.items():
        (bad,) = con.execute(f"select count(*) from parsed where {condition}").fetchone()
        assert bad == 0, name
    # Campaigns on the landing event of ~60% of human sessions; referrer = previous page.
    (campaign_share,) = con.execute(
        """select avg((utm_source is not null)::int) from (
                select distinct on (_session_key) * from parsed
                where _kind = 'event' and _fault is distinct from 'bot'
                order by _session_key, client_ts)"""
    ).fetchone()
    assert 0.5 < campaign_share < 0.7
    (bad_referrers,) = con.execute(
        """select count(*) from (
                select referrer, lag(page_url) over (
                    partition by _session_key order by client_ts) as previous
                from parsed
                where _kind = 'event' and _fault is distinct from 'unknown_type')
            where previous is not null and referrer is distinct from previous"""
    ).fetchone()
    assert bad_referrers == 0


def test_every_fault_kind_is_injected_with_the_default_rates(sim_dir: Path):
    faults, kinds = _faults_and_kinds(sim_dir)
    assert faults == set(FAULTS)
    assert kinds == {"event", "duplicate", "malformed"}
    con = duckdb.connect()
    events = f"'{sim_dir}/web/events.parquet'"
    # A duplicate is the very same line, arriving again up to a day later (more when the
    # day after is empty).
    bad_duplicates, n_duplicates = con.execute(
        f"""select count(*) filter (where e.raw_line is null or d.raw_line <> e.raw_line
                or d._arrived_at < e._arrived_at
                or d._arrived_at > e._arrived_at + interval 4 day),
                count(*)
            from {events} as d
            left join (select * from {events} where _kind = 'event') as e using (_event_id)
            where d._kind = 'duplicate'"""
    ).fetchone()
    assert n_duplicates > 0 and bad_duplicates == 0
    # Unknown types are unknown; bots say so in their user agent.
    unknown = {
        r[0]
        for r in con.execute(
            f"""select distinct json_extract_string(raw_line, '$.event_type') from {events}
                where _fault = 'unknown_type' and _kind = 'event'"""
        ).fetchall()
    }
    assert unknown and unknown <= set(UNKNOWN_EVENT_TYPES)
    agents = {
        r[0]
        for r in con.execute(
            f"""select distinct json_extract_string(raw_line, '$.user_agent') from {events}
                where _fault = 'bot'"""
        ).fetchall()
    }
    assert agents and agents <= set(BOT_USER_AGENTS)
    # Faults only add or delay lines: every event arrives once as an event.
    (n_events, n_ids) = con.execute(
        f"select count(*), count(distinct _event_id) from {events} where _kind = 'event'"
    ).fetchone()
    assert n_events == n_ids


def test_malformed_lines_are_really_malformed(sim_dir: Path):
    con = duckdb.connect()
    events = f"'{sim_dir}/web/events.parquet'"
    has_id = _valid_json_and("json_exists(raw_line, '$.event_id')")
    good_ts = _valid_json_and(
        "try_cast(json_extract_string(raw_line, '$.client_ts') as timestamptz) is not null"
    )
    rows = con.execute(
        f"""select _fault, count(*),
                count(*) filter (where json_valid(raw_line)),
                count(*) filter (where {has_id}),
                count(*) filter (where {good_ts})
            from {events} where _kind = 'malformed' group by all"""
    ).fetchall()
    stats = {fault: (n, valid, with_id, good_ts) for fault, n, valid, with_id, good_ts in rows}
    assert set(stats) == {"not_json", "missing_event_id", "bad_timestamp"}
    n, valid, _, _ = stats["not_json"]
    assert n > 0 and valid == 0
    n, valid, with_id, _ = stats["missing_event_id"]
    assert n > 0 and valid == n and with_id == 0
    n, valid, with_id, parsable = stats["bad_timestamp"]
    assert n > 0 and valid == with_id == n and parsable == 0
    # Every other line is valid JSON with an id and a parsable client time.
    (broken,) = con.execute(
        f"""select count(*) from {events}
            where _kind <> 'malformed' and not ({has_id} and {good_ts})"""
    ).fetchone()
    assert broken == 0


def _empty_days(seed: int, rate: float) -> list[date]:
    # The erp simulator's calendar of empty days, recomputed.
    rows = duckdb.execute(
        f"""select cast(d as date) from range(timestamp '{HISTORY_START}',
                timestamp '2000-06-01', interval 1 day) t(d)
            where {rnd_sql(seed, "empty", "epoch(d)")} < {rate} order by 1"""
    ).fetchall()
    return [r[0] for r in rows]


def test_empty_days_receive_no_web_lines(sim_dir: Path):
    empty = _empty_days(SEED, FaultConfig().empty_day_rate)
    assert len(empty) > 10
    days = {
        r[0] for r in _read(sim_dir, f"select distinct cast(_arrived_at as date) from '{EVENTS}'")
    }
    assert not days & set(empty)
    # ... while on the days after them the held-back lines arrive at 06:00.
    (held_back,) = _read(
        sim_dir,
        f"""select count(*) from '{EVENTS}'
            where cast(_arrived_at as date) in ({", ".join(f"'{d + timedelta(1)}'" for d in empty)})
              and cast(_arrived_at as time) = time '06:00:00'""",
    )[0]
    assert held_back > 0


@pytest.mark.parametrize(
    ("rate", "gone"),
    [
        ("late_rate", {"late"}),
        ("duplicate_rate", {"duplicate"}),
        ("malformed_rate", {"malformed", "not_json", "missing_event_id", "bad_timestamp"}),
        ("unknown_type_rate", {"unknown_type"}),
        ("bot_session_rate", {"bot"}),
    ],
)
def test_each_fault_is_absent_when_its_rate_is_0(tmp_path: Path, rate: str, gone: set[str]):
    generate(tmp_path, scale=0.001, seed=1, web=WebConfig(**{rate: 0.0}), **QUIET)
    faults, kinds = _faults_and_kinds(tmp_path)
    present = faults | kinds
    assert not present & gone
    # ... and only that fault: the others are still there.
    assert present == ({*FAULTS, "event", "duplicate", "malformed"} - gone)


def test_order_share_keeps_the_clickstream_of_that_share_of_orders(sim_dir: Path, tmp_path: Path):
    generate(tmp_path, scale=SCALE, seed=SEED, web=WebConfig(order_share=0.25), **QUIET)
    full, part = EVENTS.format(p=sim_dir), EVENTS.format(p=tmp_path)
    con = duckdb.connect()
    n_all, n_kept = con.execute(
        f"""select (select count(distinct _order_key) from '{full}'),
                   (select count(distinct _order_key) from '{part}')"""
    ).fetchone()
    assert 0.2 <= n_kept / n_all <= 0.3
    # Every session (purchase, browsing, bot) is drawn for one order: its key holds the
    # order's number. The kept orders' lines are those of the full clickstream, line for line.
    order_of = "cast(regexp_extract(_session_key, '^[obx]([0-9]+)', 1) as bigint)"
    kept = f"(select _order_key from '{part}' where _order_key is not null)"
    (differ,) = con.execute(
        f"""select count(*) from (
                (select * from '{full}' where {order_of} in {kept}
                 except all select * from '{part}')
                union all
                (select * from '{part}' except all select * from '{full}'))"""
    ).fetchone()
    (strays,) = con.execute(
        f"select count(*) from '{part}' where {order_of} not in {kept}"
    ).fetchone()
    assert differ == 0 and strays == 0
    # The erp side does not change (the same records; ties in arrival time in any order).
    for entity in ("orders", "lineitem", "customer"):
        erp = f"select * from '{{p}}/erp/{entity}.parquet' order by all"
        assert _read(sim_dir, erp) == _read(tmp_path, erp), entity


def test_generate_without_web_leaves_no_clickstream(tmp_path: Path):
    generate(tmp_path, scale=0.001, seed=1, **QUIET)
    assert (tmp_path / "web" / "events.parquet").exists()
    meta = generate(tmp_path, scale=0.001, seed=1, web=False, **QUIET)
    assert meta.web == {} and not (tmp_path / "web" / "events.parquet").exists()
    batch = land(tmp_path, tmp_path / "landing", through=date(1999, 12, 31), **QUIET)
    assert "web_events" not in batch.rows and not (tmp_path / "landing" / "web").exists()


def test_bad_web_configuration_fails_fast(tmp_path: Path):
    with pytest.raises(ValueError, match="bot_session_rate"):
        generate(tmp_path, scale=0.001, web=WebConfig(bot_session_rate=1.5), **QUIET)
    with pytest.raises(ValueError, match="browse_sessions_per_order"):
        WebConfig(browse_sessions_per_order=-1).validate()
    with pytest.raises(ValueError, match="order_share"):
        WebConfig(order_share=1.5).validate()
    assert not (tmp_path / "meta.json").exists()


def test_generate_command_takes_the_web_rates(capsys):
    args = build_parser().parse_args(
        ["generate", "--web-late-rate", "0.2", "--web-browse-sessions", "3"]
    )
    assert (args.web_late_rate, args.web_browse_sessions) == (0.2, 3.0)
    assert args.web_bot_rate == WebConfig().bot_session_rate
    with pytest.raises(SystemExit):
        build_parser().parse_args(["generate", "--web-duplicate-rate", "1"])
    assert "must be in [0, 1)" in capsys.readouterr().err
    # A share takes both ends of its range.
    assert build_parser().parse_args(["generate", "--web-order-share", "1"]).web_order_share == 1
    with pytest.raises(SystemExit):
        build_parser().parse_args(["generate", "--web-order-share", "1.01"])
    assert "order share must be in [0, 1]" in capsys.readouterr().err


def _expected_lines(sim_dir: Path, after: date | None, through: date) -> list[str]:
    lower = f"_arrived_at >= timestamp '{after + timedelta(1)}'" if after else "true"
    return [
        r[0]
        for r in _read(
            sim_dir,
            f"""select raw_line from read_parquet('{EVENTS}', file_row_number = true)
                where {lower} and _arrived_at < timestamp '{through + timedelta(1)}'
                order by file_row_number""",
        )
    ]


@pytest.fixture(scope="module")
def landed(sim_dir: Path, tmp_path_factory) -> tuple[Path, list[date]]:
    """The history landed at irregular cut-offs, one of them an empty day (no line at all)."""
    landing = tmp_path_factory.mktemp("landing")
    empty = next(d for d in _empty_days(SEED, FaultConfig().empty_day_rate) if d.year == 1994)
    cutoffs = [date(1992, 1, 1), empty - timedelta(1), empty, date(1996, 9, 15), date(1999, 12, 31)]
    for cutoff in cutoffs:
        land(sim_dir, landing, through=cutoff, **QUIET)
    return landing, cutoffs


def test_web_lines_land_exactly_once_and_byte_for_byte(sim_dir: Path, landed):
    landing, cutoffs = landed
    batches = read_manifest(landing)
    assert [b.batch_id for b in batches] == [1, 2, 3, 4, 5]
    previous = None
    for batch, cutoff in zip(batches, cutoffs, strict=True):
        path = landing / "web" / "events" / f"batch={batch.batch_id:06d}" / "lines.parquet"
        lines = _read(
            landing,
            f"select raw_line from read_parquet('{path}', file_row_number = true) "
            "order by file_row_number",
        )
        expected = _expected_lines(sim_dir, previous, cutoff)
        # The collector's lines, exactly and in arrival order, one row per line.
        assert [line for (line,) in lines] == expected, batch.batch_id
        assert batch.rows["web_events"] == len(expected)
        previous = cutoff
    # The batch of the empty day has a file, without any line.
    assert batches[2].rows["web_events"] == 0
    # The lines exercise the hard cases: quotes, commas and backslashes inside values.
    landed_lines = _read(
        landing, f"select raw_line from {read_web_lines_sql('{p}/web/*/*/*.parquet')}"
    )
    assert any('\\"' in r[0] for r in landed_lines) and all("," in r[0] for r in landed_lines)
    # Read back as text lines: the landed multiset is the simulator's, malformed included.
    (difference,) = _read(
        landing,
        f"""with landed as (select raw_line from {read_web_lines_sql("{p}/web/*/*/*.parquet")}),
            simulated as (select raw_line from '{sim_dir}/web/events.parquet')
            select count(*) from (
                (select * from landed except all select * from simulated)
                union all
                (select * from simulated except all select * from landed))""",
    )[0]
    assert difference == 0
    assert len(landed_lines) == sum(b.rows["web_events"] for b in batches) > 0
    assert "web_events" in status(sim_dir, landing)


def test_page_load_ms_appears_from_the_drift_date(landed):
    landing, cutoffs = landed
    drift = WebConfig().property_drift_date
    assert cutoffs[2] < drift < cutoffs[3]
    client_ts = "try_cast(json_extract_string(raw_line, '$.client_ts') as timestamp)"
    rows = _read(
        landing,
        f"""select
                {_valid_json_and(f"{client_ts} >= timestamp '{drift}'")} as after_drift,
                {_valid_json_and("json_exists(raw_line, '$.page_load_ms')")} as has_property,
                regexp_extract(filename, 'batch=(\\d+)', 1)::int as batch_id,
                count(*)
            from {read_web_lines_sql("{p}/web/*/*/*.parquet")}
            where {_valid_json_and(f"{client_ts} is not null")}
            group by all""",
    )
    counts: dict[tuple[bool, bool], int] = {}
    for after, has, batch_id, n in rows:
        counts[after, has] = counts.get((after, has), 0) + n
        assert batch_id > 3 or not has  # batches before the drift date lack it
    assert counts.get((False, True), 0) == counts.get((True, False), 0) == 0
    assert counts[False, False] > 0 and counts[True, True] > 0


def test_an_interrupted_web_landing_is_cleaned_up(sim_dir: Path, tmp_path: Path):
    landing = tmp_path / "landing"
    land(sim_dir, landing, through=date(1993, 1, 1), **QUIET)
    orphan = landing / "web" / "events" / "batch=000002"
    orphan.mkdir()
    (orphan / "lines.parquet").write_bytes(b"partial")
    batch = land(sim_dir, landing, through=date(1993, 2, 1), **QUIET)
    lines = _one(landing, f"select count(*) from read_parquet('{orphan / 'lines.parquet'}')")
    assert batch.batch_id == 2 and lines == batch.rows["web_events"] > 0
