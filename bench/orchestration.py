"""Benchmark of the Airflow DAGs against the same work run by hand: prints figures, asserts
nothing. Needs the `airflow` extra (`make airflow-deps`).

On a history generated at --scale, landed through 1998-05-31 and built (as `make build` leaves
the demo), each of these runs on a copy of its own:
- by hand: `warehouse land --through 1998-06-01`, `warehouse dbt build`, `warehouse sla`,
  `warehouse report` and `warehouse dbt docs generate`, each timed;
- `airflow dags test warehouse_daily 1998-06-01` in watcher mode (one `dbt build`, a sensor
  task per model) and in local mode (one dbt command per model and per model's tests), then,
  in watcher mode, `airflow dags test warehouse_hourly_web 1998-06-02T05:00` on the same copy;
- parsing the DAG files (Airflow's DagBag in a fresh process, and the time it reports).
The daily run's goal is at most 1.25x the wall and CPU seconds of `warehouse dbt build` of the
same day. CPU seconds are this process's and its children's (Airflow, dbt, edr). The run is
written as a JSON record to bench/results/orchestration/ (DuckDB only).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from report import RESULTS_DIR, Record, Step, print_table
from run import timed

from warehouse.dbt_runner import project_dir
from warehouse.orchestration.local import airflow_env

HISTORY_END, DAY, HOUR = "1998-05-31", "1998-06-01", "1998-06-02T05:00:00+00:00"
BIN = Path(sys.executable).parent
MODES = ("watcher", "local")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, help="default: a temporary folder, removed")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument(
        "--port",
        type=int,
        default=8795,
        help="the API port in Airflow's settings (no server starts)",
    )
    return parser.parse_args()


class Copy:
    """A landed and built warehouse in a folder of its own (the simulator output shared)."""

    def __init__(self, root: Path, sim: Path) -> None:
        self.root, self.sim = root, sim
        self.landing, self.duckdb, self.target = (
            root / "landing",
            root / "warehouse.duckdb",
            root / "target",
        )

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "WAREHOUSE_SIM_DIR": str(self.sim),
            "WAREHOUSE_LANDING_DIR": str(self.landing),
            "WAREHOUSE_DUCKDB_PATH": str(self.duckdb),
            "DBT_TARGET_PATH": str(self.target),
            "DBT_LOG_PATH": str(self.target / "logs"),
        }

    def clone(self, root: Path) -> Copy:
        copy = Copy(root, self.sim)
        root.mkdir(parents=True)
        shutil.copytree(self.landing, copy.landing)
        shutil.copy(self.duckdb, copy.duckdb)
        return copy

    def warehouse(self, *args: str, check: bool = True) -> int:
        done = subprocess.run(
            [BIN / "warehouse", *args],
            env=self.env,
            cwd=project_dir(),
            capture_output=True,
            text=True,
        )
        if check and done.returncode != 0:
            raise SystemExit(
                f"`warehouse {' '.join(args)}` failed with exit code {done.returncode}:\n"
                + (done.stdout + done.stderr)[-2000:]
            )
        return done.returncode


class Airflow:
    """`airflow dags test` against one copy, in an Airflow home of its own."""

    def __init__(self, copy: Copy, home: Path, mode: str, manifest: Path, port: int) -> None:
        self.copy, self.home = copy, home
        home.mkdir(parents=True)
        config = yaml.safe_load((project_dir() / "orchestration" / "config.yml").read_text())
        config["project_dir"] = str(project_dir())
        config["dbt"]["execution_mode"] = mode
        (home / "config.yml").write_text(yaml.safe_dump(config))
        env = airflow_env(project_dir(), port=port, home=home, base=copy.env)
        env.pop("WAREHOUSE_ALERT_WEBHOOK", None)
        env.update(
            {
                "WAREHOUSE_AIRFLOW_CONFIG": str(home / "config.yml"),
                "WAREHOUSE_AIRFLOW_MANIFEST": str(manifest),
                "WAREHOUSE_PUBLISH_DIR": str(home / "published"),
            }
        )
        self.env = env

    def airflow(self, *args: str) -> None:
        log = self.home / "airflow.log"
        with log.open("a") as out:
            code = subprocess.run(
                [BIN / "airflow", *args], env=self.env, cwd=self.home, stdout=out, stderr=out
            ).returncode
        if code != 0:
            raise SystemExit(f"`airflow {' '.join(args)}` failed ({code}); see {log}")

    def tasks(self, dag_id: str) -> list[tuple[str, str, float]]:
        """(task, state, seconds) of every task of the newest run of dag_id."""
        con = sqlite3.connect(self.home / "airflow.db")
        try:
            return con.execute(
                "select task_id, state, coalesce(duration, 0) from task_instance where "
                "run_id = (select run_id from dag_run where dag_id = ? order by id desc "
                "limit 1) and dag_id = ? order by duration desc",
                [dag_id, dag_id],
            ).fetchall()
        finally:
            con.close()


def summarise(label: str, tasks: list[tuple[str, str, float]], record: Record) -> None:
    """Prints the run's costliest tasks and records their seconds."""
    failed = [f"{task} ({state})" for task, state, _ in tasks if state != "success"]
    print(f"  {label}: {len(tasks)} tasks, not succeeded: {', '.join(failed) or 'none'}")
    print("  " + ", ".join(f"{task} {seconds:.1f}s" for task, _, seconds in tasks[:6]))
    record.facts[f"{label} tasks"] = {task: [state, round(s, 2)] for task, state, s in tasks}


