"""Benchmark of the warehouse at one scale factor: prints figures, asserts nothing.

Steps, each timed in wall seconds and CPU seconds (this process and its children; wall times
on shared machines swing several-fold under load, CPU seconds much less):
  generate -> land the whole history but the last days in one batch -> dbt build (whole
  history) -> land --next -> dbt build (one new day) -> dbt build (nothing new landed) ->
  dbt's floor (a build that selects nothing, one trivial model) -> dbt parse.
The builds run as users run them (`warehouse dbt build`: Elementary on); Elementary's share
of each build is reported from its nodes' seconds. The run is written as a JSON record to
bench/results/ and drawn as PNG plots in docs/img/bench/ (bench/report.py).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

import duckdb
import plain_sql
from report import (
    RESULTS_DIR,
    Record,
    Step,
    plot,
    print_table,
    read_records,
)

from warehouse.build_scope import run_scoped
from warehouse.dbt_runner import AS_OF_VAR, dbt_environment, project_dir, run_dbt, simulated_now
from warehouse.landing import land, read_manifest
from warehouse.pgload import connection_settings, load
from warehouse.simulate import generate, load_meta
from warehouse.simulate.web import WebConfig
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
    record: Record,
    server_cpu: Callable[[], float] | None = None,
    rows: int | None = None,
) -> Step:
    """Runs action and prints its wall and CPU seconds (this process and its children), and
    the database server's CPU seconds when server_cpu reads them (added to the step's CPU)."""
    server0 = server_cpu() if server_cpu else 0.0
    wall0, cpu0 = time.perf_counter(), _cpu_seconds()
    action()
    wall, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
    line = f"{label:<44} {wall:>9.1f} s wall {cpu:>9.1f} s cpu"
    if server_cpu:
        server = server_cpu() - server0
        line += f" + {server:.1f} s postgres server cpu"
        cpu += server
    step = Step(label, wall, cpu, rows)
    record.steps.append(step)
    print(line, flush=True)
    return step


def elementary_nodes(target_dir: Path) -> set[str]:
    """Unique ids of Elementary's models, tests and hooks in the project's manifest."""
    manifest = json.loads((target_dir / "manifest.json").read_text())
    ids = set()
    for node_id, node in manifest["nodes"].items():
        namespace = (node.get("test_metadata") or {}).get("namespace")
        if node["package_name"] == "elementary" or namespace == "elementary":
            ids.add(node_id)
    return ids


def add_node_seconds(step: Step, target_dir: Path, since: float) -> None:
    """The build's seconds per node (run_results.json, when written after since) and
    Elementary's part of them."""
    path = target_dir / "run_results.json"
    if not path.exists() or path.stat().st_mtime < since:
        return
    results = json.loads(path.read_text())["results"]
    step.nodes = {r["unique_id"]: round(r["execution_time"], 3) for r in results}
    elementary = elementary_nodes(target_dir)
    step.elementary_seconds = round(
        sum(
            seconds
            for node, seconds in step.nodes.items()
            if node in elementary or node.startswith("operation.elementary.")
        ),
        3,
    )


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


def landed_records(landing_dir: Path, batches: slice) -> int:
    """Records (erp rows and collector lines) of the batches in the manifest's slice."""
    manifest = json.loads((landing_dir / "_manifest.json").read_text())
    return sum(sum(batch["rows"].values()) for batch in manifest["batches"][batches])


def parse_args() -> argparse.Namespace:
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
        "--through",
        type=date.fromisoformat,
        default=date(1998, 5, 31),
        help="last day of the whole-history batch (default 1998-05-31: the new day is a "
        "day of ordering, June 1st)",
    )
    parser.add_argument(
        "--yearly-history",
        action="store_true",
        help="land the history one calendar year per batch rather than in one batch (needed "
        "from SF 10 on: one batch would hold files DuckDB cannot verify, over 4 GiB)",
    )
    parser.add_argument(
        "--build-each-batch",
        action="store_true",
        help="with --yearly-history: land and build one yearly batch at a time, as a warehouse "
        "that grows does; the whole-history figures are then the sum of those builds (each "
        "incremental model then sorts a year, not the history: SF 10's first build spills "
        "more than this disk holds otherwise)",
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
        "--without-elementary",
        action="store_true",
        help="turn Elementary's models, hooks and tests off (default: on, as users run it)",
    )
    parser.add_argument(
        "--web-browse-sessions",
        type=float,
        default=None,
        help="non-converting web sessions per order, the clickstream's volume (default: the "
        "simulator's, 1.5)",
    )
    parser.add_argument(
        "--web-order-share",
        type=float,
        default=None,
        help="share of orders with a clickstream (default: the simulator's, all): a smaller "
        "web side beside the full erp side, e.g. when SF 10's clickstream does not fit the disk",
    )
    parser.add_argument(
        "--skip-plain-sql",
        action="store_true",
        help="leave out dbt's overhead against the same SQL run directly (bench/plain_sql.py)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS_DIR,
        help=f"folder of the JSON records (default {RESULTS_DIR})",
    )
    parser.add_argument(
        "--plots",
        type=Path,
        default=PLOTS_DIR,
        help=f"folder of the PNG plots (default {PLOTS_DIR})",
    )
    return parser.parse_args()


