"""Running the warehouse's DAGs in tests: `airflow dags test` against a test warehouse, in an
Airflow home of its own, with the task states read back from Airflow's metadata database.
Needs the `airflow` extra."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml
from conftest import PROJECT_DIR, LandedWarehouse
from fingerprint import fingerprint

from warehouse.build_scope import run_scoped
from warehouse.dbt_runner import dbt_environment, run_dbt
from warehouse.orchestration.local import airflow_env, task_states

DAG_ID = "warehouse_daily"
BIN = Path(sys.executable).parent
TABLES = (
    "select table_name from information_schema.tables where table_schema = 'marts' "
    "and table_name <> 'rpt_model_run_health' order by 1"
)
# The batch that brought a row differs between landing a day per run and several days at once
BATCH_COLUMNS = ("_batch_id", "last_changed_batch")


class Warehouse(LandedWarehouse):
    def build(self) -> None:
        """`warehouse dbt build`, as users run it (Elementary on)."""
        code = run_scoped(
            ["build"],
            PROJECT_DIR,
            dbt_environment(PROJECT_DIR, self.env),
            lambda command: run_dbt(command, env=self.env, capture=True).returncode,
            lambda _: None,
        )
        assert code == 0

    def marts(self, batch_columns: bool = False) -> dict[str, tuple[int, str]]:
        """Every mart's row count and content hash, the batch columns left out unless asked
        for."""
        import duckdb

        con = duckdb.connect(str(self.duckdb_path), read_only=True)
        try:
            tables = [name for (name,) in con.execute(TABLES).fetchall()]
            found = {}
            for table in tables:
                columns = [
                    name
                    for (name,) in con.execute(
                        "select column_name from information_schema.columns where "
                        "table_schema = 'marts' and table_name = ? order by ordinal_position",
                        [table],
                    ).fetchall()
                    if batch_columns or name not in BATCH_COLUMNS
                ]
                rows = con.execute(f"select {', '.join(columns)} from marts.{table}").fetchall()
                found[table] = fingerprint(rows)
            return found
        finally:
            con.close()

    def duplicate_a_part_version(self) -> None:
        """Corrupts the parts snapshot: one version of a part twice, as a hand-run snapshot
        with a wrong configuration might leave it. dim_parts, rebuilt from the snapshot by
        every build, then holds a surrogate key twice, which its unique test catches."""
        import duckdb

        con = duckdb.connect(str(self.duckdb_path))
        try:
            (part_key,) = con.execute(
                "select min(part_key) from snapshots.snap_erp__parts"
            ).fetchone()
            con.execute(
                "insert into snapshots.snap_erp__parts select * from snapshots.snap_erp__parts "
                "where part_key = ? order by dbt_valid_from limit 1",
                [part_key],
            )
        finally:
            con.close()


def _test_config(home: Path, **deadline: int) -> Path:
    """config.yml with retry delays of seconds rather than minutes (1 s doubling to 4 s), the
    deadline checked every 2 s (and any of its keys given), the project named by its absolute
    path."""
    content = yaml.safe_load((PROJECT_DIR / "orchestration" / "config.yml").read_text())
    content["project_dir"] = str(PROJECT_DIR)
    content["retries"].update(retries=5, delay_seconds=1, max_delay_seconds=4)
    content["daily"]["deadline"].update(poke_seconds=2, **deadline)
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.yml"
    path.write_text(yaml.safe_dump(content))
    return path


class Airflow:
    """`airflow dags test` of warehouse_daily against one warehouse, in an Airflow home of
    its own."""

    def __init__(
        self,
        warehouse: Warehouse,
        home: Path,
        published: Path,
        manifest: Path | None = None,
        **extra: str,
    ) -> None:
        """manifest: the one the DAGs are rendered from (default: the warehouse's last build's;
        a copy that was not built itself names its original's)."""
        self.warehouse, self.home = warehouse, home
        manifest = manifest or warehouse.target_dir / "manifest.json"
        env = airflow_env(PROJECT_DIR, port=8793, home=home)
        env.update(
            {
                "WAREHOUSE_AIRFLOW_CONFIG": str(_test_config(home)),
                "WAREHOUSE_AIRFLOW_MANIFEST": str(manifest),
                "WAREHOUSE_SIM_DIR": str(warehouse.sim_dir),
                "WAREHOUSE_LANDING_DIR": str(warehouse.landing_dir),
                "WAREHOUSE_DUCKDB_PATH": str(warehouse.duckdb_path),
                "WAREHOUSE_PUBLISH_DIR": str(published),
                **extra,
            }
        )
        if "WAREHOUSE_ALERT_WEBHOOK" not in extra:
            env.pop("WAREHOUSE_ALERT_WEBHOOK", None)
        self.env = env

    def migrate(self, like: Path | None = None) -> None:
        """A migrated metadata database: a copy of like when given, a database migrated and
        not yet run (migrating takes ~20 s)."""
        self.home.mkdir(parents=True, exist_ok=True)
        if like is not None:
            shutil.copy(like, self.home / "airflow.db")
            return
        subprocess.run(
            [BIN / "airflow", "db", "migrate"], env=self.env, check=True, capture_output=True
        )

    def start(self, day: str, dag_id: str = DAG_ID) -> subprocess.Popen[str]:
        log = (self.home / f"dags-test-{dag_id}-{day[:13]}.log").open("a")
        return subprocess.Popen(
            [BIN / "airflow", "dags", "test", dag_id, day],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=self.home,
            start_new_session=True,
        )

    def run(self, day: str, dag_id: str = DAG_ID) -> dict[str, tuple[str, int]]:
        """One run of the logical date (a day, or an hour for the hourly DAG) to its end; each
        task's (state, try number)."""
        self.start(day, dag_id).wait()
        return task_states(self.env, dag_id, date.fromisoformat(day[:10]))

    def configure(self, **deadline: int) -> None:
        """Changes the deadline's settings for the runs that follow (the DAG file reads the
        configuration at each parse)."""
        _test_config(self.home, **deadline)

    def run_with_fault(
        self,
        day: str,
        until: str,
        begin: Callable[[], object],
        end: Callable[[], object],
        after: str | None = None,
    ) -> dict[str, tuple[str, int]]:
        """The run of day, with a fault that begins at the start (or once the task after has
        ended) and ends once the task until has failed on it once."""
        process = self.start(day)
        if after is not None:
            self._wait(day, after, ("success", "failed"), process)
        begin()
        try:
            self._wait(day, until, ("up_for_retry", "failed"), process)
        finally:
            end()
        process.wait()
        return task_states(self.env, DAG_ID, date.fromisoformat(day))

    def run_locked_after_build(self, day: str, task: str) -> dict[str, tuple[str, int]]:
        """The run of day, with the DuckDB file locked by another process from the end of
        dbt's build until the task has failed on it once, as when an analyst or a second run
        writes to the file: the tasks after the build (the SLA check, publishing) find it
        locked."""
        import duckdb

        holder: list[duckdb.DuckDBPyConnection] = []
        return self.run_with_fault(
            day,
            until=task,
            begin=lambda: holder.append(duckdb.connect(str(self.warehouse.duckdb_path))),
            end=lambda: [con.close() for con in holder],
            after="%dbt_producer_watcher",
        )

    def xcom(self, day: str, task: str) -> object:
        """The value the task returned in the run of day (its return_value XCom)."""
        con = sqlite3.connect(self.home / "airflow.db", timeout=30)
        try:
            row = con.execute(
                "select value from xcom where dag_id = ? and task_id = ? and "
                "key = 'return_value' and run_id in (select run_id from dag_run where "
                "dag_id = ? and logical_date like ?)",
                [DAG_ID, task, DAG_ID, f"{day}%"],
            ).fetchone()
        finally:
            con.close()
        assert row is not None, f"{task} of {day} returned nothing"
        value = json.loads(row[0])
        return json.loads(value) if isinstance(value, str) else value

    def _wait(
        self, day: str, task: str, states: tuple[str, ...], process: subprocess.Popen[str]
    ) -> None:
        deadline = time.monotonic() + 900
        while self._state(day, task) not in states:
            assert process.poll() is None, f"the run of {day} ended before {task} was {states}"
            assert time.monotonic() < deadline, f"{task} of {day} never became {states}"
            time.sleep(0.2)

    def _state(self, day: str, task: str) -> str | None:
        """The state of a task (a LIKE pattern) in the run of day, from Airflow's SQLite."""
        con = sqlite3.connect(self.home / "airflow.db", timeout=30)
        try:
            row = con.execute(
                "select state from task_instance where dag_id = ? and run_id in "
                "(select run_id from dag_run where dag_id = ? and logical_date like ?) "
                "and task_id like ? order by try_number desc limit 1",
                [DAG_ID, DAG_ID, f"{day}%", task],
            ).fetchone()
        except sqlite3.OperationalError:
            return None
        finally:
            con.close()
        return row[0] if row else None

    def kill_while_dbt_builds(self, day: str) -> dict[str, tuple[str, int]]:
        """Starts the run of day and, a few seconds after dbt's build has started, kills the
        run and every process it started (Cosmos starts dbt in a session of its own) with
        SIGKILL, as a lost worker would be; returns the states it left."""
        process = self.start(day)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and process.poll() is None:
            if any(_is_dbt_build(pid) for pid in _descendants(process.pid)):
                time.sleep(5)
                break
            time.sleep(0.5)
        assert process.poll() is None, "the run ended before it could be killed"
        for pid in [process.pid, *_descendants(process.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()
        return task_states(self.env, DAG_ID, date.fromisoformat(day))


def _descendants(root: int) -> list[int]:
    """The processes started by root, and by them, and so on (from /proc)."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(proc.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _is_dbt_build(pid: int) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(arg.endswith(b"/dbt") for arg in argv) and b"build" in argv
