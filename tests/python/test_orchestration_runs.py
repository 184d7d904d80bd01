"""warehouse_daily end to end: `airflow dags test` on SF 0.01 data, DuckDB, watcher mode.

A history landed through 1998-05-31 and built, as `make build` leaves the demo, then the
daily runs of June 1st to 3rd, as a backfill of those days runs them, one logical date after
the other. The run of June 2nd is killed (SIGKILL, the whole process group) while dbt builds,
and run again, as clearing it in Airflow does; the run of June 3rd is run a second time. The
runs must land one day each, build, publish the report and the docs, and leave the marts
that landing the three days at once and one `warehouse dbt build` give on a copy; running a
day again must change nothing.

A second copy of the history has a corrupted mart (a duplicated order in `fct_orders`): its
run of June 1st must fail that model's test task at once, without a retry, not run what
depends on it, alert the webhook and publish nothing. Needs the `airflow` extra."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import PROJECT_DIR, LandedWarehouse
from fingerprint import fingerprint
from webhook_receiver import WebhookReceiver

pytest.importorskip("airflow", reason="the airflow extra is not installed: make airflow-deps")
pytest.importorskip("cosmos", reason="the airflow extra is not installed: make airflow-deps")

from warehouse.build_scope import run_scoped
from warehouse.dbt_runner import dbt_environment, run_dbt
from warehouse.landing import land, read_manifest
from warehouse.orchestration.local import airflow_env, task_states

pytestmark = pytest.mark.slow

SCALE, SEED = 0.01, 42
HISTORY_END = date(1998, 5, 31)
DAYS = ["1998-06-01", "1998-06-02", "1998-06-03"]
KILLED_DAY = "1998-06-02"
DAG_ID = "warehouse_daily"
# the hourly web run after the three days: it lands the next day's arrivals before 06:00
HOURLY_DAG_ID, HOUR = "warehouse_hourly_web", "1998-06-04T05:00:00+00:00"
WEB_MARTS = {
    "fct_events",
    "fct_sessions",
    "dim_channels",
    "dim_devices",
    "rpt_daily_funnel_by_channel",
    "rpt_revenue_attribution",
}
BIN = Path(sys.executable).parent
TABLES = (
    "select table_name from information_schema.tables where table_schema = 'marts' "
    "and table_name <> 'rpt_model_run_health' order by 1"
)
# The batch that brought a row differs between landing a day per run and three days at once
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

    def marts(self) -> dict[str, tuple[int, str]]:
        """Every mart's row count and content hash, the batch columns left out."""
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
                    if name not in BATCH_COLUMNS
                ]
                rows = con.execute(f"select {', '.join(columns)} from marts.{table}").fetchall()
                found[table] = fingerprint(rows)
            return found
        finally:
            con.close()

    def duplicate_an_old_order(self) -> int:
        """Corrupts fct_orders: one order of 1992, which no later day changes, twice."""
        import duckdb

        con = duckdb.connect(str(self.duckdb_path))
        try:
            (order_key,) = con.execute(
                "select min(order_key) from marts.fct_orders where order_date < '1993-01-01'"
            ).fetchone()
            con.execute(
                "insert into marts.fct_orders select * from marts.fct_orders where order_key = ?",
                [order_key],
            )
            return int(order_key)
        finally:
            con.close()


