"""Compact surrogate keys against md5 strings, on a built warehouse: prints figures.

The marts' surrogate keys are 64-bit integers (macros/keys/surrogate_key.sql), the first 16
hex digits of an md5; they replaced the 32-character md5 strings themselves
(dbt_utils.generate_surrogate_key). This copies the largest facts and dim_customers twice, as
they are and with every `*_sk` column as a 32-character md5 string again (the md5 of the key,
as wide and as random as the strings were; the unknown member -1 as '-1'), and reports per
table the stored size and the time to write the copy, and the time of a star join (revenue
by market segment) on each copy.

  python bench/keys.py --duckdb data/warehouse.duckdb [--postgres warehouse_bench]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

TABLES = ["fct_order_lines", "fct_orders", "fct_events", "fct_sessions", "dim_customers"]
JOIN = """
    select customers.market_segment, sum(lines.net_amount)
    from {schema}.fct_order_lines as lines
    inner join {schema}.dim_customers as customers on lines.customer_sk = customers.customer_sk
    group by 1
"""
# the same expression on both engines
AS_MD5 = "case when {c} = -1 then '-1' else md5(cast({c} as varchar)) end"


def timed(action: Callable[[], object], repeat: int = 1) -> float:
    """Median wall seconds of repeat runs of action."""
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def select_list(columns: list[str], hashed: str | None) -> str:
    return ", ".join(
        f"{hashed.format(c=c)} as {c}" if hashed and c.endswith("_sk") else c for c in columns
    )


def duckdb_figures(path: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="warehouse-keys-"))
    con = duckdb.connect()
    con.execute(f"attach '{path}' as source (read_only)")
    print(f"duckdb ({path}):")
    print(f"  {'table':<18} {'md5 MiB':>9} {'bigint MiB':>11} {'md5 s':>7} {'bigint s':>9}")
    for table in TABLES:
        columns = [row[0] for row in con.execute(f"describe source.marts.{table}").fetchall()]
        sizes, seconds = [], []
        for name, hashed in (("md5", AS_MD5), ("bigint", None)):
            file = folder / f"{name}_{table}.duckdb"
            con.execute(f"attach '{file}' as copy_db")
            sql = (
                f"create table copy_db.{table} as "
                f"select {select_list(columns, hashed)} from source.marts.{table}"
            )
            seconds.append(timed(lambda sql=sql: con.execute(sql)))
            con.execute("checkpoint copy_db")
            con.execute("detach copy_db")
            sizes.append(file.stat().st_size / 2**20)
        print(
            f"  {table:<18} {sizes[0]:>9.1f} {sizes[1]:>11.1f} {seconds[0]:>7.2f} "
            f"{seconds[1]:>9.2f}"
        )
    for name in ("md5", "bigint"):
        con.execute(f"attach '{folder / f'{name}_fct_order_lines.duckdb'}' as f_{name}")
        con.execute(f"attach '{folder / f'{name}_dim_customers.duckdb'}' as d_{name}")
        con.execute(f"create schema if not exists {name}")
        con.execute(f"create view {name}.fct_order_lines as select * from f_{name}.fct_order_lines")
        con.execute(f"create view {name}.dim_customers as select * from d_{name}.dim_customers")
        query = JOIN.format(schema=name)
        print(
            f"  star join, {name} keys: {timed(lambda q=query: con.execute(q).fetchall(), 5):.3f} s"
        )


def postgres_figures(dbname: str) -> None:
    import psycopg2

    from warehouse.pgload import connection_settings

    conn = psycopg2.connect(**{**connection_settings(), "dbname": dbname})
    conn.autocommit = True
    cur = conn.cursor()
    print(f"postgres ({dbname}):")
    print(f"  {'table':<18} {'md5 MiB':>9} {'bigint MiB':>11} {'md5 s':>7} {'bigint s':>9}")
    for name in ("keys_md5", "keys_bigint"):
        cur.execute(f"drop schema if exists {name} cascade; create schema {name}")
    for table in TABLES:
        cur.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = %s order by ordinal_position",
            (table,),
        )
        columns = [row[0] for row in cur.fetchall()]
        sizes, seconds = [], []
        for name, hashed in (("keys_md5", AS_MD5), ("keys_bigint", None)):
            sql = (
                f"create table {name}.{table} as "
                f"select {select_list(columns, hashed)} from marts.{table}"
            )
            seconds.append(timed(lambda sql=sql: cur.execute(sql)))
            cur.execute(f"vacuum analyze {name}.{table}")
            cur.execute(f"select pg_total_relation_size('{name}.{table}')")
            sizes.append(cur.fetchone()[0] / 2**20)
        print(
            f"  {table:<18} {sizes[0]:>9.1f} {sizes[1]:>11.1f} {seconds[0]:>7.2f} "
            f"{seconds[1]:>9.2f}"
        )
    for name in ("keys_md5", "keys_bigint"):
        query = JOIN.format(schema=name)
        seconds = timed(lambda q=query: (cur.execute(q), cur.fetchall()), 5)
        print(f"  star join, {name.split('_')[1]} keys: {seconds:.3f} s")
    for name in ("keys_md5", "keys_bigint"):
        cur.execute(f"drop schema {name} cascade")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duckdb", type=Path, help="a built warehouse file")
    parser.add_argument("--postgres", help="a built PostgreSQL database (PG* variables)")
    args = parser.parse_args()
    if args.duckdb:
        duckdb_figures(args.duckdb)
    if args.postgres:
        postgres_figures(args.postgres)


if __name__ == "__main__":
    main()
