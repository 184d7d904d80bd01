"""warehouse_daily end to end: `airflow dags test` on SF 0.01 data, DuckDB, watcher mode.

A history landed through 1998-05-31 and built, as `make build` leaves the demo, then the
daily runs of June 1st to 3rd, as a backfill of those days runs them, one logical date after
the other. The run of June 2nd is killed (SIGKILL, with every process it started) while dbt
builds, and run again, as clearing it in Airflow does; the run of June 3rd is run a second
time. The runs must land one day each, build, publish the report and the docs, and leave the
marts that landing the three days at once and one `warehouse dbt build` give on a copy;
running a day again must change nothing. Then an hourly web run lands the next hour.

The run of June 3rd finds the DuckDB file locked by another process after its build: the
tasks that open it must retry until the lock is gone and succeed. Every run meets its
deadline, but the second run of June 3rd, whose deadline is set to its start: it alerts.

A second copy of the history has a corrupted parts snapshot (a part version twice): its run
of June 1st must fail the test task of dim_parts at once, without a retry, not run what
depends on it, alert the webhook, publish nothing and alert that the deadline will be
missed.

A third copy of the history is loaded into a PostgreSQL database of the test and built there;
then the daily run of June 1st with WAREHOUSE_AIRFLOW_TARGET=postgres lands the day, loads it
into raw (the `load` task) and builds it. Its marts must equal those the DuckDB run of the
same day left (the engine comparison of test_postgres_build.py). That run reaches the server
through a port that refuses connections until loading has failed on it once: loading must be
retried to success. The DuckDB and PostgreSQL runs share one history: building it is a
minute of the suite.
Needs the `airflow` extra and a PostgreSQL server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from datetime import date
from pathlib import Path

import pytest
from airflow_runs import BIN, DAG_ID, TABLES, Airflow, Warehouse
from browser import wait_for_port
from conftest import PROJECT_DIR
from fingerprint import fingerprint
from flaky_port import RefusingPort
from webhook_receiver import WebhookReceiver

pytest.importorskip("airflow", reason="the airflow extra is not installed: make airflow-deps")
pytest.importorskip("cosmos", reason="the airflow extra is not installed: make airflow-deps")

from warehouse.build_scope import run_scoped
from warehouse.dbt_runner import dbt_environment, run_dbt
from warehouse.landing import land, read_manifest
from warehouse.orchestration.local import airflow_env, free_port
from warehouse.pgload import load

pytestmark = pytest.mark.slow

SCALE, SEED = 0.01, 42
HISTORY_END = date(1998, 5, 31)
DAYS = ["1998-06-01", "1998-06-02", "1998-06-03"]
KILLED_DAY = "1998-06-02"
# the run of this day finds the DuckDB file locked once dbt's build is done, until publishing
# has failed on it once
LOCKED_DAY = "1998-06-03"
# the hourly web run after the three days: it lands the next day's arrivals before 06:00
HOURLY_DAG_ID, HOUR = "warehouse_hourly_web", "1998-06-04T05:00:00+00:00"


@pytest.fixture(scope="module")
def orchestrated(tmp_path_factory):
    """The runs of three days (one killed and run again, one run twice), the same days landed
    at once and built by hand, and the run of a day on a corrupted copy."""
    root = tmp_path_factory.mktemp("orchestrated")
    warehouse = Warehouse.history(root / "dag", SCALE, SEED, HISTORY_END)
    by_hand = warehouse.copy(root / "by-hand")
    corrupted = warehouse.copy(root / "corrupted")
    corrupted.duplicate_a_part_version()
    pg_history = warehouse.copy(root / "postgres")

    airflow = Airflow(warehouse, root / "airflow", root / "published")
    airflow.migrate()
    migrated = shutil.copy(airflow.home / "airflow.db", root / "migrated.db")
    faulty = Airflow(
        corrupted,
        root / "airflow-corrupted",
        root / "published-corrupted",
        manifest=warehouse.target_dir / "manifest.json",
    )
    faulty.migrate(like=migrated)
    states, watermarks, deadlines = {}, [], {}
    for day in DAYS:
        if day == KILLED_DAY:
            states["killed"] = airflow.kill_while_dbt_builds(day)
        if day == LOCKED_DAY:
            states[day] = airflow.run_locked_after_build(day, "publish")
        else:
            states[day] = airflow.run(day)
        watermarks.append(read_manifest(warehouse.landing_dir)[-1].through)
        deadlines[day] = airflow.xcom(day, "deadline")
        if day == DAYS[0]:
            first_day_marts = warehouse.marts(batch_columns=True)
    marts, batches = warehouse.marts(), read_manifest(warehouse.landing_dir)
    # run again with a deadline it cannot meet: a run started late is due at its start
    airflow.configure(within_minutes=0)
    with WebhookReceiver("slack") as late_alerts:
        airflow.env["WAREHOUSE_ALERT_WEBHOOK"] = late_alerts.url
        states["again"] = airflow.run(DAYS[-1])
    del airflow.env["WAREHOUSE_ALERT_WEBHOOK"]
    airflow.configure()
    deadlines["again"] = airflow.xcom(DAYS[-1], "deadline")
    marts_again, batches_again = warehouse.marts(), read_manifest(warehouse.landing_dir)

    states["hourly"] = airflow.run(HOUR, HOURLY_DAG_ID)
    hourly_batch = read_manifest(warehouse.landing_dir)[-1]
    marts_after_hour = warehouse.marts()

    land(by_hand.sim_dir, by_hand.landing_dir, through=date.fromisoformat(DAYS[-1]))
    by_hand.build()

    with WebhookReceiver("slack") as receiver:
        faulty.env["WAREHOUSE_ALERT_WEBHOOK"] = receiver.url
        states["corrupted"] = faulty.run(DAYS[0])
    deadlines["corrupted"] = faulty.xcom(DAYS[0], "deadline")
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
        "late_alerts": late_alerts,
        "deadlines": deadlines,
        "airflow": airflow,
        "pg_history": pg_history,
        "migrated": migrated,
        "first_day_marts": first_day_marts,
    }


def _web_marts(warehouse: Warehouse) -> set[str]:
    """The marts of models/marts/web, from the history build's manifest."""
    manifest = json.loads((warehouse.target_dir / "manifest.json").read_text())
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["path"].startswith("marts/web/")
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


