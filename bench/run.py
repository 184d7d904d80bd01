"""Benchmark of the DuckDB warehouse at one scale factor: prints figures, asserts nothing.

Steps, each timed in wall seconds and CPU seconds (this process and its children; wall times
on shared machines swing several-fold under load, CPU seconds much less):
  generate -> land the whole history but the last days in one batch -> dbt build (full) ->
  land --next -> dbt build (incremental, one day) -> dbt build (nothing new landed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb

from warehouse.dbt_runner import run_dbt
from warehouse.landing import land, read_manifest
from warehouse.pgload import connection_settings, load
from warehouse.simulate import generate, load_meta
from warehouse.verify import check_batch, declared_columns

WEB_MARTS = {
    "fct_events",
    "fct_sessions",
    "dim_channels",
    "dim_devices",
    "rpt_daily_funnel_by_channel",
    "rpt_revenue_attribution",
}


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _stat_fields(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd on (after "comm")


def postgres_server_cpu(settings: dict[str, str]) -> Callable[[], float] | None:
    """A reader of the CPU seconds the local PostgreSQL server has used so far: the postmaster,
    its live children (backends, autovacuum, parallel workers) and the children it has reaped.
    None when the server is not on this machine or /proc does not show it."""
    import psycopg2

    try:
        conn = psycopg2.connect(**settings)
        with conn.cursor() as cur:
            cur.execute("select pg_backend_pid()")
            (backend,) = cur.fetchone()
        conn.close()
        postmaster = int(_stat_fields(backend)[1])
        _stat_fields(postmaster)
    except (OSError, ValueError, psycopg2.Error):
        return None
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        fields = _stat_fields(postmaster)
        ticks = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                child = _stat_fields(int(entry.name))
            except OSError:
                continue  # exited meanwhile
            if int(child[1]) == postmaster:
                ticks += sum(int(value) for value in child[11:15])
        return ticks / tick

    return read


def timed(
    label: str,
    action: Callable[[], object],
    results: list,
    server_cpu: Callable[[], float] | None = None,
) -> None:
    """Runs action and prints its wall and CPU seconds (this process and its children), and
    the database server's CPU seconds when server_cpu reads them."""
    server0 = server_cpu() if server_cpu else 0.0
    wall0, cpu0 = time.perf_counter(), _cpu_seconds()
    action()
    wall, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
    line = f"{label:<40} {wall:>9.1f} s wall {cpu:>9.1f} s cpu"
    if server_cpu:
        server = server_cpu() - server0
        line += f" + {server:.1f} s postgres server cpu"
    results.append((label, wall, cpu))
    print(line, flush=True)


def layer_seconds(run_results: Path) -> dict[str, float]:
    """Execution seconds of a dbt run per source domain and layer (e.g. 'web staging')."""
    results = json.loads(run_results.read_text())["results"]
    totals: dict[str, float] = {}
    for result in results:
        node = result["unique_id"]
        if not node.startswith(("model.", "snapshot.", "test.", "unit_test.", "seed.")):
            continue
        name = node.split(".")[2]
        web = "web" in name or any(model in name for model in WEB_MARTS)
        domain = "web" if web else "sales"
        kind = "tests" if node.startswith(("test.", "unit_test.")) else "models"
        key = f"{domain} {kind}"
        totals[key] = totals.get(key, 0.0) + result["execution_time"]
    return dict(sorted(totals.items()))


def print_layers(label: str, target_dir: Path) -> None:
    path = target_dir / "run_results.json"
    if path.exists():
        parts = ", ".join(f"{k} {v:.1f}s" for k, v in layer_seconds(path).items())
        print(f"  {label}: node seconds (summed over threads): {parts}", flush=True)


WEB_STAGING = ("stg_web__events", "stg_web__quarantine")


def node_seconds(run_results: Path) -> dict[str, float]:
    """Execution seconds of each model and snapshot of a dbt run, by name."""
    results = json.loads(run_results.read_text())["results"]
    return {
        result["unique_id"].split(".")[2]: result["execution_time"]
        for result in results
        if result["unique_id"].startswith(("model.", "snapshot."))
    }


