"""The erp source: a TPC-H database replayed as a history of changes, with faults.

Orders arrive open on their order date and are closed when their last line has been received;
order lines arrive with the order and change when shipped and when received; customers,
suppliers, parts and part-supplier offers get one to three versions, the last being the TPC-H
row (sql/erp/<entity>_versions.sql). Faults (late, duplicate, out-of-order, malformed records,
a column added to the orders extract) only add or delay records (sql/erp/clean_text.sql,
sql/erp/records.sql)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from warehouse.simulate.dates import HISTORY_START
from warehouse.simulate.sqlfiles import render

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
    """Rates of the injected faults (fractions of records, or of days for empty days).

    Each field's metadata holds the help of its `warehouse generate` option."""

    late_rate: float = field(
        default=0.02, metadata={"help": "share of records that arrive 1..late-max-days late"}
    )
    late_max_days: int = field(
        default=10, metadata={"help": "longest delay of a late record, in days"}
    )
    duplicate_rate: float = field(
        default=0.01, metadata={"help": "share of records delivered twice"}
    )
    out_of_order_rate: float = field(
        default=0.01, metadata={"help": "share of versions that arrive after their successor"}
    )
    malformed_rate: float = field(
        default=0.001, metadata={"help": "share of records followed by a malformed copy"}
    )
    empty_day_rate: float = field(
        default=0.01, metadata={"help": "share of days on which nothing arrives"}
    )
    drift_date: date = field(
        default=date(1996, 1, 1),
        metadata={"help": "date from which the orders extract has a new column"},
    )

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
class ErpSummary:
    """Records per entity and kind, and the first and last arrival."""

    records: dict[str, dict[str, int]]
    first_arrival: datetime
    last_arrival: datetime


def versions_sql(entity: str) -> str:
    """SQL producing every clean version of an entity, typed, with updated_at and _version."""
    if entity not in ENTITY_KEYS:
        raise ValueError(f"unknown entity {entity!r}")
    return render(f"erp/{entity}_versions", history_start=HISTORY_START)


def records_sql(entity: str, columns: list[str], faults: FaultConfig) -> tuple[str, str]:
    """SQL turning the clean versions of an entity into the records that will arrive.

    ``columns`` are the business columns (typed) of the versions table ``v_<entity>``. Returns
    two queries: the clean versions as text with their arrival (to be stored as table
    ``clean_text``), and all records: clean versions, duplicates and malformed copies.
    """
    keys = ENTITY_KEYS[entity]
    drift = ""
    if entity == "orders":
        drift = render(
            "erp/orders_drift_column", drift_date=faults.drift_date, drift_column=DRIFT_COLUMN
        ).rstrip("\n")
    bad_col, bad_value, code_col, code_value = MALFORMATIONS[entity]
    clean_text = render(
        "erp/clean_text",
        entity=entity,
        key_args=", ".join(f"v.{k}" for k in keys),
        partition=", ".join(keys),
        text_columns=",\n        ".join(f"cast({col} as varchar) as {col}" for col in columns),
        drift=drift,
        late_rate=faults.late_rate,
        late_max_days=faults.late_max_days,
        out_of_order_rate=faults.out_of_order_rate,
        duplicate_rate=faults.duplicate_rate,
        malformed_rate=faults.malformed_rate,
        n_kinds=3 if code_col else 2,
    )
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
    all_cols = ", ".join([*columns, "updated_at"])
    if entity == "orders":
        all_cols += f", {DRIFT_COLUMN}"
        malformed_cols.append(DRIFT_COLUMN)
    records = render(
        "erp/records",
        columns=all_cols,
        malformed_columns=",\n        ".join(malformed_cols),
        # the quarantine reason staging gives each kind: the rule and the raw column it judges
        reasons=f"['missing_key:{keys[0]}', 'bad_type:{bad_col}', 'unknown_code:{code_col}']",
    )
    return clean_text, records