def test_a_held_lock_is_retried_to_success(orchestrated):
    """Publishing opens the DuckDB file (the report, the docs catalog): in the run that found
    it locked, it failed, was retried after the backoff and succeeded."""
    state, tries = orchestrated["states"][LOCKED_DAY]["publish"]
    assert state == "success" and tries > 1


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
    (test_task,) = [task for task in failed if task.startswith("dbt.dim_parts.")]
    assert test_task.endswith("test")
    assert failed[test_task] == 1  # no retry
    # The other dimensions' test tasks, whose relationship tests from the facts dbt skipped,
    # ran those tests alone on a retry and passed (Cosmos counts a skipped test as failed).
    assert {task for task in failed if task.endswith(".test")} == {test_task}
    retried = {t for t, (state, tries) in states.items() if t.endswith(".test") and tries > 1}
    assert retried and all(states[t][0] == "success" for t in retried), retried
    # the facts that read dim_parts did not run, and nothing was published
    children = [t for t in states if t.startswith(("dbt.fct_order_lines.", "dbt.fct_inventory."))]
    assert children and all(states[t][0] == "upstream_failed" for t in children)
    assert states["publish"][0] == "upstream_failed"
    assert not (orchestrated["corrupted_published"] / "releases").exists()
    alerts = [m["text"] for m in orchestrated["alerts"].messages if "text" in m]
    (alert,) = [text for text in alerts if test_task in text]
    assert not [text for text in alerts if ".test" in text and test_task not in text]
    for fact in (DAG_ID, "1998-06-01", "*Try:* 1 of"):
        assert fact in alert, (fact, alert)