def dag_parse(env: dict[str, str], record: Record) -> None:
    """The DAG files parsed in a fresh process, as Airflow's DAG processor does."""
    script = (
        "import time\n"
        "start = time.perf_counter()\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        "imported = time.perf_counter()\n"
        "bag = DagBag(dag_folder=sys.argv[1])\n"
        "done = time.perf_counter()\n"
        "stats = {s.file: s.duration.total_seconds() for s in bag.dagbag_stats}\n"
        "print(json.dumps({'import': imported - start, 'parse': done - imported,\n"
        "    'files': stats, 'errors': bag.import_errors, 'dags': sorted(bag.dag_ids)}))\n"
    )
    folder = str(project_dir() / "orchestration" / "dags")
    out = subprocess.run(
        [sys.executable, "-c", "import json, sys\n" + script, folder],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    record.facts["dag parse"] = found
    files = ", ".join(f"{Path(f).name} {s:.2f} s" for f, s in found["files"].items())
    print(
        f"DAG parse: Airflow's import {found['import']:.2f} s, DagBag of the folder "
        f"{found['parse']:.2f} s ({files}); DAGs {found['dags']}, "
        f"errors {found['errors'] or 'none'}",
        flush=True,
    )


def print_ratios(record: Record, modes: list[str]) -> None:
    """The daily run against `warehouse dbt build` of the day (the issue's goal: at most
    1.25x), its dbt tasks alone against that build (the run's other tasks check the SLAs and
    publish, which the build does not), and the run against the same steps by hand."""
    build = record.step("by hand: warehouse dbt build")
    by_hand = record.step("by hand: all steps")
    for mode in modes:
        daily = record.step(f"{mode}: warehouse_daily {DAY}")
        tasks = record.facts.get(f"{mode} daily tasks", {})
        if not (build and by_hand and daily):
            continue
        dbt_tasks = sum(seconds for task, (_, seconds) in tasks.items() if task.startswith("dbt."))
        print(
            f"{mode}: the daily run / `warehouse dbt build` of the day: "
            f"{daily.wall / build.wall:.2f}x wall, {daily.cpu / build.cpu:.2f}x CPU "
            f"(goal: at most 1.25x); its dbt tasks ({dbt_tasks:.1f} s, one at a time on "
            f"DuckDB) / the build: {dbt_tasks / build.wall:.2f}x wall; the daily run / the "
            f"same steps by hand: {daily.wall / by_hand.wall:.2f}x wall, "
            f"{daily.cpu / by_hand.cpu:.2f}x CPU"
        )


def main() -> None:
    args = parse_args()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="bench-orchestration-"))
    root.mkdir(parents=True, exist_ok=True)
    record = Record.start(args.scale, "duckdb-airflow", elementary=True)
    base = Copy(root / "history", root / "sim")
    base.root.mkdir(exist_ok=True)
    try:
        generate = ["generate", "--scale", str(args.scale), "--seed", str(args.seed)]
        timed("generate", lambda: base.warehouse(*generate, "--sim-dir", str(base.sim)), record)
        timed(
            "land through 1998-05-31",
            lambda: base.warehouse("land", "--through", HISTORY_END),
            record,
        )
        timed("history: warehouse dbt build", lambda: base.warehouse("dbt", "build"), record)
        manifest = base.target / "manifest.json"

        by_hand = base.clone(root / "by-hand")
        print(f"\nby hand, day {DAY}:", flush=True)
        steps = [
            (f"by hand: land through {DAY}", ["land", "--through", DAY]),
            ("by hand: warehouse dbt build", ["dbt", "build"]),
            ("by hand: warehouse sla", ["sla"]),
            ("by hand: warehouse report", ["report"]),
            ("by hand: warehouse dbt docs generate", ["dbt", "docs", "generate"]),
        ]
        hand: list[Step] = []
        for label, command in steps:
            check = command[0] != "sla"  # a breach exits 1, as the DAG's sla task fails
            hand.append(
                timed(label, lambda c=command, k=check: by_hand.warehouse(*c, check=k), record)
            )
        record.steps.append(
            Step("by hand: all steps", sum(s.wall for s in hand), sum(s.cpu for s in hand))
        )

        env = None
        for mode in args.modes:
            copy = base.clone(root / mode)
            airflow = Airflow(copy, root / f"airflow-{mode}", mode, manifest, args.port)
            env = airflow.env
            print(f"\nAirflow, {mode} mode:", flush=True)
            timed(
                f"{mode}: airflow db migrate", lambda a=airflow: a.airflow("db", "migrate"), record
            )
            timed(
                f"{mode}: warehouse_daily {DAY}",
                lambda a=airflow: a.airflow("dags", "test", "warehouse_daily", DAY),
                record,
            )
            summarise(f"{mode} daily", airflow.tasks("warehouse_daily"), record)
            if mode != "watcher":
                print("  (the hourly web DAG runs in watcher mode only)")
                continue
            timed(
                f"{mode}: warehouse_hourly_web {HOUR[:16]}",
                lambda a=airflow: a.airflow("dags", "test", "warehouse_hourly_web", HOUR),
                record,
            )
            summarise(f"{mode} hourly", airflow.tasks("warehouse_hourly_web"), record)
        if env is not None:
            dag_parse(env, record)
        print_table(record)
        print_ratios(record, args.modes)
        print(f"record: {record.write(RESULTS_DIR / 'orchestration')}")
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
