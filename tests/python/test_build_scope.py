"""What a `warehouse dbt build` without a selection builds (warehouse.build_scope)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from warehouse.build_scope import (
    is_unselected_build,
    record_complete_build,
    run_scoped,
    scope,
    target_name,
)
from warehouse.elementary_artifacts import project_fingerprint


@pytest.mark.parametrize(
    ("args", "unselected"),
    [
        (["build"], True),
        (["build", "--target", "postgres", "--threads", "2"], True),
        (["build", "--vars", "{a: 1}"], True),
        (["build", "-s", "stg_erp__orders"], False),
        (["build", "--select=stg_erp__orders"], False),
        (["build", "--selector", "daily"], False),
        (["build", "--exclude", "tag:x"], False),
        (["build", "--full-refresh"], False),
        (["run"], False),
        ([], False),
    ],
)
def test_only_a_build_without_a_selection_is_scoped(args: list[str], unselected: bool):
    assert is_unselected_build(args) is unselected


def test_the_target_comes_from_the_arguments_then_the_environment():
    assert target_name(["build", "--target", "postgres"], {"DBT_TARGET": "duckdb"}) == "postgres"
    assert target_name(["build", "-t=postgres"], {}) == "postgres"
    assert target_name(["build"], {"DBT_TARGET": "postgres"}) == "postgres"
    assert target_name(["build"], {}) == "duckdb"


def _project(tmp_path: Path, landed: list[int], checked: dict[int, bool] | None) -> dict:
    """A landing manifest of the batches ``landed`` and, unless ``checked`` is None, a
    warehouse whose raw._landed_files holds one file per batch of ``checked`` (True: claimed
    by a build that checked it)."""
    landing = tmp_path / "landing"
    landing.mkdir()
    batches = [
        {"batch_id": b, "through": "1998-01-01", "landed_at": "x", "rows": {}, "files": []}
        for b in landed
    ]
    (landing / "_manifest.json").write_text(json.dumps({"batches": batches}))
    database = tmp_path / "warehouse.duckdb"
    if checked is not None:
        with duckdb.connect(str(database)) as con:
            con.execute("create schema raw")
            con.execute("create table raw._landed_files (batch_id bigint, reconciled_by varchar)")
            for batch_id, claimed in checked.items():
                con.execute(
                    "insert into raw._landed_files values (?, ?)",
                    [batch_id, "an-invocation" if claimed else None],
                )
    return {
        "WAREHOUSE_LANDING_DIR": str(landing),
        "WAREHOUSE_DUCKDB_PATH": str(database),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
    }


def _leave_manifest(tmp_path: Path, env: dict) -> None:
    """A whole build that exited 0 (none has left a manifest, so the scope is whole)."""
    (tmp_path / "target").mkdir(exist_ok=True)
    (tmp_path / "target" / "manifest.json").write_text("{}")
    whole = scope(["build"], tmp_path, env)
    assert whole.whole
    record_complete_build(whole, tmp_path, env)


def test_a_build_with_every_batch_checked_runs_the_nothing_new_selector(tmp_path: Path):
    env = _project(tmp_path, [1, 2], {1: True, 2: True})
    assert "no complete build" in scope(["build"], tmp_path, env).reason
    _leave_manifest(tmp_path, env)
    state = tmp_path / "target" / "last-build" / "duckdb"
    assert (state / "manifest.json").read_text() == "{}"
    # the whole build ran the clock-dependent checks today: only what changed
    scoped = scope(["build"], tmp_path, env)
    assert scoped.extra_args == ["--selector", "changed", "--state", str(state)]
    assert scoped.clock_day is None
    # on a later day of the warehouse clock the clock-dependent checks run again
    later = {**env, "WAREHOUSE_AS_OF": "2031-05-06 00:00:00"}
    scoped = scope(["build"], tmp_path, later)
    assert scoped.extra_args == ["--selector", "nothing_new", "--state", str(state)]
    assert scoped.clock_day == "2031-05-06"
    record_complete_build(scoped, tmp_path, later)
    assert scope(["build"], tmp_path, later).extra_args[1] == "changed"


@pytest.mark.parametrize(
    ("landed", "checked", "reason"),
    [
        ([1, 2, 3], {1: True, 2: True}, "batches not yet checked: 3"),
        ([1, 2], {1: True, 2: False}, "batches not yet checked: 2"),
        ([1], None, "no warehouse at"),
    ],
)
def test_a_build_with_a_batch_to_check_builds_everything(
    tmp_path: Path, landed: list[int], checked: dict[int, bool] | None, reason: str
):
    env = _project(tmp_path, landed, checked)
    (tmp_path / "target" / "last-build" / "duckdb").mkdir(parents=True)
    (tmp_path / "target" / "last-build" / "duckdb" / "manifest.json").write_text("{}")
    scoped = scope(["build"], tmp_path, env)
    assert scoped.whole and reason in scoped.reason, scoped.reason


def test_a_build_that_names_a_selection_is_left_alone(tmp_path: Path):
    env = _project(tmp_path, [1], {1: True})
    _leave_manifest(tmp_path, env)
    scoped = scope(["build", "--selector", "daily"], tmp_path, env)
    assert scoped.whole and scoped.state_dir is None


def _dbt_project(folder: Path, model_paths: list[str] | None = None) -> None:
    config = "name: p\n" + (f"model-paths: {json.dumps(model_paths)}\n" if model_paths else "")
    (folder / "dbt_project.yml").write_text(config)
    for path in model_paths or ["models"]:
        (folder / path).mkdir(parents=True, exist_ok=True)
        (folder / path / "orders.sql").write_text("select 1 as order_key\n")


def test_the_project_fingerprint_changes_with_the_project_only(tmp_path: Path):
    _dbt_project(tmp_path)
    fingerprint = project_fingerprint(tmp_path, ["build"])
    # what a build writes, and the build's other flags, are not the project
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "manifest.json").write_text("{}")
    assert project_fingerprint(tmp_path, ["build", "--threads", "2"]) == fingerprint
    # an edit, a new file, another --vars
    (tmp_path / "models" / "orders.sql").write_text("select 2 as order_key\n")
    edited = project_fingerprint(tmp_path, ["build"])
    assert edited != fingerprint
    (tmp_path / "models" / "_models.yml").write_text("version: 2\n")
    assert project_fingerprint(tmp_path, ["build"]) != edited
    assert project_fingerprint(tmp_path, ["build", "--vars", "{a: 1}"]) != project_fingerprint(
        tmp_path, ["build"]
    )
    # the folders dbt_project.yml names are read, not only the default ones
    other = tmp_path / "other"
    other.mkdir()
    _dbt_project(other, ["sql/models"])
    before = project_fingerprint(other, ["build"])
    (other / "sql" / "models" / "orders.sql").write_text("select 3 as order_key\n")
    assert project_fingerprint(other, ["build"]) != before


def test_elementary_artifacts_are_uploaded_when_the_project_changed(tmp_path: Path):
    _dbt_project(tmp_path)
    env = _project(tmp_path, [1], {1: False})
    target = tmp_path / "target"
    ran: list[list[str]] = []
    upload_code = 0

    def run(args: list[str]) -> int:
        ran.append(args)
        if args[0] == "build":
            target.mkdir(exist_ok=True)
            (target / "manifest.json").write_text("{}")
            return 0
        return upload_code

    def build(*args: str) -> int:
        ran.clear()
        return run_scoped(["build", *args], tmp_path, env, run, lambda _: None)

    def check(batch_checked: bool) -> None:
        with duckdb.connect(env["WAREHOUSE_DUCKDB_PATH"]) as con:
            con.execute(
                "update raw._landed_files set reconciled_by = ?",
                ["an-invocation" if batch_checked else None],
            )

    # the first whole build runs the default selector, which uploads them
    assert build("--target", "duckdb") == 0
    assert ran == [["build", "--target", "duckdb"]]
    # the next whole build of the same project leaves them out
    assert build("--target", "duckdb") == 0
    assert ran == [["build", "--target", "duckdb", "--selector", "daily_without_artifacts"]]
    # a build with nothing new of a changed project uploads them after it, with the build's
    # target, into a target path of its own
    check(True)
    (tmp_path / "models" / "orders.sql").write_text("select 2 as order_key\n")
    assert build("--target", "duckdb") == 0
    assert ran[0][:3] == ["build", "--target", "duckdb"] and "changed" in ran[0]
    upload = ["run", "--selector", "elementary_artifacts"]
    upload += ["--target-path", str(target / "elementary-artifacts"), "--target", "duckdb"]
    assert ran[1:] == [upload]
    assert build() == 0 and len(ran) == 1
    # an upload that fails fails the command and records no state: the next build tries again
    (tmp_path / "models" / "orders.sql").write_text("select 3 as order_key\n")
    upload_code = 2
    state = target / "last-build" / "duckdb"
    (state / "manifest.json").write_text('{"before": true}')
    assert build() == 2 and ran[1][0] == "run"
    assert (state / "manifest.json").read_text() == '{"before": true}'
    upload_code = 0
    assert build() == 0 and ran[1][0] == "run"
    assert build() == 0 and len(ran) == 1
    # a whole build of a changed project runs the default selector again
    check(False)
    (tmp_path / "models" / "orders.sql").write_text("select 4 as order_key\n")
    assert build() == 0 and ran == [["build"]]
