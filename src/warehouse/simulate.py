"""Simulator of the erp source system: a TPC-H database replayed as a history of changes.

The base data is DuckDB's TPC-H generator (``dbgen``). The simulator turns that static state
into a stream of change records that *ends* in exactly the TPC-H state:

* orders arrive on their order date with an open status and reach their final values when the
  last of their lines has been received;
* order lines arrive with the order (no shipping facts yet), are updated when they ship and
  again when they are received;
* customers, suppliers, parts and part-supplier offers get one to three versions; the last
  version is the TPC-H row.

Faults are injected on purpose (late arrival, duplicate delivery, out-of-order updates,
malformed rows, empty days, a column added to the orders extract from a date on). Faults only
ever add rows or delay them, and every record says which fault it carries, so tests can
reconcile counts. Everything is vectorised DuckDB SQL; randomness is ``hash(seed, salt, key)``,
so a given scale factor and seed always produce the same files.

Output (``sim_dir``): ``meta.json`` and ``erp/<entity>.parquet`` holding every record that will
ever arrive, all business columns as text (as an extract would carry them), plus the arrival
time and the fault annotations that the landing step strips. By default it also writes the web
clickstream of the same orders, ``web/events.parquet`` (see ``warehouse.simulate_web``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.duck import connect_with_tpch

if TYPE_CHECKING:
    from warehouse.simulate_web import WebConfig

HISTORY_START = date(1992, 1, 1)
# Last date on which an earlier version of a customer/part/supplier/offer may be replaced.
VERSION_SPAN_END = date(1998, 8, 1)

# Entity -> business key columns, in the order the source system declares them.
ENTITY_KEYS: dict[str, list[str]] = {
    "region": ["r_regionkey"],
    "nation": ["n_nationkey"],
    "customer": ["c_custkey"],
    "supplier": ["s_suppkey"],
    "part": ["p_partkey"],
    "partsupp": ["ps_partkey", "ps_suppkey"],
    "orders": ["o_orderkey"],
    "lineitem": ["l_orderkey", "l_linenumber"],
}
ENTITIES = list(ENTITY_KEYS)

# The column added to the orders extract from `drift_date` on (schema drift).
DRIFT_COLUMN = "o_source_channel"

# How each entity is corrupted when a malformed copy is injected:
# (column that gets an unparsable value, that value, column that gets an unknown code, code).
MALFORMATIONS: dict[str, tuple[str, str, str | None, str | None]] = {
    "region": ("r_regionkey", "one", None, None),
    "nation": ("n_regionkey", "n/a", None, None),
    "customer": ("c_acctbal", "n/a", "c_mktsegment", "UNKNOWN"),
    "supplier": ("s_acctbal", "12,50", None, None),
    "part": ("p_retailprice", "1O0.00", None, None),
    "partsupp": ("ps_availqty", "many", None, None),
    "orders": ("o_orderdate", "1995-02-30", "o_orderstatus", "X"),
    "lineitem": ("l_quantity", "12.x", "l_returnflag", "Z"),
}


@dataclass(frozen=True)
class FaultConfig:
    """Rates of the injected faults (fractions of records, or of days for empty days)."""

    late_rate: float = 0.02
    late_max_days: int = 10
    duplicate_rate: float = 0.01
    out_of_order_rate: float = 0.01
    malformed_rate: float = 0.001
    empty_day_rate: float = 0.01
    drift_date: date = date(1996, 1, 1)

    def validate(self) -> None:
        for name in (
            "late_rate",
            "duplicate_rate",
            "out_of_order_rate",
            "malformed_rate",
            "empty_day_rate",
        ):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"fault rate {name}={value} must be in [0, 1)")
        if self.late_max_days < 1:
            raise ValueError(f"late_max_days={self.late_max_days} must be at least 1")


@dataclass
class SimulationMeta:
    """What ``meta.json`` records about a generated history."""

    scale: float
    seed: int
    faults: dict
    history_start: str
    first_arrival: str
    last_arrival: str
    records: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0
    # The web clickstream, when generated: config, lines per kind, faults per kind, seconds.
    web: dict = field(default_factory=dict)


def _rnd(seed: int, salt: str, *keys: str) -> str:
    """SQL for a deterministic pseudo-random number in [0, 1) from the seed, a salt and keys."""
    args = ", ".join(keys)
    return f"((hash({seed}, '{salt}', {args}) % 1000003) / 1000003.0)"


def _shift_empty_days(arrival: str, calendar_alias: str) -> str:
    """SQL moving an arrival on an empty day to 06:00 of the next day that is not empty."""
    return f"""case when {calendar_alias}.is_empty
            then cast({calendar_alias}.next_open_day as timestamp) + interval 6 hour
            else {arrival} end"""


def _earlier_phone(seed: int, phone: str, key: str) -> str:
    """SQL for an earlier phone number: same country prefix, other subscriber digits."""
    digits = [
        f"lpad(cast(hash({seed}, 'ph{i}', {key}, g.v) % {10**width} as varchar), {width}, '0')"
        for i, width in enumerate((3, 3, 4))
    ]
    return f"substring({phone}, 1, 3) || {digits[0]} || '-' || {digits[1]} || '-' || {digits[2]}"


def _versions_sql(entity: str, seed: int) -> str:
    """SQL producing every clean version of an entity, typed, with updated_at and _version."""
    r = lambda salt, *k: _rnd(seed, salt, *k)  # noqa: E731
    start = f"timestamp '{HISTORY_START}'"
    span_hours = (VERSION_SPAN_END - HISTORY_START).days * 24

    # Versions 2..n of slowly changing entities fall into equal slices of the span, in order;
    # version 1 is the initial extract on the first day.
    def version_time(key):
        return f"""case when g.v = 1
                then {start} + to_minutes(cast(floor({r("v1", key)} * 360) as bigint))
                else {start} + to_hours(cast(floor(
                    ((g.v - 1) + {r("vt", key, "g.v")}) / n.n_versions * {span_hours}) as bigint))
            end"""

    n_versions = lambda key: f"1 + cast(floor({r('nv', key)} * 3) as integer)"  # noqa: E731
    if entity == "region":
        return f"""select *, {start} as updated_at, 1 as _version, true as _is_final
            from region"""
    if entity == "nation":
        return f"""select *, {start} as updated_at, 1 as _version, true as _is_final
            from nation"""
    if entity == "customer":
        key = "c.c_custkey"
        return f"""
        with n as (select c_custkey, {n_versions("c_custkey")} as n_versions from customer)
        select
            c.c_custkey,
            c.c_name,
            case when g.v = n.n_versions then c.c_address
                else substring(md5(c.c_address || g.v), 1, 12 + g.v) end as c_address,
            c.c_nationkey,
            case when g.v = n.n_versions then c.c_phone
                else {_earlier_phone(seed, "c.c_phone", key)} end as c_phone,
            case when g.v = n.n_versions then c.c_acctbal
                else cast(round(c.c_acctbal + ({r("ab", key, "g.v")} - 0.5) * 2000, 2)
                    as decimal(15, 2)) end as c_acctbal,
            case when g.v = n.n_versions then c.c_mktsegment
                else ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'][
                    1 + cast(floor({r("ms", key, "g.v")} * 5) as integer)] end as c_mktsegment,
            c.c_comment,
            {version_time(key)} as updated_at,
            g.v as _version,
            g.v = n.n_versions as _is_final
        from customer as c
        join n using (c_custkey)
        cross join generate_series(1, 3) as g(v)
        where g.v <= n.n_versions"""
    if entity == "supplier":
        key = "s.s_suppkey"
        return f"""
        with n as (select s_suppkey, {n_versions("s_suppkey")} as n_versions from supplier)
        select
            s.s_suppkey,
            s.s_name,
            case when g.v = n.n_versions then s.s_address
                else substring(md5(s.s_address || g.v), 1, 14 + g.v) end as s_address,
            s.s_nationkey,
            case when g.v = n.n_versions then s.s_phone
                else {_earlier_phone(seed, "s.s_phone", key)} end as s_phone,
            case when g.v = n.n_versions then s.s_acctbal
                else cast(round(s.s_acctbal + ({r("ab", key, "g.v")} - 0.5) * 2000, 2)
                    as decimal(15, 2)) end as s_acctbal,
            s.s_comment,
            {version_time(key)} as updated_at,
            g.v as _version,
            g.v = n.n_versions as _is_final
        from supplier as s
        join n using (s_suppkey)
        cross join generate_series(1, 3) as g(v)
        where g.v <= n.n_versions"""
    if entity == "part":
        key = "p.p_partkey"
        return f"""
        with n as (select p_partkey, {n_versions("p_partkey")} as n_versions from part)
        select
            p.p_partkey, p.p_name, p.p_mfgr, p.p_brand, p.p_type, p.p_size, p.p_container,
            case when g.v = n.n_versions then p.p_retailprice
                else cast(round(p.p_retailprice * (0.8 + {r("rp", key, "g.v")} * 0.3), 2)
                    as decimal(15, 2)) end as p_retailprice,
            p.p_comment,
            {version_time(key)} as updated_at,
            g.v as _version,
            g.v = n.n_versions as _is_final
        from part as p
        join n using (p_partkey)
        cross join generate_series(1, 3) as g(v)
        where g.v <= n.n_versions"""
    if entity == "partsupp":
        key = "ps.ps_partkey, ps.ps_suppkey"
        return f"""
        with n as (
            select ps_partkey, ps_suppkey,
                {n_versions("ps_partkey, ps_suppkey")} as n_versions
            from partsupp
        )
        select
            ps.ps_partkey, ps.ps_suppkey,
            case when g.v = n.n_versions then ps.ps_availqty
                else cast(floor({r("aq", key, "g.v")} * 9999) as integer) + 1
            end as ps_availqty,
            case when g.v = n.n_versions then ps.ps_supplycost
                else cast(round(ps.ps_supplycost * (0.8 + {r("sc", key, "g.v")} * 0.3), 2)
                    as decimal(15, 2)) end as ps_supplycost,
            ps.ps_comment,
            {version_time(key)} as updated_at,
            g.v as _version,
            g.v = n.n_versions as _is_final
        from partsupp as ps
        join n using (ps_partkey, ps_suppkey)
        cross join generate_series(1, 3) as g(v)
        where g.v <= n.n_versions"""
    if entity == "orders":
        # Placed on the order date (open), closed when the last line has been received.
        return f"""
        with placed as (
            select o_orderkey,
                cast(o_orderdate as timestamp)
                    + to_minutes(cast(floor({r("ot", "o_orderkey")} * 1440) as bigint))
                    as placed_at
            from orders
        ),
        closed as (
            select l_orderkey as o_orderkey,
                cast(max(l_receiptdate) as timestamp)
                    + to_minutes(cast(floor({r("oc", "l_orderkey")} * 1440) as bigint))
                    as closed_at
            from lineitem
            group by l_orderkey
        )
        select
            o.o_orderkey, o.o_custkey,
            case when g.v = 1 then 'O' else o.o_orderstatus end as o_orderstatus,
            o.o_totalprice, o.o_orderdate, o.o_orderpriority, o.o_clerk, o.o_shippriority,
            o.o_comment,
            case when g.v = 1 then p.placed_at else c.closed_at end as updated_at,
            g.v as _version,
            g.v = 2 as _is_final
        from orders as o
        join placed as p using (o_orderkey)
        join closed as c using (o_orderkey)
        cross join generate_series(1, 2) as g(v)"""
    if entity == "lineitem":
        # Version 1 with the order, 2 when shipped, 3 (the TPC-H row) when received.
        return f"""
        with placed as (
            select o_orderkey as l_orderkey,
                cast(o_orderdate as timestamp)
                    + to_minutes(cast(floor({r("ot", "o_orderkey")} * 1440) as bigint))
                    as placed_at
            from orders
        )
        select
            l.l_orderkey, l.l_partkey, l.l_suppkey, l.l_linenumber, l.l_quantity,
            l.l_extendedprice, l.l_discount, l.l_tax,
            case when g.v = 3 then l.l_returnflag else 'N' end as l_returnflag,
            case when g.v = 1 then 'O' else l.l_linestatus end as l_linestatus,
            case when g.v >= 2 then l.l_shipdate end as l_shipdate,
            l.l_commitdate,
            case when g.v = 3 then l.l_receiptdate end as l_receiptdate,
            l.l_shipinstruct,
            case when g.v >= 2 then l.l_shipmode end as l_shipmode,
            l.l_comment,
            case g.v
                when 1 then p.placed_at
                when 2 then cast(l.l_shipdate as timestamp) + to_minutes(cast(floor(
                    {r("st", "l.l_orderkey", "l.l_linenumber")} * 1440) as bigint))
                else cast(l.l_receiptdate as timestamp) + to_minutes(cast(floor(
                    {r("rt", "l.l_orderkey", "l.l_linenumber")} * 1440) as bigint))
            end as updated_at,
            g.v as _version,
            g.v = 3 as _is_final
        from lineitem as l
        join placed as p using (l_orderkey)
        cross join generate_series(1, 3) as g(v)"""
    raise ValueError(f"unknown entity {entity!r}")


def _records_sql(
    entity: str, columns: list[str], seed: int, faults: FaultConfig
) -> tuple[str, str]:
    """SQL turning the clean versions of an entity into the records that will arrive.

    ``columns`` are the business columns (typed) of the versions table ``v_<entity>``. Returns
    two queries: the clean versions as text with their arrival (to be stored as table
    ``clean_text``), and all records: clean versions, duplicates and malformed copies.
    """
    keys = ENTITY_KEYS[entity]
    key_args = ", ".join(f"v.{k}" for k in keys)
    partition = ", ".join(keys)
    r = lambda salt, *k: _rnd(seed, f"{entity}:{salt}", *k)  # noqa: E731
    as_text = []
    for col in columns:
        as_text.append(f"cast({col} as varchar) as {col}")
    text_cols = ",\n            ".join(as_text)
    drift = ""
    if entity == "orders":
        drift = f""",
            case when updated_at >= timestamp '{faults.drift_date}'
                then ['web', 'phone', 'edi', 'sales_rep'][
                    1 + cast(floor({r("ch", "o_orderkey")} * 4) as integer)]
            end as {DRIFT_COLUMN}"""
    bad_col, bad_value, code_col, code_value = MALFORMATIONS[entity]
    malformed_cols = []
    for col in [*columns, "updated_at"]:
        if col == keys[0]:
            expr = f"case when kind = 0 then null else {col} end"
        elif col == bad_col:
            expr = f"case when kind = 1 then '{bad_value}' else {col} end"
        elif code_col is not None and col == code_col:
            expr = f"case when kind = 2 then '{code_value}' else {col} end"
        else:
            expr = col
        malformed_cols.append(f"{expr} as {col}")
    n_kinds = 3 if code_col else 2
    # the quarantine reason staging gives each kind: the rule and the raw column it judges
    reasons = f"['missing_key:{keys[0]}', 'bad_type:{bad_col}', 'unknown_code:{code_col}']"
    all_cols = ", ".join([*columns, "updated_at"])
    if entity == "orders":
        all_cols += f", {DRIFT_COLUMN}"
        malformed_cols.append(DRIFT_COLUMN)
    malformed_select = ",\n                ".join(malformed_cols)
    clean_text = f"""
    with versions as (
        select
            v.*,
            {r("late", key_args, "v._version")} < {faults.late_rate} as _late,
            updated_at
                + to_minutes(cast(60 + floor({r("arr", key_args, "v._version")} * 1380) as bigint))
                + case when {r("late", key_args, "v._version")} < {faults.late_rate}
                    then to_days(cast(1 + floor({r("lated", key_args, "v._version")}
                        * {faults.late_max_days}) as integer))
                    else interval 0 day end
                as raw_arrival
        from v_{entity} as v
    ),
    shifted as (
        select
            v.* exclude (raw_arrival),
            {_shift_empty_days("v.raw_arrival", "d")} as arrival
        from versions as v
        join calendar as d on d.day = cast(v.raw_arrival as date)
    ),
    picked as (
        select *, {r("ooo", key_args, "_version")} < {faults.out_of_order_rate} as _ooo_pick
        from shifted as v
    ),
    ordered as (
        -- An earlier version overtaken by the next one: it arrives 1-5 days after it. The next
        -- version must keep its own arrival, so it is not overtaken itself.
        select
            * exclude (_ooo_pick),
            lead(arrival) over (partition by {partition} order by _version) as next_arrival,
            _ooo_pick and not coalesce(
                lead(_ooo_pick) over (partition by {partition} order by _version), false
            ) as _ooo_pick
        from picked
    ),
    clean as (
        select
            * exclude (arrival, next_arrival, _ooo_pick),
            _ooo_pick and next_arrival is not null as _out_of_order,
            case when _ooo_pick and next_arrival is not null
                then greatest(arrival, next_arrival) + to_days(cast(1 + floor(
                    {r("oood", key_args, "_version")} * 5) as integer))
                else arrival end as _arrived_at
        from ordered as v
    ),
    clean_text as (
        select
            {text_cols},
            strftime(updated_at, '%Y-%m-%d %H:%M:%S') as updated_at{drift},
            _arrived_at, _version, _is_final, _late, _out_of_order,
            {r("dup", key_args, "_version")} < {faults.duplicate_rate} as _dup_pick,
            {r("dupd", key_args, "_version")} as _dup_delay,
            {r("bad", key_args, "_version")} < {faults.malformed_rate} as _bad_pick,
            cast(floor({r("badk", key_args, "_version")} * {n_kinds}) as integer) as _bad_kind
        from clean as v
    )
    select * from clean_text
    """
    records = f"""
    with records as (
        select {all_cols}, _arrived_at, 'version' as _kind, _version, _is_final,
            _late, _out_of_order, cast(null as varchar) as _malformed_reason
        from clean_text
        union all
        -- At-least-once delivery: the same record again, up to three days later.
        select {all_cols},
            _arrived_at + to_minutes(cast(floor(_dup_delay * 4320) as bigint)),
            'duplicate', _version, _is_final, _late, _out_of_order, null
        from clean_text
        where _dup_pick
        union all
        select {malformed_select},
            _arrived_at, 'malformed', _version, false, _late, _out_of_order,
            {reasons}[kind + 1]
        from (select *, _bad_kind as kind from clean_text where _bad_pick)
    )
    select
        r.* exclude (_arrived_at),
        {_shift_empty_days("r._arrived_at", "d")} as _arrived_at
    from records as r
    join calendar as d on d.day = cast(r._arrived_at as date)
    order by _arrived_at
    """
    return clean_text, records


def generate(
    sim_dir: Path,
    scale: float = 0.1,
    seed: int = 42,
    faults: FaultConfig | None = None,
    progress: Callable[[str], None] = print,
    memory_limit: str = "6GB",
    web: WebConfig | bool | None = True,
) -> SimulationMeta:
    """Generate the erp history for a scale factor and seed into ``sim_dir``.

    ``web`` also generates the web clickstream (``simulate_web``): True (the default) with
    the default ``WebConfig``, a ``WebConfig``, or False/None for the erp source only.
    """
    # Imported here: simulate_web builds on this module's helpers.
    from warehouse.simulate_web import WebConfig, generate_web

    faults = faults or FaultConfig()
    faults.validate()
    web_config = WebConfig() if web is True else (web or None)
    if web_config is not None:
        web_config.validate()
    if scale <= 0:
        raise ValueError(f"scale factor must be positive, got {scale}")
    started = time.perf_counter()
    erp_dir = sim_dir / "erp"
    erp_dir.mkdir(parents=True, exist_ok=True)
    con = connect_with_tpch()
    con.execute("set preserve_insertion_order = false")
    con.execute("set enable_progress_bar = false")
    # Sorting SF 1 order lines in memory takes ~20 GB; cap memory and spill to disk instead.
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute(f"set temp_directory = '{sim_dir / '.tmp'}'")
    progress(f"dbgen: TPC-H base data at scale factor {scale}")
    con.execute(f"call dbgen(sf={float(scale)})")
    # Days from the history start to well past the last possible arrival; each day is empty
    # with probability empty_day_rate, and knows the next day that is not empty.
    con.execute(
        f"""
        create table calendar as
        with days as (
            select cast(d as date) as day,
                {_rnd(seed, "empty", "epoch(d)")} < {faults.empty_day_rate} as is_empty
            from range(timestamp '{HISTORY_START}', timestamp '2000-06-01', interval 1 day) t(d)
        )
        select day, is_empty,
            min(case when not is_empty then day end) over (
                order by day rows between current row and unbounded following) as next_open_day
        from days
        """
    )
    meta = SimulationMeta(
        scale=scale,
        seed=seed,
        faults={k: str(v) for k, v in asdict(faults).items()},
        history_start=str(HISTORY_START),
        first_arrival="",
        last_arrival="",
    )
    first, last = None, None
    for entity in ENTITIES:
        t0 = time.perf_counter()
        con.execute(f"create or replace temp table v_{entity} as {_versions_sql(entity, seed)}")
        columns = [
            row[0]
            for row in con.execute(f"describe v_{entity}").fetchall()
            if row[0] not in ("updated_at", "_version", "_is_final")
        ]
        target = erp_dir / f"{entity}.parquet"
        clean_sql, records_sql = _records_sql(entity, columns, seed, faults)
        # Materialised once: duplicates and malformed copies are drawn from it.
        con.execute(f"create or replace temp table clean_text as {clean_sql}")
        con.execute(f"drop table v_{entity}")
        con.execute(
            f"copy ({records_sql}) to '{target}' "
            "(format parquet, compression zstd, row_group_size 122880)"
        )
        con.execute("drop table clean_text")
        counts = dict(
            con.execute(
                f"select _kind, count(*) from read_parquet('{target}') group by all"
            ).fetchall()
        )
        lo, hi = con.execute(
            f"select min(_arrived_at), max(_arrived_at) from read_parquet('{target}')"
        ).fetchone()
        first = lo if first is None else min(first, lo)
        last = hi if last is None else max(last, hi)
        meta.records[entity] = {k: int(v) for k, v in sorted(counts.items())}
        progress(
            f"  {entity:<9} {sum(counts.values()):>11,} records "
            f"({', '.join(f'{k} {v:,}' for k, v in sorted(counts.items()))}) "
            f"in {time.perf_counter() - t0:.1f}s"
        )
    if web_config is not None:
        # The clickstream of the ordering portal, from the dbgen tables still loaded.
        web_summary = generate_web(con, sim_dir, seed, web_config, progress=progress)
        meta.web = {
            "config": {k: str(v) for k, v in asdict(web_config).items()},
            "lines": web_summary.lines,
            "faults": web_summary.faults,
            "seconds": web_summary.seconds,
        }
        if web_summary.first_arrival is not None:
            first = min(first, web_summary.first_arrival)
            last = max(last, web_summary.last_arrival)
    else:
        # No stale clickstream from an earlier generation may be landed with this history.
        (sim_dir / "web" / "events.parquet").unlink(missing_ok=True)
    con.close()
    meta.first_arrival = str(first.date())
    meta.last_arrival = str(last.date())
    meta.seconds = round(time.perf_counter() - started, 1)
    (sim_dir / "meta.json").write_text(json.dumps(asdict(meta), indent=2) + "\n")
    progress(
        f"generated history {meta.first_arrival} .. {meta.last_arrival} in {meta.seconds}s "
        f"into {sim_dir}"
    )
    return meta


def load_meta(sim_dir: Path) -> SimulationMeta:
    """Read ``meta.json`` of a generated history, with a clear error when there is none."""
    path = sim_dir / "meta.json"
    if not path.exists():
        raise FileNotFoundError(
            f"no generated history in {sim_dir}: run `warehouse generate --scale SF` first"
        )
    return SimulationMeta(**json.loads(path.read_text()))
