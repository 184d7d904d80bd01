"""The Airflow DAGs as Airflow's DAG processor sees them: they import without errors, parsing
them runs no dbt, every dbt model, seed and snapshot of the project has a task, and the task
graph follows dbt's. Needs the `airflow` extra (`make airflow-deps`, which `make test` runs)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

pytest.importorskip("airflow", reason="the airflow extra is not installed: make airflow-deps")
pytest.importorskip("cosmos", reason="the airflow extra is not installed: make airflow-deps")

from warehouse.dbt_runner import run_dbt

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "orchestration" / "dags"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    """dbt's manifest of this checkout, parsed into a folder of its own."""
    target = tmp_path_factory.mktemp("target")
    run_dbt(["parse", "--target-path", str(target)], project=REPO, capture=True)
    return {"path": target / "manifest.json", **json.loads((target / "manifest.json").read_text())}


@pytest.fixture(scope="module")
def dagbag(manifest, tmp_path_factory):
    airflow_home = tmp_path_factory.mktemp("airflow-home")
    saved = dict(os.environ)
    os.environ.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
            "WAREHOUSE_AIRFLOW_MANIFEST": str(manifest["path"]),
        }
    )
    from airflow.dag_processing.dagbag import DagBag

    calls: list[str] = []
    real_popen = subprocess.Popen.__init__

    def recording_popen(self, args, *rest, **kwargs):
        calls.append(" ".join(map(str, args)) if isinstance(args, list | tuple) else str(args))
        return real_popen(self, args, *rest, **kwargs)

    from dbt.cli.main import dbtRunner

    real_invoke = dbtRunner.invoke

    def recording_invoke(self, args, **kwargs):
        calls.append("dbtRunner " + " ".join(args))
        return real_invoke(self, args, **kwargs)

    subprocess.Popen.__init__ = recording_popen
    dbtRunner.invoke = recording_invoke
    try:
        started = time.perf_counter()
        bag = DagBag(dag_folder=str(DAGS))
        seconds = time.perf_counter() - started
    finally:
        subprocess.Popen.__init__ = real_popen
        dbtRunner.invoke = real_invoke
        os.environ.clear()
        os.environ.update(saved)
    print(f"\nparsing the DAG files: {seconds:.2f} s (Airflow imported beforehand)")
    return bag, calls


def test_the_dags_import_without_errors_and_run_no_dbt(dagbag):
    bag, calls = dagbag
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {"warehouse_daily", "warehouse_hourly_web"}
    assert [c for c in calls if "dbt" in c] == []


def _project_nodes(manifest: dict, kinds: tuple[str, ...]) -> dict[str, dict]:
    return {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in kinds and node["package_name"] == "warehouse"
    }


def _task_of(dag, node: dict):
    """The task that runs a node: `dbt.<name>.run` / `.seed` for a model or seed with tests,
    `dbt.<name>_run` / `_seed` without, `dbt.<name>_snapshot` for a snapshot."""
    name, kind = node["name"], node["resource_type"]
    verb = {"model": "run", "seed": "seed", "snapshot": "snapshot"}[kind]
    for task_id in (f"dbt.{name}.{verb}", f"dbt.{name}_{verb}"):
        if task_id in dag.task_dict:
            return dag.task_dict[task_id]
    raise AssertionError(f"no task runs {kind} {name}")


def test_every_model_seed_and_snapshot_has_a_task_in_the_daily_dag(dagbag, manifest):
    dag = dagbag[0].dags["warehouse_daily"]
    nodes = _project_nodes(manifest, ("model", "seed", "snapshot"))
    assert len(nodes) > 40
    for node in nodes.values():
        _task_of(dag, node)


def test_the_task_graph_follows_dbts(dagbag, manifest):
    """For every model, seed or snapshot with a parent of the project, the parent's task runs
    first (directly, or through its tests' task)."""
    dag = dagbag[0].dags["warehouse_daily"]
    nodes = _project_nodes(manifest, ("model", "seed", "snapshot"))
    checked = 0
    for node in nodes.values():
        task = _task_of(dag, node)
        ancestors = {t.task_id for t in task.get_flat_relatives(upstream=True)}
        for parent in node.get("depends_on", {}).get("nodes", []):
            if parent in nodes:
                assert _task_of(dag, nodes[parent]).task_id in ancestors, (
                    node["name"],
                    parent,
                )
                checked += 1
    assert checked > 50


