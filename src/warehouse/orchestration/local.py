"""Airflow on this machine, for trying the DAGs on the built demo: `make airflow` and
`make orchestrate DATE=...`.

Both use the project of ``orchestration/config.yml``, an Airflow home under it
(``data/airflow``: SQLite metadata, logs, the generated admin password), the DAG files of
``orchestration/dags`` and the project's ``target/manifest.json`` (written here with
``dbt parse``). Before either starts, the metadata database is migrated and the pools of
``orchestration/config.yml`` are created, since a run whose tasks name a missing pool never
starts.

- ``standalone``: the scheduler, DAG processor, triggerer and API server (``airflow
  standalone``) on 127.0.0.1, on the first free port from 8081 unless ``--port`` says; the
  address and the admin credentials are printed before it starts.
- ``run --date D``: one ``warehouse_daily`` run of logical date D with ``airflow dags test``
  (no scheduler, every task in one process; pools are ignored), then each task's state.
- ``pools``: the pools as JSON, for ``airflow pools import`` in an existing deployment.

Needs the ``airflow`` extra (``make airflow-deps``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from warehouse.orchestration.config import ConfigError, OrchestrationConfig, load_config
from warehouse.orchestration.runs import project_dirs

ADMIN = "admin"
FIRST_PORT = 8081
HASH_EXCLUDED_DIRS = "data,.venv,bench,docs,coverage,node_modules,src,scripts,orchestration"


class NotReady(Exception):
    """What the project lacks before Airflow can run its DAGs, and how to fix it."""


def airflow_home(project: Path) -> Path:
    return project / "data" / "airflow"


def airflow_env(
    project: Path,
    port: int,
    home: Path | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of every Airflow command: the Airflow home (default data/airflow of
    the project), the project's DAGs and manifest, the API server on 127.0.0.1:port (its
    address is also where task logs link to and where the workers reach the execution API),
    no examples and no usage reporting. base (default os.environ) is the rest."""
    env = dict(os.environ if base is None else base)
    bin_dir = str(Path(sys.executable).parent)
    home = home or airflow_home(project)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(project / "orchestration" / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
            "AIRFLOW__COSMOS__PROJECT_HASH_EXCLUDED_DIRS": HASH_EXCLUDED_DIRS,
            "WAREHOUSE_AIRFLOW_MANIFEST": str(project / "target" / "manifest.json"),
            "SCARF_NO_ANALYTICS": "true",
            "DO_NOT_TRACK": "1",
            # `airflow standalone` starts its components as `airflow ...` from PATH
            "PATH": bin_dir + os.pathsep + env.get("PATH", ""),
        }
    )
    # dbt's folders are the project's own (target/, logs/): Cosmos copies the project per run
    for name in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
        env.pop(name, None)
    return env


def check_demo_built(project: Path, config: OrchestrationConfig) -> None:
    """The DAGs run on the built demo: its landing zone, simulator output and (DuckDB) file."""
    dirs = project_dirs(project)
    needed = [dirs.landing / "_manifest.json", dirs.sim]
    if config.target == "duckdb":
        needed.append(
            Path(os.environ.get("WAREHOUSE_DUCKDB_PATH", project / "data" / "warehouse.duckdb"))
        )
    missing = [str(path) for path in needed if not path.exists()]
    if missing:
        raise NotReady(
            f"no built demo: {', '.join(missing)} missing. Run `make build` first (the DAGs "
            "replay the days it leaves unlanded, June and July 1998)."
        )


def free_port(first: int = FIRST_PORT, tries: int = 50) -> int:
    """The first port from first that nothing on 127.0.0.1 listens on."""
    for port in range(first, first + tries):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise NotReady(f"no free port in {first}-{first + tries - 1}: pass --port (AIRFLOW_PORT=...)")


def pools_file(config: OrchestrationConfig) -> dict[str, dict[str, object]]:
    """config.yml's pools in the format of `airflow pools import`."""
    return {
        pool.name: {
            "slots": pool.slots,
            "description": "warehouse: orchestration/config.yml",
            "include_deferred": False,
        }
        for pool in sorted(config.pools.values(), key=lambda p: p.name)
    }


def admin_password(home: Path) -> str:
    """The admin's password: the one Airflow's simple auth manager keeps in its generated
    password file, written here with a random password when there is none yet."""
    path = home / "simple_auth_manager_passwords.json.generated"
    passwords = json.loads(path.read_text()) if path.exists() and path.read_text().strip() else {}
    if ADMIN not in passwords:
        passwords[ADMIN] = secrets.token_urlsafe(12)
        home.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(passwords) + "\n")
        path.chmod(0o600)
    return str(passwords[ADMIN])