def print_web(label: str, target_dir: Path, landed_lines: int) -> None:
    """Seconds of each web model, and landed lines per second through web staging."""
    path = target_dir / "run_results.json"
    if not path.exists():
        return
    seconds = node_seconds(path)
    web = {name: value for name, value in seconds.items() if "web" in name or name in WEB_MARTS}
    print(
        f"  {label}: web models (seconds): "
        + ", ".join(
            f"{name} {value:.1f}" for name, value in sorted(web.items(), key=lambda kv: -kv[1])
        ),
        flush=True,
    )
    staging = sum(seconds.get(name, 0.0) for name in WEB_STAGING)
    if staging > 0:
        print(
            f"  {label}: {landed_lines:,} landed lines through web staging "
            f"({' + '.join(WEB_STAGING)}) in {staging:.1f} s = {landed_lines / staging:,.0f} "
            "lines/s",
            flush=True,
        )
        print(f"  {label}: web models in all: {sum(web.values()):.1f} s (summed over threads)")


# The landing boundary's checks (docs/landing.md): the on-run-start hooks that verify the new
# files and create the raw views (DuckDB) and claim the new batches, and the per-batch
# reconciliation test.
BOUNDARY_NODES = {
    "operation.warehouse.warehouse-on-run-start-0": "verify files, raw views",
    "operation.warehouse.warehouse-on-run-start-1": "claim batches",
    "test.warehouse.assert_batches_reconcile": "per-batch reconciliation",
    "test.warehouse.assert_erp_records_reconcile": "whole-history reconciliation",
}


def print_boundary(label: str, target_dir: Path) -> None:
    path = target_dir / "run_results.json"
    if not path.exists():
        return
    seconds = {
        result["unique_id"]: result["execution_time"]
        for result in json.loads(path.read_text())["results"]
    }
    parts = ", ".join(
        f"{name} {seconds[node]:.2f}s" for node, name in BOUNDARY_NODES.items() if node in seconds
    )
    print(f"  {label}: landing checks (node seconds): {parts}", flush=True)


def verify_new_batch(landing_dir: Path) -> None:
    """The loader's checks of the newest batch (size, SHA-256, rows, column contract)."""
    batches = read_manifest(landing_dir)
    check = check_batch(landing_dir, batches[-1], batches[:-1], declared_columns())
    if check.problems:
        raise RuntimeError("\n".join(check.problems))