def test_runs_that_publish_in_time_meet_their_deadline(orchestrated):
    """Each day's run starts long after its day, as a catch-up does, so it is due two hours
    after it started (the configured within_minutes); it publishes well before."""
    for day in DAYS:
        verdict = orchestrated["deadlines"][day]
        assert verdict["verdict"] == "met", (day, verdict)


def test_a_run_that_misses_its_deadline_alerts(orchestrated):
    """The last day run again with within_minutes 0: due when it started, so not published by
    then."""
    assert orchestrated["deadlines"]["again"]["verdict"] == "missed"
    alerts = [m["text"] for m in orchestrated["late_alerts"].messages if "text" in m]
    (alert,) = [text for text in alerts if "deadline" in text]
    for fact in (f"{DAG_ID} missed its deadline", DAYS[-1], "0 minutes after the run started"):
        assert fact in alert, (fact, alert)


def test_a_run_that_cannot_publish_alerts_its_deadline_at_once(orchestrated):
    """The corrupted run's publish task did not run: the deadline, two hours off, cannot be
    met by this run, which the deadline task says at once."""
    assert orchestrated["deadlines"]["corrupted"]["verdict"] == "will miss"
    alerts = [m["text"] for m in orchestrated["alerts"].messages if "text" in m]
    (alert,) = [text for text in alerts if "deadline" in text]
    for fact in (f"{DAG_ID} will miss its deadline", "1998-06-01", "publish ended without"):
        assert fact in alert, (fact, alert)


def test_the_hourly_run_lands_its_hour_and_builds_the_web_marts_only(orchestrated):
    states = orchestrated["states"]["hourly"]
    assert len(states) > 20 and _failures(states) == {}
    batch = orchestrated["hourly_batch"]
    assert batch.until == "1998-06-04T06:00" and batch.rows.get("web_events", 0) > 0
    before, after = orchestrated["marts_again"], orchestrated["marts_after_hour"]
    changed = {table for table in after if after[table] != before[table]}
    assert "fct_events" in changed
    assert changed <= _web_marts(orchestrated["warehouse"])


@pytest.fixture(scope="module")
def airflow_ui(orchestrated):
    """Airflow's API server (which serves the UI) on the runs' metadata, every user an admin
    (no login form), on a free port of 127.0.0.1."""
    airflow: Airflow = orchestrated["airflow"]
    port = free_port()
    env = {
        **airflow_env(PROJECT_DIR, port, home=airflow.home, base=airflow.env),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "true",
    }
    log = (airflow.home / "api-server.log").open("w")
    server = subprocess.Popen(
        [BIN / "airflow", "api-server", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, server, "airflow api-server")
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def test_the_grid_view_shows_the_finished_runs(airflow_ui, tmp_path: Path):
    """The grid of warehouse_daily in headless Chromium: the runs of the three days, and the
    tasks by name. WAREHOUSE_SCREENSHOT_DIR=docs/img keeps the screenshot for the docs."""
    from browser import launch
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright, tmp_path / "chromium-profile")
        try:
            page = browser.new_page()
            page.goto(f"{airflow_ui}/dags/{DAG_ID}", wait_until="networkidle")
            for task in ("land", "publish", "sla"):
                page.get_by_text(task, exact=True).first.wait_for(timeout=60_000)
            body = page.inner_text("body")
            screenshot = tmp_path / "airflow-grid.png"
            page.screenshot(path=str(screenshot), full_page=False)
        finally:
            browser.close()
    assert DAG_ID in body
    assert screenshot.stat().st_size > 20_000
    keep = os.environ.get("WAREHOUSE_SCREENSHOT_DIR")
    if keep:
        shutil.copy(screenshot, Path(keep) / "airflow-grid.png")