class Airflow:
    """`airflow dags test` of warehouse_daily against one warehouse, in an Airflow home of
    its own."""

    def __init__(self, warehouse: Warehouse, home: Path, published: Path, **extra: str) -> None:
        self.warehouse, self.home, self.published = warehouse, home, published
        env = airflow_env(PROJECT_DIR, port=8793, home=home)
        env.update(
            {
                "WAREHOUSE_AIRFLOW_MANIFEST": str(warehouse.target_dir / "manifest.json"),
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

    def migrate(self, like: Airflow | None = None) -> None:
        """A migrated metadata database: a copy of like's when given (migrating takes ~20 s)."""
        self.home.mkdir(parents=True, exist_ok=True)
        if like is not None:
            shutil.copy(like.home / "airflow.db", self.home / "airflow.db")
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

    def kill_while_dbt_builds(self, day: str) -> dict[str, tuple[str, int]]:
        """Starts the run of day, kills its whole process group (Airflow and dbt) with SIGKILL
        a few seconds after dbt's build has started, and returns the states it left."""
        process = self.start(day)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and process.poll() is None:
            if _dbt_build_in_session(process.pid):
                time.sleep(5)
                break
            time.sleep(0.5)
        assert process.poll() is None, "the run ended before it could be killed"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return task_states(self.env, DAG_ID, date.fromisoformat(day))


def _dbt_build_in_session(session: int) -> bool:
    """Whether a `dbt build` process runs in the session (process group) of the run."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if os.getsid(int(proc.name)) != session:
                continue
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, ProcessLookupError):
            continue
        if any(arg.endswith(b"/dbt") for arg in argv) and b"build" in argv:
            return True
    return False


@pytest.fixture(scope="module")
def orchestrated(tmp_path_factory):
    """The runs of three days (one killed and run again, one run twice), the same days landed
    at once and built by hand, and the run of a day on a corrupted copy."""
    root = tmp_path_factory.mktemp("orchestrated")
    warehouse = Warehouse.history(root / "dag", SCALE, SEED, HISTORY_END)
    by_hand = warehouse.copy(root / "by-hand")
    corrupted = warehouse.copy(root / "corrupted")
    corrupted.duplicate_an_old_order()

    airflow = Airflow(warehouse, root / "airflow", root / "published")
    airflow.migrate()
    states, watermarks = {}, []
    for day in DAYS:
        if day == KILLED_DAY:
            states["killed"] = airflow.kill_while_dbt_builds(day)
        states[day] = airflow.run(day)
        watermarks.append(read_manifest(warehouse.landing_dir)[-1].through)
    marts, batches = warehouse.marts(), read_manifest(warehouse.landing_dir)
    states["again"] = airflow.run(DAYS[-1])
    marts_again, batches_again = warehouse.marts(), read_manifest(warehouse.landing_dir)

    states["hourly"] = airflow.run(HOUR, HOURLY_DAG_ID)
    hourly_batch = read_manifest(warehouse.landing_dir)[-1]
    marts_after_hour = warehouse.marts()

    land(by_hand.sim_dir, by_hand.landing_dir, through=date.fromisoformat(DAYS[-1]))
    by_hand.build()

    with WebhookReceiver("slack") as receiver:
        faulty = Airflow(
            corrupted,
            root / "airflow-corrupted",
            root / "published-corrupted",
            WAREHOUSE_ALERT_WEBHOOK=receiver.url,
        )
        faulty.migrate(like=airflow)
        states["corrupted"] = faulty.run(DAYS[0])
    return {
        "warehouse": warehouse,
        "by_hand": by_hand,
        "states": states,
        "watermarks": watermarks,
        "marts": marts,
        "marts_again": marts_again,
        "batches": batches,
        "batches_again": batches_again,
        "hourly_batch": hourly_batch,
        "marts_after_hour": marts_after_hour,
        "published": root / "published",
        "corrupted_published": root / "published-corrupted",
        "alerts": receiver,
    }


def _failures(states: dict[str, tuple[str, int]]) -> dict[str, str]:
    return {task: state for task, (state, _) in states.items() if state != "success"}


def test_each_daily_run_lands_its_day(orchestrated):
    assert orchestrated["watermarks"] == DAYS


def test_every_task_but_the_sla_check_succeeds(orchestrated):
    """At SF 0.01 the supplier extract is days stale, which the SLA check rightly reports:
    its task fails, and nothing depends on it. So for the killed day's second run and the
    last day's second run."""
    for run in [*DAYS, "again"]:
        states = orchestrated["states"][run]
        assert len(states) > 100, run
        assert _failures(states) == {"sla": "failed"}, run


def test_the_killed_run_stopped_while_dbt_built(orchestrated):
    """The kill came after landing and before any model's task had read the build."""
    states = orchestrated["states"]["killed"]
    assert states["land"][0] == "success"
    assert states["publish"][0] != "success"
    unfinished = [
        t for t, (state, _) in states.items() if t.startswith("dbt.") and state != "success"
    ]
    assert len(unfinished) > 90


def test_the_daily_runs_publish_the_report_and_the_docs(orchestrated):
    """A release per published run, the two newest kept: the killed run published nothing,
    the last day's second run a second release of its clock."""
    current = orchestrated["published"] / "current"
    assert current.is_symlink()
    assert (current / "report.html").stat().st_size > 100_000
    assert (current / "docs" / "index.html").exists()
    releases = sorted(p.name for p in (orchestrated["published"] / "releases").iterdir())
    assert releases == ["199806040000-1", "199806040000-2"]
    assert current.resolve().name == "199806040000-2"


def test_a_backfill_gives_the_marts_of_one_landing_and_one_build(orchestrated):
    """Three daily runs (one of them killed and run again) against the three days landed at
    once and built once with `warehouse dbt build`: every mart's rows, batch columns aside."""
    dag, by_hand = orchestrated["marts"], orchestrated["by_hand"].marts()
    assert len(dag) > 15 and all(count > 0 for count, _ in dag.values())
    assert {t for t in dag if dag[t] != by_hand.get(t)} == set()


def test_running_a_day_again_changes_nothing(orchestrated):
    assert orchestrated["batches_again"] == orchestrated["batches"]
    assert orchestrated["marts_again"] == orchestrated["marts"]


def test_a_failing_data_test_fails_at_once_stops_its_children_and_alerts(orchestrated):
    states = orchestrated["states"]["corrupted"]
    failed = {task: tries for task, (state, tries) in states.items() if state == "failed"}
    (test_task,) = [task for task in failed if task.startswith("dbt.fct_orders.")]
    assert test_task.endswith("test")
    assert failed[test_task] == 1  # no retry
    # the marts read from fct_orders did not run, and nothing was published
    children = [
        t for t in states if t.startswith(("dbt.rpt_customer_cohorts.", "dbt.fct_sessions."))
    ]
    assert children and all(states[t][0] == "upstream_failed" for t in children)
    assert states["publish"][0] == "upstream_failed"
    assert not (orchestrated["corrupted_published"] / "releases").exists()
    alerts = [m["text"] for m in orchestrated["alerts"].messages if "text" in m]
    (alert,) = [text for text in alerts if test_task in text]
    for fact in (DAG_ID, "1998-06-01", "*Try:* 1 of"):
        assert fact in alert, (fact, alert)


def test_the_hourly_run_lands_its_hour_and_builds_the_web_marts_only(orchestrated):
    states = orchestrated["states"]["hourly"]
    assert len(states) > 20 and _failures(states) == {}
    batch = orchestrated["hourly_batch"]
    assert batch.until == "1998-06-04T06:00" and batch.rows.get("web_events", 0) > 0
    before, after = orchestrated["marts_again"], orchestrated["marts_after_hour"]
    changed = {table for table in after if after[table] != before[table]}
    assert "fct_events" in changed
    assert changed <= WEB_MARTS