PLOTS_DIR = Path(__file__).resolve().parents[1] / "docs" / "img" / "bench"


class Bench:
    """The landed data and the engines' builds of one run."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.workdir = args.workdir or Path(tempfile.mkdtemp(prefix="warehouse-bench-"))
        self.sim_dir, self.landing_dir = self.workdir / "sim", self.workdir / "landing"
        self.history_batches = 1
        self.history_cutoffs: list[date] = []
        self.duckdb_path = self.workdir / "warehouse.duckdb"
        self.pg_settings = {**connection_settings(), "dbname": "warehouse_bench"}
        self.envs = {
            engine: {
                "WAREHOUSE_LANDING_DIR": str(self.landing_dir),
                "WAREHOUSE_DUCKDB_PATH": str(self.duckdb_path),
                "PGDATABASE": self.pg_settings["dbname"],
                "DBT_TARGET_PATH": str(self.workdir / f"target-{engine}"),
                "DBT_LOG_PATH": str(self.workdir / f"logs-{engine}"),
            }
            for engine in args.engines
        }
        self.elementary = not args.without_elementary
        self.build_args = ["build"]
        if not self.elementary:
            self.build_args += [
                "--exclude",
                "tag:elementary-tests",
                "--vars",
                "{elementary_enabled: false}",
            ]
        self.record = Record.start(args.scale, "+".join(args.engines), self.elementary)
        self.server_cpu: Callable[[], float] | None = None

    def dbt(
        self,
        engine: str,
        label: str,
        args: list[str],
        rows: int | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> Step:
        """Run dbt as `warehouse dbt` does: a build without a selection is scoped to what is
        new (warehouse.build_scope), inside the timed step."""
        env = {**self.envs[engine], **(extra_env or {})}
        started = time.time()

        def run() -> None:
            project = project_dir()
            run_scoped(
                [*args, "--target", engine],
                project,
                dbt_environment(project, env),
                lambda command: run_dbt(command, env=env, capture=True).returncode,
                lambda line: print(f"[{engine}] {label}: {line}"),
            )

        step = timed(
            f"[{engine}] {label}",
            run,
            self.record,
            self.server_cpu if engine == "postgres" else None,
            rows,
        )
        add_node_seconds(step, Path(env["DBT_TARGET_PATH"]), started)
        return step

    def build(self, label: str, batches: slice) -> None:
        rows = landed_records(self.landing_dir, batches)
        for engine, env in self.envs.items():
            if engine == "postgres":
                timed(
                    f"[postgres] load ({label})",
                    lambda: load(self.landing_dir, self.pg_settings, progress=lambda _: None),
                    self.record,
                    self.server_cpu,
                    rows,
                )
            self.dbt(engine, f"dbt build ({label})", self.build_args, rows)
            target_dir = Path(env["DBT_TARGET_PATH"])
            print_layers(f"[{engine}] {label}", target_dir)
            print_boundary(f"[{engine}] {label}", target_dir)
            print_web(
                f"[{engine}] {label}", target_dir, landed_web_lines(self.landing_dir, batches)
            )

    def prepare(self) -> None:
        """Generates (or reuses) the history and lands all of it but the last days."""
        args, quiet = self.args, {"progress": lambda _: None}
        if "postgres" in self.envs:
            recreate_database(self.pg_settings)
            self.server_cpu = postgres_server_cpu(self.pg_settings)
        web_options = {
            name: value
            for name, value in (
                ("browse_sessions_per_order", args.web_browse_sessions),
                ("order_share", args.web_order_share),
            )
            if value is not None
        }
        web = WebConfig(**web_options)
        web.validate()
        web_config = {k: str(v) for k, v in asdict(web).items()}
        # A history generated before a field existed was generated with its default.
        defaults = {k: str(v) for k, v in asdict(WebConfig()).items()}
        self.record.facts["web_config"] = web_options
        meta_file = self.sim_dir / "meta.json"
        reusable = meta_file.exists() and (
            (meta := load_meta(self.sim_dir)).scale == args.scale
            and meta.seed == args.seed
            and "config" in meta.web
            and {**defaults, **meta.web["config"]} == web_config
        )
        if args.reuse_sim and reusable:
            print(f"generate: reusing {self.sim_dir} (scale {args.scale}, seed {args.seed})")
        else:
            timed(
                "generate",
                lambda: generate(self.sim_dir, args.scale, args.seed, web=web, **quiet),
                self.record,
            )
        cutoff = args.through
        cutoffs = [cutoff]
        if args.yearly_history:
            first = date.fromisoformat(load_meta(self.sim_dir).first_arrival).year
            cutoffs = [date(year, 12, 31) for year in range(first, cutoff.year)] + [cutoff]

        self.history_cutoffs = cutoffs
        self.history_batches = len(cutoffs)
        self.record.facts["history_batches"] = self.history_batches
        self.record.facts["history_built_batch_by_batch"] = self.args.build_each_batch
        if self.args.build_each_batch:
            return

        def land_history() -> None:
            for through in cutoffs:
                land(self.sim_dir, self.landing_dir, through=through, **quiet)

        batches = "one batch" if len(cutoffs) == 1 else f"{len(cutoffs)} yearly batches"
        step = timed(f"land through {cutoff} ({batches})", land_history, self.record)
        step.rows = landed_records(self.landing_dir, slice(0, self.history_batches))

    def build_history(self) -> None:
        """The whole history's build: one build, or (--build-each-batch) a landing and a build
        per yearly batch, recorded beside their sum, which stands for the whole history."""
        if not self.args.build_each_batch:
            self.build("whole history", slice(0, self.history_batches))
            return
        quiet = {"progress": lambda _: None}
        first = len(self.record.steps)
        for index, through in enumerate(self.history_cutoffs):
            label = f"history batch {index + 1}/{self.history_batches}"
            step = timed(
                f"land through {through} ({label})",
                lambda through=through: land(
                    self.sim_dir, self.landing_dir, through=through, **quiet
                ),
                self.record,
            )
            step.rows = landed_records(self.landing_dir, slice(index, index + 1))
            self.build(label, slice(index, index + 1))
        for engine in self.envs:
            builds = [
                step
                for step in self.record.steps[first:]
                if step.label.startswith(f"[{engine}] dbt build (history batch ")
            ]
            nodes: dict[str, float] = {}
            for step in builds:
                for node, seconds in step.nodes.items():
                    nodes[node] = round(nodes.get(node, 0.0) + seconds, 3)
            total = Step(
                f"[{engine}] dbt build (whole history)",
                sum(step.wall for step in builds),
                sum(step.cpu for step in builds),
                sum(step.rows or 0 for step in builds),
                nodes,
                sum(step.elementary_seconds or 0.0 for step in builds),
            )
            self.record.steps.append(total)
            print(
                f"{total.label} (sum of {len(builds)} builds){'':<4} {total.wall:>9.1f} s wall "
                f"{total.cpu:>9.1f} s cpu",
                flush=True,
            )

    def floor(self, engine: str) -> None:
        """dbt's own cost on this machine: a build that selects nothing, one trivial model."""
        self.dbt(engine, "dbt build selecting nothing", ["build", "--select", "tag:bench-none"])
        self.dbt(engine, "dbt run of one trivial model (dim_dates)", ["run", "-s", "dim_dates"])