@pytest.fixture(scope="module")
def database_settings():
    """A PostgreSQL database of this module, dropped at its end."""
    import uuid

    import psycopg2

    from warehouse.pgload import connection_settings

    settings = {**connection_settings(), "dbname": f"warehouse_test_{uuid.uuid4().hex[:12]}"}
    admin = psycopg2.connect(**{**settings, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'create database "{settings["dbname"]}"')
    try:
        yield settings
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{settings["dbname"]}" with (force)')
        admin.close()


@pytest.fixture(scope="module")
def on_postgres(orchestrated, tmp_path_factory, database_settings):
    """The states of the PostgreSQL run of June 1st and its marts, on the history the DuckDB
    runs started from, and the marts the DuckDB run of that day left."""
    root = tmp_path_factory.mktemp("orchestrated-postgres")
    pg_landing: Warehouse = orchestrated["pg_history"]
    pg_env = {**pg_landing.env, "PGDATABASE": database_settings["dbname"]}
    load(pg_landing.landing_dir, database_settings, progress=lambda _: None)
    code = run_scoped(
        ["build", "--target", "postgres"],
        PROJECT_DIR,
        dbt_environment(PROJECT_DIR, pg_env),
        lambda command: run_dbt(command, env=pg_env, capture=True).returncode,
        lambda _: None,
    )
    assert code == 0

    # The run reaches the server through a port that refuses connections until the loading
    # task has failed on it once, as while a server restarts.
    with RefusingPort(database_settings["host"], int(database_settings["port"])) as front:
        airflow = Airflow(
            pg_landing,
            root / "airflow",
            root / "published",
            WAREHOUSE_AIRFLOW_TARGET="postgres",
            PGHOST="127.0.0.1",
            PGPORT=str(front.port),
            PGDATABASE=database_settings["dbname"],
        )
        airflow.migrate(like=orchestrated["migrated"])
        states = airflow.run_with_fault(DAYS[0], until="load", begin=lambda: None, end=front.open)
    return {
        "states": states,
        "batches": read_manifest(pg_landing.landing_dir),
        "postgres": _postgres_marts(database_settings),
        "duckdb": orchestrated["first_day_marts"],
    }


def _postgres_marts(settings: dict[str, str]) -> dict[str, tuple[int, str]]:
    import psycopg2

    conn = psycopg2.connect(**settings)
    try:
        with conn.cursor() as cur:
            cur.execute(TABLES)
            tables = [name for (name,) in cur.fetchall()]
            found = {}
            for table in tables:
                cur.execute(
                    "select column_name from information_schema.columns where "
                    "table_schema = 'marts' and table_name = %s order by ordinal_position",
                    [table],
                )
                columns = [name for (name,) in cur.fetchall()]
                cur.execute(f"select {', '.join(columns)} from marts.{table}")
                found[table] = fingerprint(cur.fetchall())
            return found
    finally:
        conn.close()


def test_the_postgres_run_lands_loads_and_builds_its_day(on_postgres):
    """Every task succeeds but the SLA check (at SF 0.01 the supplier extract is days stale),
    the loading task among them, with dbt's tasks on the postgres pool."""
    states = on_postgres["states"]
    assert len(states) > 100
    assert {t: s for t, (s, _) in states.items() if s != "success"} == {"sla": "failed"}
    assert states["load"][0] == "success"
    assert on_postgres["batches"][-1].through == DAYS[0]


def test_a_refused_connection_is_retried_to_success(on_postgres):
    """The loading task found the server refusing connections, was retried after the backoff
    and loaded the day."""
    state, tries = on_postgres["states"]["load"]
    assert state == "success" and tries > 1


def test_the_postgres_run_gives_the_marts_of_duckdb(on_postgres):
    pg, duck = on_postgres["postgres"], on_postgres["duckdb"]
    assert len(pg) > 15 and all(count > 0 for count, _ in pg.values())
    assert {t for t in duck if duck[t] != pg.get(t)} == set()