def prepare(project: Path, env: Mapping[str, str], config: OrchestrationConfig) -> None:
    """The manifest the DAGs render from, a migrated metadata database, the pools."""
    check_demo_built(project, config)
    airflow_home(project).mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    print("dbt parse: target/manifest.json, which the DAGs are rendered from", flush=True)
    _run([str(bin_dir / "dbt"), "parse", "--quiet", "--target", config.target], env, project)
    print(f"airflow db migrate: {airflow_home(project) / 'airflow.db'}", flush=True)
    _run([str(bin_dir / "airflow"), "db", "migrate"], env, project, quiet=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(pools_file(config), handle)
    try:
        names = ", ".join(pools_file(config))
        print(f"airflow pools import: {names}", flush=True)
        _run([str(bin_dir / "airflow"), "pools", "import", handle.name], env, project, quiet=True)
    finally:
        os.unlink(handle.name)


def _run(command: list[str], env: Mapping[str, str], cwd: Path, quiet: bool = False) -> None:
    result = subprocess.run(command, env=dict(env), cwd=cwd, capture_output=quiet, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout or "").strip().splitlines()[-20:] if quiet else []
        raise NotReady(
            f"`{' '.join(Path(command[0]).name if i == 0 else c for i, c in enumerate(command))}`"
            f" failed (exit {result.returncode})" + ("\n" + "\n".join(detail) if detail else "")
        )


def standalone(config: OrchestrationConfig, port: int | None) -> int:
    project = config.project_dir
    port = port or free_port()
    env = airflow_env(project, port)
    prepare(project, env, config)
    password = admin_password(airflow_home(project))
    print(
        f"\nAirflow: http://127.0.0.1:{port}/  user {ADMIN}, password {password}\n"
        f"  (the password is kept in {airflow_home(project)}/"
        "simple_auth_manager_passwords.json.generated, never in the repository)\n"
        f"  DAGs: {config.daily.dag_id}, {config.hourly_web.dag_id} (paused: unpause one in "
        "the UI to start its catch-up); Ctrl-C stops every component\n",
        flush=True,
    )
    airflow = shutil.which("airflow", path=env["PATH"]) or "airflow"
    os.execve(airflow, [airflow, "standalone"], env)
    return 0  # not reached


def run_day(config: OrchestrationConfig, day: date) -> int:
    """One warehouse_daily run of day with `airflow dags test`; prints each task's state and
    returns 0 when every task succeeded."""
    project = config.project_dir
    env = airflow_env(project, free_port())
    prepare(project, env, config)
    bin_dir = Path(sys.executable).parent
    dag_id = config.daily.dag_id
    print(f"airflow dags test {dag_id} {day}", flush=True)
    subprocess.run(
        [str(bin_dir / "airflow"), "dags", "test", dag_id, str(day)], env=env, cwd=project
    )
    states = task_states(env, dag_id, day)
    failed = sorted(task for task, (state, _) in states.items() if state != "success")
    succeeded = len(states) - len(failed)
    print(f"\n{dag_id} {day}: {succeeded} of {len(states)} tasks succeeded")
    for task in failed:
        state, tries = states[task]
        print(f"  {task}: {state} (try {tries})")
    logs = airflow_home(project) / "logs" / f"dag_id={dag_id}"
    print(f"task logs: {logs}")
    return 1 if failed or not states else 0


def task_states(env: Mapping[str, str], dag_id: str, day: date) -> dict[str, tuple[str, int]]:
    """Task id -> (state, try number) of the newest run of dag_id for the logical day, from
    Airflow's metadata database (read in a process of its own, with env's Airflow home)."""
    script = (
        "import json, sys\n"
        "from airflow.models import DagRun\n"
        "runs = [r for r in DagRun.find(dag_id=sys.argv[1]) "
        "if r.logical_date.date().isoformat() == sys.argv[2]]\n"
        "tis = runs[-1].get_task_instances() if runs else []\n"
        "print(json.dumps({t.task_id: [str(t.state), t.try_number] for t in tis}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, dag_id, str(day)],
        env=dict(env),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    return {task: (state, int(tries)) for task, (state, tries) in found.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m warehouse.orchestration.local", description=__doc__
    )
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("standalone", help="Airflow standalone on 127.0.0.1 with the DAGs")
    start.add_argument(
        "--port", type=int, default=None, help=f"default: the first free from {FIRST_PORT}"
    )
    sub.add_parser(
        "pools",
        help="print config.yml's pools as JSON for `airflow pools import` (deployments)",
    )
    run = sub.add_parser("run", help="one warehouse_daily run with `airflow dags test`")
    run.add_argument(
        "--date", type=date.fromisoformat, required=True, help="logical date, YYYY-MM-DD"
    )
    args = parser.parse_args(argv)
    try:
        config = load_config()
        if args.command == "pools":
            print(json.dumps(pools_file(config), indent=2))
            return 0
        if args.command == "standalone":
            return standalone(config, args.port)
        return run_day(config, args.date)
    except (ConfigError, NotReady) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
