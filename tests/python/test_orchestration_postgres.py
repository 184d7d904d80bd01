"""warehouse_daily once on PostgreSQL: `airflow dags test` with the postgres target, SF 0.01.

A history landed through 1998-05-31, loaded into a PostgreSQL database of the test and built
there; then the daily run of June 1st with WAREHOUSE_AIRFLOW_TARGET=postgres, which lands the
day, loads it into raw (the `load` task) and builds it. Its marts must equal those of a
DuckDB warehouse that landed and built the same two batches by hand (the engine comparison
of test_postgres_build.py). The run reaches the server through a port that refuses
connections until loading has failed on it once: loading must be retried to success. Needs the
`airflow` extra and a PostgreSQL server."""

from __future__ import annotations

from datetime import date

import pytest
from airflow_runs import TABLES, Airflow, Warehouse
from conftest import PROJECT_DIR
from fingerprint import fingerprint
from flaky_port import RefusingPort

pytest.importorskip("airflow", reason="the airflow extra is not installed: make airflow-deps")
pytest.importorskip("cosmos", reason="the airflow extra is not installed: make airflow-deps")

from warehouse.build_scope import run_scoped
from warehouse.dbt_runner import dbt_environment, run_dbt
from warehouse.landing import land, read_manifest
from warehouse.pgload import load

pytestmark = pytest.mark.slow

SCALE, SEED = 0.01, 42
HISTORY_END = date(1998, 5, 31)
DAY = "1998-06-01"


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
def on_postgres(tmp_path_factory, database_settings):
    """The states of the PostgreSQL run, its marts, and the DuckDB marts of the same days."""
    root = tmp_path_factory.mktemp("orchestrated-postgres")
    duck = Warehouse.history(root / "duckdb", SCALE, SEED, HISTORY_END)
    pg_landing = duck.copy(root / "postgres")
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
        airflow.migrate()
        states = airflow.run_with_fault(DAY, until="load", begin=lambda: None, end=front.open)

    land(duck.sim_dir, duck.landing_dir, through=date.fromisoformat(DAY))
    duck.build()
    return {
        "states": states,
        "batches": read_manifest(pg_landing.landing_dir),
        "postgres": _postgres_marts(database_settings),
        "duckdb": duck.marts(batch_columns=True),
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
    assert on_postgres["batches"][-1].through == DAY


def test_a_refused_connection_is_retried_to_success(on_postgres):
    """The loading task found the server refusing connections, was retried after the backoff
    and loaded the day."""
    state, tries = on_postgres["states"]["load"]
    assert state == "success" and tries > 1


def test_the_postgres_run_gives_the_marts_of_duckdb(on_postgres):
    pg, duck = on_postgres["postgres"], on_postgres["duckdb"]
    assert len(pg) > 15 and all(count > 0 for count, _ in pg.values())
    assert {t for t in duck if duck[t] != pg.get(t)} == set()