def test_the_daily_run_lands_before_dbt_and_publishes_after(dagbag):
    dag = dagbag[0].dags["warehouse_daily"]
    producer = dag.task_dict["dbt.dbt_producer_watcher"]
    assert "land" in {t.task_id for t in producer.get_flat_relatives(upstream=True)}
    publish = dag.task_dict["publish"]
    assert producer.task_id in {t.task_id for t in publish.get_flat_relatives(upstream=True)}
    assert dag.task_dict["monitor"].trigger_rule == "all_done"
    assert dag.max_active_runs == 1


def test_the_hourly_run_builds_the_web_models_only(dagbag, manifest):
    dag = dagbag[0].dags["warehouse_hourly_web"]
    models = {
        node["name"]
        for node in _project_nodes(manifest, ("model",)).values()
        if any(
            task_id.startswith(f"dbt.{node['name']}.") or task_id == f"dbt.{node['name']}_run"
            for task_id in dag.task_dict
        )
    }
    assert "fct_sessions" in models and "stg_web__events" in models
    assert not {m for m in models if "erp" in m or m in ("fct_orders", "dim_customers")}


def test_every_task_has_a_timeout_and_the_retry_policy(dagbag):
    from warehouse.orchestration.dags import TransientOnly

    for dag in dagbag[0].dags.values():
        for task in dag.tasks:
            if task.task_type == "EmptyOperator":
                continue
            assert task.execution_timeout is not None, task.task_id
            assert isinstance(task.retry_policy, TransientOnly), task.task_id


def _in_local_mode(manifest, folder: Path, build):
    """A DAG built by build from the project's configuration with dbt in local mode (a dbt
    command per model and per model's tests)."""
    import yaml

    from warehouse.orchestration.config import load_config

    content = yaml.safe_load((REPO / "orchestration" / "config.yml").read_text())
    content["project_dir"] = str(REPO)
    content["dbt"]["execution_mode"] = "local"
    (folder / "config.yml").write_text(yaml.safe_dump(content))
    saved = dict(os.environ)
    os.environ.update(
        {"AIRFLOW_HOME": str(folder), "WAREHOUSE_AIRFLOW_MANIFEST": str(manifest["path"])}
    )
    try:
        return build(load_config(folder / "config.yml"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def local_daily(manifest, tmp_path_factory):
    """warehouse_daily with dbt in local mode."""
    from warehouse.orchestration.dags import daily_dag

    return _in_local_mode(manifest, tmp_path_factory.mktemp("local-mode"), daily_dag)


def test_the_hourly_dag_refuses_local_mode_naming_the_fix(manifest, tmp_path: Path):
    """In local mode Cosmos renders the per-batch reconciliation into the hourly run (it adds
    back every test of a selected model), where it fails: parsing says so instead."""
    from warehouse.orchestration.dags import hourly_web_dag

    with pytest.raises(ValueError, match=r"dbt\.execution_mode: watcher") as refused:
        _in_local_mode(manifest, tmp_path, hourly_web_dag)
    assert "per-batch reconciliation" in str(refused.value)


def test_in_local_mode_a_test_of_several_models_waits_for_all_of_them(local_daily, manifest):
    """The per-batch reconciliation reads every staging model: its task runs after each of
    them, not in the test task of the first."""
    (test,) = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node["name"] == "assert_batches_reconcile"
    ]
    (task,) = [t for t in local_daily.tasks if "assert_batches_reconcile" in t.task_id]
    ancestors = {t.task_id for t in task.get_flat_relatives(upstream=True)}
    parents = _project_nodes(manifest, ("model",))
    staged = [parents[uid] for uid in test["depends_on"]["nodes"] if uid in parents]
    assert len(staged) > 5
    for node in staged:
        assert _task_of(local_daily, node).task_id in ancestors, node["name"]