def generate_erp(
    con: duckdb.DuckDBPyConnection,
    erp_dir: Path,
    faults: FaultConfig,
    progress: Callable[[str], None] = print,
) -> ErpSummary:
    """Write ``erp_dir/<entity>.parquet`` for every entity from the dbgen tables and the
    ``calendar`` in ``con`` (whose macros are defined for the seed).

    An entity with more than BUCKET_VERSIONS versions (order lines and orders from SF 10 on)
    is worked out in buckets of its keys, each written to a part file, and the parts are then
    sorted by arrival into the entity's file: every draw depends on the key alone, so the
    records are the same whatever the bucket count, and the working tables stay the size of
    one bucket (at SF 10 the order lines' 180 M versions, as text and in one window, spilled
    more than the 75 GB of disk this machine has)."""
    erp_dir.mkdir(parents=True, exist_ok=True)
    records: dict[str, dict[str, int]] = {}
    first: datetime | None = None
    last: datetime | None = None
    for entity in ENTITIES:
        t0 = time.perf_counter()
        target = erp_dir / f"{entity}.parquet"
        buckets = _bucket_count(con, entity)
        if buckets == 1:
            _write_records(con, entity, faults, target, "true")
        else:
            parts = erp_dir / f".{entity}.parts"
            shutil.rmtree(parts, ignore_errors=True)
            parts.mkdir()
            key = ENTITY_KEYS[entity][0]
            for bucket in range(buckets):
                _write_records(
                    con,
                    entity,
                    faults,
                    parts / f"part-{bucket:03d}.parquet",
                    f"hash({key}) % {buckets} = {bucket}",
                )
            con.execute(
                f"copy (select * from read_parquet('{parts}/part-*.parquet') "
                f"order by _arrived_at) to '{target}' "
                "(format parquet, compression zstd, row_group_size 122880)"
            )
            shutil.rmtree(parts)
        counts = {
            str(kind): int(n)
            for kind, n in con.execute(
                f"select _kind, count(*) from read_parquet('{target}') group by all"
            ).fetchall()
        }
        bounds = con.execute(
            f"select min(_arrived_at), max(_arrived_at) from read_parquet('{target}')"
        ).fetchone()
        assert bounds is not None
        lo, hi = bounds
        first = lo if first is None else min(first, lo)
        last = hi if last is None else max(last, hi)
        records[entity] = dict(sorted(counts.items()))
        progress(
            f"  {entity:<9} {sum(counts.values()):>11,} records "
            f"({', '.join(f'{k} {v:,}' for k, v in sorted(counts.items()))}) "
            f"in {time.perf_counter() - t0:.1f}s"
            + (f" ({buckets} buckets of keys)" if buckets > 1 else "")
        )
    assert first is not None and last is not None
    return ErpSummary(records, first, last)


# Versions worked out at once, at most: SF 1's order lines (18 M) fit; SF 10's are 10 buckets.
BUCKET_VERSIONS = 20_000_000
# Versions per key of each entity, at most (sql/erp/<entity>_versions.sql).
_MAX_VERSIONS = 3


def _bucket_count(con: duckdb.DuckDBPyConnection, entity: str) -> int:
    (rows,) = con.execute(f"select count(*) from {entity}").fetchone() or (0,)
    return max(1, -(-int(rows) * _MAX_VERSIONS // BUCKET_VERSIONS))


def _write_records(
    con: duckdb.DuckDBPyConnection,
    entity: str,
    faults: FaultConfig,
    target: Path,
    keys_filter: str,
) -> None:
    """Write every record of the entity's keys that pass ``keys_filter`` to ``target``, in
    arrival order."""
    con.execute(
        f"create or replace table v_{entity} as "
        f"select * from ({versions_sql(entity)}) where {keys_filter}"
    )
    columns = [
        str(row[0])
        for row in con.execute(f"describe v_{entity}").fetchall()
        if row[0] not in ("updated_at", "_version", "_is_final")
    ]
    clean_sql, all_records_sql = records_sql(entity, columns, faults)
    # Materialised once: duplicates and malformed copies are drawn from it.
    con.execute(f"create or replace table clean_text as {clean_sql}")
    con.execute(f"drop table v_{entity}")
    con.execute(
        f"copy ({all_records_sql}) to '{target}' "
        "(format parquet, compression zstd, row_group_size 122880)"
    )
    con.execute("drop table clean_text")