def main() -> None:
    args = parse_args()
    bench = Bench(args)
    elementary = "on" if bench.elementary else "off (--without-elementary)"
    print(f"scale factor {args.scale}, data in {bench.workdir}, {os.cpu_count()} cores")
    print(f"elementary: {elementary}")
    if args.build_each_batch and not args.yearly_history:
        raise SystemExit("--build-each-batch needs --yearly-history (the batches it builds)")
    bench.prepare()
    bench.build_history()
    quiet = {"progress": lambda _: None}
    step = timed(
        "land --next",
        lambda: land(bench.sim_dir, bench.landing_dir, next_day=True, **quiet),
        bench.record,
    )
    step.rows = landed_records(bench.landing_dir, slice(-1, None))
    timed("verify the new day's files", lambda: verify_new_batch(bench.landing_dir), bench.record)
    bench.build("one new day", slice(-1, None))
    for engine in bench.envs:
        bench.dbt(engine, "dbt build (nothing new)", bench.build_args, 0)
        # the next day on the warehouse clock, still nothing new: the clock-dependent checks
        # (deadlines, Elementary's freshness and volume anomalies) run again
        bench.dbt(
            engine,
            "dbt build (nothing new, the clock a day later)",
            bench.build_args,
            0,
            {AS_OF_VAR: next_clock_day(bench.landing_dir)},
        )
    for engine in bench.envs:
        bench.floor(engine)
    engine = args.engines[0]
    bench.dbt(engine, "dbt parse (partial parsing)", ["parse"])
    if "duckdb" in bench.envs and not args.skip_plain_sql:
        plain_sql.compare(
            bench.landing_dir,
            bench.workdir / "overhead",
            lambda label, action: timed(label, action, bench.record),
        )
        print_overhead(bench.record)
    report_sizes(bench)
    print_table(bench.record)
    path = bench.record.write(args.results)
    print(f"\nrecord: {path}")
    for plot_path in plot(read_records(args.results), bench.record, args.plots):
        print(f"plot: {plot_path}")


