"""Benchmark of reading the landed clickstream: prints figures, asserts nothing.

Compares two ways DuckDB can take the fields out of each collector line:
  per field: one `->>` per field, which parses the line once per field;
  one parse: json_transform into a struct of text fields (what base_web__events does).
Both read the same lines from an in-memory table, after a timed read of the landed files.

    .venv/bin/python bench/json_parse.py [--landing-dir data/landing]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

from warehouse.landing import read_web_lines_sql

FIELDS = [
    "event_id",
    "event_type",
    "anonymous_id",
    "customer_key",
    "client_ts",
    "collector_ts",
    "page_url",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "device",
    "user_agent",
    "ip_address",
    "consent",
    "order_key",
    "part_key",
    "search_query",
    "page_load_ms",
]


def timed(con: duckdb.DuckDBPyConnection, label: str, sql: str, lines: int) -> None:
    start = time.perf_counter()
    con.execute(f"create or replace temp table result as {sql}")
    seconds = time.perf_counter() - start
    print(f"{label:<34} {seconds:>7.2f} s {lines / seconds:>12,.0f} lines/s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--landing-dir", type=Path, default=Path("data/landing"))
    args = parser.parse_args()
    glob = str(args.landing_dir / "web" / "events" / "batch=*" / "lines.parquet")
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(f"create table lines as select raw_line from {read_web_lines_sql(glob)}")
    (lines,) = con.execute("select count(*) from lines").fetchone()
    seconds = time.perf_counter() - start
    print(
        f"read {lines:,} landed lines           {seconds:>7.2f} s {lines / seconds:>12,.0f} lines/s"
    )
    document = "case when json_valid(raw_line) then cast(raw_line as json) end"
    per_field = ", ".join(f"doc ->> '{field}' as {field}" for field in FIELDS)
    timed(
        con,
        "per field (->> x19)",
        f"select {per_field} from (select {document} as doc from lines)",
        lines,
    )
    structure = "{" + ", ".join(f'"{field}": "VARCHAR"' for field in FIELDS) + "}"
    one_parse = ", ".join(f"struct_extract(doc, '{field}') as {field}" for field in FIELDS)
    timed(
        con,
        "one parse (json_transform)",
        f"select {one_parse} from (select json_transform(try_cast(raw_line as json), "
        f"'{structure}') as doc from lines)",
        lines,
    )


if __name__ == "__main__":
    main()
