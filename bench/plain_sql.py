"""dbt's overhead: the same transformations as plain SQL, executed directly by DuckDB.

A full build of the landed data on an empty warehouse file, Elementary off, is timed three
ways against the same landing zone:
  - `dbt build --full-refresh` (seeds, snapshots, models, tests) and then `dbt run
    --full-refresh` (the models again);
  - its compiled SQL replayed in the order dbt ran it: the raw views (the first on-run-start
    hook), each snapshot's first-run statement, each model as `create or replace table|view
    ... as <compiled select>`, each data test as `select count(*) from (<compiled test>)`;
    then the models alone again.
Left out of the replay, and said so: unit tests (dbt-only), the seeds (copied from dbt's
build; three small CSV files), and the work dbt does in Jinja at compile time (the landed
files' checks in the first hook, run_query calls), which is part of dbt's side.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from warehouse.dbt_runner import run_dbt

OFF = ["--vars", "{elementary_enabled: false}", "--exclude", "tag:elementary-tests"]


def dbt_full_builds(landing_dir: Path, folder: Path, timed) -> tuple[list[dict], dict]:
    """Times dbt's full build and full run on an empty file; returns the build's results (in
    the order they finished) and the manifest's nodes."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    target = folder / "target"
    env = {
        "WAREHOUSE_LANDING_DIR": str(landing_dir),
        "WAREHOUSE_DUCKDB_PATH": str(folder / "warehouse.duckdb"),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(folder / "logs"),
    }
    args = ["--full-refresh", "--target", "duckdb", *OFF]
    timed(
        "[duckdb] dbt build --full-refresh (empty file)",
        lambda: run_dbt(["build", *args], env=env, capture=True),
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    snapshots = {
        path.stem: path.read_text() for path in (target / "run").rglob("snapshots/**/*.sql")
    }
    for result in results:
        if result["unique_id"].startswith("snapshot."):
            result["first_run_sql"] = snapshots[result["unique_id"].split(".")[-1]]
    run_args = [a for a in args if a not in ("--exclude", "tag:elementary-tests")]
    timed(
        "[duckdb] dbt run --full-refresh",
        lambda: run_dbt(["run", *run_args], env=env, capture=True),
    )
    return results, nodes


def model_statement(result: dict, node: dict) -> str:
    kind = "view" if node["config"]["materialized"] == "view" else "table"
    name = result.get("relation_name") or node["relation_name"]
    return f"create or replace {kind} {name} as (\n{result['compiled_code']}\n)"


def replay(results: list[dict], nodes: dict, con: duckdb.DuckDBPyConnection, tests: bool) -> int:
    """Executes the build's compiled SQL in its order; returns the statements run."""
    count = 0
    for result in results:
        node_id = result["unique_id"]
        node = nodes.get(node_id)
        if node_id == "operation.warehouse.warehouse-on-run-start-0":
            con.execute(result["compiled_code"])
        elif node_id.startswith("snapshot.") and tests:
            con.execute(result["first_run_sql"])
        elif node_id.startswith("model.") and node:
            con.execute(model_statement(result, node))
        elif node_id.startswith("test.") and tests:
            con.execute(f"select count(*) from (\n{result['compiled_code']}\n) as failures")
        else:
            continue
        count += 1
    return count


def compare(landing_dir: Path, workdir: Path, timed) -> None:
    """The dbt and plain-SQL steps, each recorded by timed(label, action)."""
    results, nodes = dbt_full_builds(landing_dir, workdir / "dbt", timed)
    plain = workdir / "plain"
    shutil.rmtree(plain, ignore_errors=True)
    plain.mkdir(parents=True)
    # the same catalog name as dbt's file ("warehouse"), so the compiled names resolve
    con = duckdb.connect(str(plain / "warehouse.duckdb"))
    con.execute(f"attach '{workdir / 'dbt' / 'warehouse.duckdb'}' as built (read_only)")
    schemas = {
        n["schema"] for n in nodes.values() if n["resource_type"] in ("model", "seed", "snapshot")
    }
    for schema in sorted(schemas | {"raw"}):
        con.execute(f"create schema if not exists {schema}")
    con.execute("create table raw._landed_files as select * from built.raw._landed_files")
    for result in results:
        if result["unique_id"].startswith("seed."):
            name = nodes[result["unique_id"]]["relation_name"]
            copy_from = name.replace('"warehouse".', "built.", 1)
            con.execute(f"create table {name} as select * from {copy_from}")
    con.execute("detach built")
    timed("plain SQL: dbt build's work", lambda: replay(results, nodes, con, tests=True))
    timed("plain SQL: dbt run's work (models)", lambda: replay(results, nodes, con, tests=False))
    con.close()
