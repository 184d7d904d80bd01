"""`make airflow` and `make orchestrate` (warehouse.orchestration.local), without Airflow:
the environment they give Airflow, the pools, the admin password, the checks before start."""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path

import pytest
from conftest import PROJECT_DIR

from warehouse.orchestration.config import load_config
from warehouse.orchestration.local import (
    NotReady,
    admin_password,
    airflow_env,
    check_demo_built,
    free_port,
    main,
    pools_file,
)


def test_airflow_listens_on_localhost_and_keeps_its_state_under_data(tmp_path: Path):
    base = {"PATH": "/usr/bin", "DBT_TARGET_PATH": "/elsewhere", "HOME": "/home/x"}
    env = airflow_env(tmp_path, 8123, base=base)
    assert env["AIRFLOW_HOME"] == str(tmp_path / "data" / "airflow")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == (
        f"sqlite:///{tmp_path / 'data' / 'airflow' / 'airflow.db'}"
    )
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__API__PORT"] == "8123"
    # task log links and the workers' execution API follow the API server's address
    assert env["AIRFLOW__API__BASE_URL"] == "http://127.0.0.1:8123"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(tmp_path / "orchestration" / "dags")
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    assert env["SCARF_NO_ANALYTICS"] == "true" and env["DO_NOT_TRACK"] == "1"
    assert "DBT_TARGET_PATH" not in env
    assert env["HOME"] == "/home/x"
    # `airflow standalone` starts its components as `airflow` from PATH: the venv's comes first
    assert env["PATH"].endswith(":/usr/bin") and env["PATH"] != "/usr/bin"


def test_an_airflow_home_can_be_given(tmp_path: Path):
    env = airflow_env(tmp_path, 8123, home=tmp_path / "elsewhere", base={})
    assert env["AIRFLOW_HOME"] == str(tmp_path / "elsewhere")


def test_the_pools_are_those_of_the_configuration(tmp_path: Path):
    text = (PROJECT_DIR / "orchestration" / "config.yml").read_text()
    config_file = tmp_path / "orchestration" / "config.yml"
    config_file.parent.mkdir()
    config_file.write_text(
        text.replace("project_dir: ..", f"project_dir: {PROJECT_DIR}")
        .replace("name: warehouse_duckdb\n    slots: 1", "name: duck_writer\n    slots: 1")
        .replace("name: warehouse_postgres\n    slots: 4", "name: warehouse_postgres\n    slots: 7")
    )
    pools = pools_file(load_config(config_file, env={}))
    assert {name: pool["slots"] for name, pool in pools.items()} == {
        "duck_writer": 1,
        "warehouse_landing": 1,
        "warehouse_postgres": 7,
    }
    assert all(pool["include_deferred"] is False for pool in pools.values())


def test_the_pools_command_prints_what_airflow_pools_import_reads(capsys):
    assert main(["pools"]) == 0
    pools = json.loads(capsys.readouterr().out)
    assert set(pools) == {"warehouse_landing", "warehouse_duckdb", "warehouse_postgres"}
    assert all({"slots", "description"} <= set(pool) for pool in pools.values())


def test_the_admin_password_is_generated_once_and_kept_private(tmp_path: Path):
    first = admin_password(tmp_path / "home")
    path = tmp_path / "home" / "simple_auth_manager_passwords.json.generated"
    assert len(first) >= 16
    assert json.loads(path.read_text()) == {"admin": first}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert admin_password(tmp_path / "home") == first
    assert admin_password(tmp_path / "other") != first


def test_an_unbuilt_demo_is_refused_naming_what_is_missing(tmp_path: Path, monkeypatch):
    for name in ("WAREHOUSE_SIM_DIR", "WAREHOUSE_LANDING_DIR", "WAREHOUSE_DUCKDB_PATH"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(env={})
    with pytest.raises(NotReady, match="make build") as refused:
        check_demo_built(tmp_path, config)
    assert str(tmp_path / "data" / "landing" / "_manifest.json") in str(refused.value)
    for path in ("data/sim", "data/landing"):
        (tmp_path / path).mkdir(parents=True)
    (tmp_path / "data" / "landing" / "_manifest.json").write_text("{}")
    monkeypatch.setenv("WAREHOUSE_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    with pytest.raises(NotReady, match=r"w\.duckdb"):
        check_demo_built(tmp_path, config)
    (tmp_path / "w.duckdb").write_bytes(b"")
    check_demo_built(tmp_path, config)


def test_a_port_in_use_is_skipped():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert free_port(port, tries=5) != port


def test_orchestrate_without_a_built_demo_exits_with_the_fix(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("WAREHOUSE_LANDING_DIR", str(tmp_path / "landing"))
    assert main(["run", "--date", "1998-06-01"]) == 2
    assert "Run `make build` first" in capsys.readouterr().err