def next_clock_day(landing_dir: Path) -> str:
    """The warehouse clock one day after the landed data's."""
    as_of = simulated_now(landing_dir)
    assert as_of is not None, f"nothing landed in {landing_dir}"
    return f"{date.fromisoformat(as_of[:10]) + timedelta(days=1)} 00:00:00"


def print_overhead(record: Record) -> None:
    """dbt's full run and build against the same SQL executed directly."""
    steps = {step.label: step for step in record.steps}
    pairs = [
        ("dbt run", "[duckdb] dbt run --full-refresh", "plain SQL: dbt run's work (models)"),
        (
            "dbt build",
            "[duckdb] dbt build --full-refresh (empty file)",
            "plain SQL: dbt build's work",
        ),
    ]
    for name, dbt_label, plain_label in pairs:
        dbt_step, plain_step = steps[dbt_label], steps[plain_label]
        print(
            f"{name} against plain SQL: {dbt_step.wall / plain_step.wall:.2f}x wall, "
            f"{dbt_step.cpu / plain_step.cpu:.2f}x CPU"
        )
        record.facts[f"{name.replace(' ', '_')}_overhead_wall"] = round(
            dbt_step.wall / plain_step.wall, 3
        )


def report_sizes(bench: Bench) -> None:
    """Row counts, stored sizes per landed GB and peak memory, printed and recorded."""
    landed = directory_bytes(bench.landing_dir)
    facts: dict[str, object] = {"landed_bytes": landed}
    if "duckdb" in bench.envs:
        print_duckdb_marts(bench.duckdb_path)
        facts["duckdb_bytes"] = bench.duckdb_path.stat().st_size
    if "postgres" in bench.envs:
        facts["postgres_bytes"] = print_postgres_sizes(bench.pg_settings)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    facts["peak_rss_mib"] = round(max(children, own) / 1024, 1)
    usage = shutil.disk_usage(bench.workdir)
    facts["disk_free_gib_at_end"] = round(usage.free / 2**30, 1)
    print(f"\nlanded files: {landed / 2**30:.3f} GiB")
    for key in ("duckdb_bytes", "postgres_bytes"):
        if key in facts:
            stored = int(facts[key])  # type: ignore[call-overload]
            engine = key.split("_")[0]
            print(f"{engine}: {stored / 2**30:.3f} GiB, {stored / landed:.2f} per landed GB")
    print(f"peak memory of one process (RSS): {facts['peak_rss_mib']} MiB")
    bench.record.facts.update(facts)


def directory_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


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
    con.close()


def print_postgres_sizes(settings: dict[str, str]) -> int:
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
    return int(total)


if __name__ == "__main__":
    main()
