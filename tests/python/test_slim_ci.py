"""Slim CI: `make ci-slim BASE=<production artifacts>` builds the models a pull request
modified and their children into a database of its own, reading everything else from
production (dbt's state:modified+ with --defer).

Production is the test warehouse (conftest's built_warehouse) and its manifest. The pull
request is a copy of the project with one model changed; the test runs the Makefile target in
that copy and checks, from the copy's manifest and the CI run's results, that exactly the
modified model and its descendants were built, and from the CI database that nothing else
was (the rest was read from production)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR, BuiltWarehouse

from warehouse.dbt_runner import dbt_environment

pytestmark = pytest.mark.slow

CHANGED = "dim_geography"
PROJECT_FILES = [
    *["dbt_project.yml", "profiles.yml", "packages.yml", "packages.lock.yml", "Makefile"],
    *["pyproject.toml", "constraints.txt"],  # the Makefile's venv rule names them
]
PROJECT_DIRS = ["models", "macros", "snapshots", "tests", "seeds", "analyses", "dbt_packages"]
PROJECT_DIRS += ["observability"]  # `make deps` also checks edr's packages


def _descendant_models(manifest: dict, unique_id: str) -> set[str]:
    found, todo = set(), [unique_id]
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child.startswith(("model.", "snapshot.")) and child not in found:
                found.add(child)
                todo.append(child)
    return found


def test_ci_slim_builds_the_modified_model_and_its_children_only(
    built_warehouse: BuiltWarehouse, tmp_path: Path
):
    base = tmp_path / "prod-artifacts"
    base.mkdir()
    shutil.copy(built_warehouse.target_dir / "manifest.json", base / "manifest.json")

    pull_request = tmp_path / "project"
    pull_request.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(PROJECT_DIR / name, pull_request / name)  # mtimes kept
    for name in PROJECT_DIRS:
        shutil.copytree(PROJECT_DIR / name, pull_request / name, symlinks=True)
    model = next(pull_request.glob(f"models/**/{CHANGED}.sql"))
    model.write_text(
        model.read_text().replace("select * from final", "select * from final\n-- reviewed")
    )

    ci_db = tmp_path / "ci.duckdb"
    target = tmp_path / "target-ci"
    env = dbt_environment(
        pull_request,
        {
            **built_warehouse.env,
            "WAREHOUSE_CI_DUCKDB_PATH": str(ci_db),
            "DBT_TARGET_PATH": str(target),
            "DBT_LOG_PATH": str(target / "logs"),
        },
    )
    venv = PROJECT_DIR / ".venv"
    # this checkout's virtualenv, taken as up to date (-o: make never rebuilds it here)
    make = ["make", "--no-print-directory", "-o", f"{venv}/bin/warehouse"]
    result = subprocess.run(
        [*make, "ci-slim", f"BASE={base}", f"VENV={venv}"],
        cwd=pull_request,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]

    manifest = json.loads((target / "manifest.json").read_text())
    changed_id = f"model.warehouse.{CHANGED}"
    expected = {changed_id} | _descendant_models(manifest, changed_id)
    assert len(expected) >= 3  # the change has children to rebuild
    results = json.loads((target / "run_results.json").read_text())["results"]
    built = {r["unique_id"] for r in results if r["unique_id"].startswith(("model.", "snapshot."))}
    assert built == expected
    # nothing failed (the SLA tests warn: the test history runs past the end of ordering)
    failed = [(r["unique_id"], r["status"]) for r in results if r["status"] in ("error", "fail")]
    assert failed == []
    # the CI database holds the rebuilt models and nothing upstream of them
    con = duckdb.connect(str(ci_db), read_only=True)
    try:
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'ci' and table_schema not in ('raw', 'main')"
            ).fetchall()
        }
        assert tables == {manifest["nodes"][uid]["alias"] for uid in expected}
        # a rebuilt child read its unchanged parents from production: same rows as there
        con.execute(f"attach '{built_warehouse.duckdb_path}' as prod (read_only)")
        for uid in expected:
            node = manifest["nodes"][uid]
            relation = f"{node['schema']}.{node['alias']}"
            ci_rows = con.execute(f"select count(*) from ci.{relation}").fetchone()
            prod_rows = con.execute(f"select count(*) from prod.{relation}").fetchone()
            assert ci_rows == prod_rows, relation
    finally:
        con.close()
