"""Shared fixtures: a warehouse built from fresh SF 0.01 data, landed in irregular batches."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Self

import duckdb
import pytest
from parallel import WarehouseScopes, slowest_first

from warehouse.dbt_runner import PROJECT_DIR_ENV, run_dbt
from warehouse.landing import land
from warehouse.simulate import generate, load_meta

# This checkout's dbt project: the one every test builds, whatever the current directory.
PROJECT_DIR = Path(__file__).resolve().parents[2]
os.environ.setdefault(PROJECT_DIR_ENV, str(PROJECT_DIR))

ORACLE_SCALE = 0.01
# Irregular cut-offs (a day, months, years apart), then everything that is left.
CUTOFFS = [
    date(1992, 1, 1),
    date(1993, 8, 17),
    date(1995, 6, 3),
    date(1995, 6, 4),
    date(1997, 2, 11),
]


# The correctness fixtures build everything but Elementary's anomaly and schema-change tests:
# at SF 0.01 a day holds a dozen orders (too few for anomaly statistics), and the history runs
# past the end of ordering, which the monitors rightly flag. test_monitoring.py tests them.
BUILD = ("build", "--exclude", "tag:elementary-tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slowest modules first, for the parallel run (parallel.py)."""
    slowest_first(items, config.rootpath)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`--dist loadscope` (make test): one scope per built warehouse (parallel.py)."""
    if config.getvalue("dist") != "loadscope":
        return None
    return WarehouseScopes(config, log)


@dataclass
class BuiltWarehouse:
    sim_dir: Path
    landing_dir: Path
    duckdb_path: Path
    target_dir: Path
    env: dict[str, str]

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.duckdb_path), read_only=True)

    def dbt(self, *args: str, env: dict[str, str] | None = None) -> None:
        run_dbt(list(args), env={**self.env, **(env or {})}, capture=True)


@dataclass
class LandedWarehouse:
    """A DuckDB warehouse with a landing zone of its own, in a folder of its own, for tests that
    land more days into a copy of a built history."""

    sim_dir: Path
    landing_dir: Path
    duckdb_path: Path
    target_dir: Path

    @classmethod
    def at(cls, root: Path, sim_dir: Path | None = None) -> Self:
        return cls(
            sim_dir or root / "sim", root / "landing", root / "warehouse.duckdb", root / "target"
        )

    @classmethod
    def history(cls, root: Path, scale: float, seed: int, through: date) -> Self:
        """A new history generated at scale, landed in one batch through a date and built
        (the subclass's build)."""
        warehouse = cls.at(root)
        generate(warehouse.sim_dir, scale=scale, seed=seed, progress=lambda _: None)
        land(warehouse.sim_dir, warehouse.landing_dir, through=through, progress=lambda _: None)
        warehouse.build()
        return warehouse

    def build(self) -> object:
        raise NotImplementedError

    @property
    def env(self) -> dict[str, str]:
        return dbt_env(self.landing_dir, self.duckdb_path, self.target_dir)

    def copy(self, root: Path) -> Self:
        """The same landed and built warehouse in root (the simulated history is shared)."""
        copy = self.at(root, self.sim_dir)
        shutil.copytree(self.landing_dir, copy.landing_dir)
        shutil.copy(self.duckdb_path, copy.duckdb_path)
        return copy


@pytest.fixture
def database():
    """Settings of a new, empty PostgreSQL database; dropped after the test."""
    import uuid

    import psycopg2

    from warehouse.pgload import connection_settings

    settings = {**connection_settings(), "dbname": f"warehouse_test_{uuid.uuid4().hex[:12]}"}
    yield settings
    admin = psycopg2.connect(**{**settings, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{settings["dbname"]}" with (force)')
    admin.close()


def dbt_env(landing_dir: Path, duckdb_path: Path, target_dir: Path) -> dict[str, str]:
    return {
        "WAREHOUSE_LANDING_DIR": str(landing_dir),
        "WAREHOUSE_DUCKDB_PATH": str(duckdb_path),
        "DBT_TARGET_PATH": str(target_dir),
        "DBT_LOG_PATH": str(target_dir / "logs"),
    }


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    root = tmp_path_factory.mktemp("warehouse")
    sim_dir, landing_dir = root / "sim", root / "landing"
    duckdb_path, target_dir = root / "warehouse.duckdb", root / "target"
    generate(sim_dir, scale=ORACLE_SCALE, seed=7, progress=lambda _: None)
    meta = load_meta(sim_dir)
    built = BuiltWarehouse(
        sim_dir, landing_dir, duckdb_path, target_dir, dbt_env(landing_dir, duckdb_path, target_dir)
    )
    for cutoff in [*CUTOFFS, date.fromisoformat(meta.last_arrival)]:
        land(sim_dir, landing_dir, through=cutoff, progress=lambda _: None)
        built.dbt(*BUILD)
    return built


@pytest.fixture(scope="session")
def documented_warehouse(built_warehouse: BuiltWarehouse) -> BuiltWarehouse:
    """The test warehouse after `dbt docs generate` (catalog.json beside its manifest)."""
    built_warehouse.dbt("docs", "generate")
    return built_warehouse


@pytest.fixture(scope="session")
def full_refresh_copy(built_warehouse: BuiltWarehouse, tmp_path_factory) -> Path:
    """The same warehouse file rebuilt with --full-refresh (snapshots are kept, as in dbt)."""
    root = tmp_path_factory.mktemp("full_refresh")
    copy = root / "warehouse.duckdb"
    shutil.copy(built_warehouse.duckdb_path, copy)
    run_dbt(
        [*BUILD, "--full-refresh"],
        env=dbt_env(built_warehouse.landing_dir, copy, root / "target"),
        capture=True,
    )
    return copy


@dataclass
class BuiltPostgres:
    settings: dict[str, str]
    target_dir: Path
    env: dict[str, str]

    def connect(self):
        import psycopg2

        return psycopg2.connect(**self.settings)

    def query(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Column names and rows of a query, on a connection of its own."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
                return [d[0] for d in cur.description], cur.fetchall()
        finally:
            conn.close()

    def dbt(self, *args: str) -> None:
        run_dbt([*args, "--target", "postgres"], env=self.env, capture=True)


@pytest.fixture(scope="session")
def built_postgres(built_warehouse: BuiltWarehouse, tmp_path_factory) -> BuiltPostgres:
    """The same landed batches, loaded into a PostgreSQL database of this test run one by one
    with a `dbt build --target postgres` after each (the DuckDB build's cadence). The database
    is dropped at the end of the session."""
    import uuid

    import psycopg2

    from warehouse.landing import read_manifest
    from warehouse.pgload import connection_settings, load

    settings = {**connection_settings(), "dbname": f"warehouse_test_{uuid.uuid4().hex[:12]}"}
    target_dir = tmp_path_factory.mktemp("postgres") / "target"
    env = {
        "PGDATABASE": settings["dbname"],
        "WAREHOUSE_LANDING_DIR": str(built_warehouse.landing_dir),
        "DBT_TARGET_PATH": str(target_dir),
        "DBT_LOG_PATH": str(target_dir / "logs"),
    }
    built = BuiltPostgres(settings, target_dir, env)
    try:
        for batch in read_manifest(built_warehouse.landing_dir):
            load(built_warehouse.landing_dir, settings, lambda _: None, up_to_batch=batch.batch_id)
            built.dbt(*BUILD)
        yield built
    finally:
        admin = psycopg2.connect(**{**settings, "dbname": "postgres"})
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{settings["dbname"]}" with (force)')
        admin.close()