def landed_web_lines(landing_dir: Path, batches: slice) -> int:
    manifest = json.loads((landing_dir / "_manifest.json").read_text())
    return sum(batch["rows"].get("web_events", 0) for batch in manifest["batches"][batches])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where to put the data (default: a temporary directory)",
    )
    parser.add_argument(
        "--unlanded-days",
        type=int,
        default=30,
        help="days left unlanded before the incremental run (default 30)",
    )
    parser.add_argument(
        "--reuse-sim",
        action="store_true",
        help="skip generate when WORKDIR/sim already holds this scale and seed",
    )
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=["duckdb", "postgres"],
        default=["duckdb"],
        help="engines to build side by side on the same landed data (default duckdb); "
        "postgres uses the PG* variables and a database warehouse_bench, recreated",
    )
    parser.add_argument(
        "--with-elementary",
        action="store_true",
        help="keep Elementary's models, hooks and tests in the builds (default: off, so the "
        "figures are the warehouse's own; `make build` runs with it)",
    )
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="warehouse-bench-"))
    sim_dir, landing_dir = workdir / "sim", workdir / "landing"
    duckdb_path = workdir / "warehouse.duckdb"
    pg_settings = {**connection_settings(), "dbname": "warehouse_bench"}
    envs = {
        engine: {
            "WAREHOUSE_LANDING_DIR": str(landing_dir),
            "WAREHOUSE_DUCKDB_PATH": str(duckdb_path),
            "PGDATABASE": pg_settings["dbname"],
            "DBT_TARGET_PATH": str(workdir / f"target-{engine}"),
            "DBT_LOG_PATH": str(workdir / f"logs-{engine}"),
        }
        for engine in args.engines
    }
    quiet = {"progress": lambda _: None}
    build_args = ["build"]
    if not args.with_elementary:
        build_args += ["--exclude", "tag:elementary-tests", "--vars", "{elementary_enabled: false}"]
    print(f"elementary: {'on' if args.with_elementary else 'off (--with-elementary: on)'}")
    results: list = []
    print(f"scale factor {args.scale}, data in {workdir}, {os.cpu_count()} cores")
    server_cpu = None
    if "postgres" in args.engines:
        recreate_database(pg_settings)
        server_cpu = postgres_server_cpu(pg_settings)
        print(
            "postgres: cpu counts dbt and the loader; the server's own CPU seconds are added "
            + ("after the +" if server_cpu else "nowhere (the server is not on this machine)")
        )
    meta_file = sim_dir / "meta.json"
    reusable = meta_file.exists() and (
        (meta := load_meta(sim_dir)).scale == args.scale and meta.seed == args.seed
    )
    if args.reuse_sim and reusable:
        print(f"generate: reusing {sim_dir} (scale {args.scale}, seed {args.seed})")
    else:
        timed("generate", lambda: generate(sim_dir, args.scale, args.seed, **quiet), results)
    last = date.fromisoformat(load_meta(sim_dir).last_arrival)
    cutoff = last - timedelta(days=args.unlanded_days)
    timed(
        f"land through {cutoff} (one batch)",
        lambda: land(sim_dir, landing_dir, through=cutoff, **quiet),
        results,
    )

    def build(label: str, lines: slice) -> None:
        for engine, env in envs.items():
            target = ["--target", engine]
            if engine == "postgres":
                timed(
                    f"[postgres] load ({label})",
                    lambda: load(landing_dir, pg_settings, **quiet),
                    results,
                    server_cpu,
                )
            timed(
                f"[{engine}] dbt build ({label})",
                lambda t=target, e=env: run_dbt([*build_args, *t], env=e, capture=True),
                results,
                server_cpu if engine == "postgres" else None,
            )
            target_dir = Path(env["DBT_TARGET_PATH"])
            print_layers(f"[{engine}] {label}", target_dir)
            print_boundary(f"[{engine}] {label}", target_dir)
            print_web(f"[{engine}] {label}", target_dir, landed_web_lines(landing_dir, lines))

    build("whole history", slice(0, 1))
    timed("land --next", lambda: land(sim_dir, landing_dir, next_day=True, **quiet), results)
    timed("verify the new day's files", lambda: verify_new_batch(landing_dir), results)
    build("one new day", slice(-1, None))
    for engine, env in envs.items():
        target = ["--target", engine]
        timed(
            f"[{engine}] dbt build (nothing new)",
            lambda t=target, e=env: run_dbt([*build_args, *t], env=e, capture=True),
            results,
            server_cpu if engine == "postgres" else None,
        )
    env = next(iter(envs.values()))
    timed("dbt parse (partial parsing)", lambda: run_dbt(["parse"], env=env, capture=True), results)
    if "duckdb" in envs:
        print_duckdb_marts(duckdb_path)
    if "postgres" in envs:
        print_postgres_sizes(pg_settings)


def recreate_database(settings: dict[str, str]) -> None:
    import psycopg2

    admin = psycopg2.connect(**{**settings, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{settings["dbname"]}" with (force)')
        cur.execute(f'create database "{settings["dbname"]}"')
    admin.close()


def print_duckdb_marts(duckdb_path: Path) -> None:
    con = duckdb.connect(str(duckdb_path), read_only=True)
    print("\nmart row counts (duckdb):")
    for (table,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    ).fetchall():
        (count,) = con.execute(f"select count(*) from marts.{table}").fetchone()
        print(f"  {table:<40} {count:>12,}")
    (events,) = con.execute("select count(*) from staging.stg_web__events").fetchone()
    print(f"  {'stg_web__events':<40} {events:>12,}")
    size = duckdb_path.stat().st_size / 2**30
    print(f"\nwarehouse file: {size:.2f} GiB")


def print_postgres_sizes(settings: dict[str, str]) -> None:
    import psycopg2

    conn = psycopg2.connect(**settings)
    with conn.cursor() as cur:
        cur.execute("select pg_database_size(current_database())")
        (total,) = cur.fetchone()
        cur.execute(
            """
            select n.nspname || '.' || c.relname, pg_total_relation_size(c.oid)
            from pg_class as c
            inner join pg_namespace as n on c.relnamespace = n.oid
            where c.relkind in ('r', 'm') and n.nspname not like 'pg_%'
                and n.nspname <> 'information_schema'
            order by 2 desc
            limit 8
            """
        )
        largest = cur.fetchall()
    conn.close()
    print(f"\npostgres database {settings['dbname']}: {total / 2**30:.2f} GiB; largest tables:")
    for name, size in largest:
        print(f"  {name:<40} {size / 2**30:>8.2f} GiB")


if __name__ == "__main__":
    main()
