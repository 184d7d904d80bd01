"""Runs dbt commands of the project from Python (the CLI, the demo build and the tests).

The project is the one the user is in: the nearest folder at or above the current directory
that holds a dbt_project.yml, or the folder in WAREHOUSE_PROJECT_DIR (the CLI's
--project-dir sets it), never the folder the package happens to be installed from."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

PROJECT_FILE = "dbt_project.yml"
PROJECT_DIR_ENV = "WAREHOUSE_PROJECT_DIR"
DEFAULT_LANDING_DIR = Path("data/landing")
AS_OF_VAR = "WAREHOUSE_AS_OF"


class ProjectNotFoundError(FileNotFoundError):
    """No dbt project where the command was asked to work."""


def find_project_dir(start: Path | None = None) -> Path:
    """The nearest folder at or above start (default: the current directory) holding a
    dbt_project.yml; raises ProjectNotFoundError naming start when there is none."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise ProjectNotFoundError(
        f"no {PROJECT_FILE} in {here} or any folder above it: run the command inside the "
        "warehouse project or name it with --project-dir"
    )


def project_dir() -> Path:
    """The dbt project to work on: $WAREHOUSE_PROJECT_DIR when set (it must hold a
    dbt_project.yml), else the one found from the current directory (find_project_dir)."""
    named = os.environ.get(PROJECT_DIR_ENV)
    if not named:
        return find_project_dir()
    folder = Path(named).resolve()
    if not (folder / PROJECT_FILE).is_file():
        raise ProjectNotFoundError(f"no {PROJECT_FILE} in {folder} ({PROJECT_DIR_ENV})")
    return folder


def simulated_now(landing_dir: Path) -> str | None:
    """The clock of the landed data: the cut-off of the newest landed batch (e.g.
    '1998-12-01 00:00:00' once arrivals through 1998-11-30 have landed, '1998-12-01 14:00:00'
    after an hourly landing until 14:00), None when nothing has landed.

    The demo data arrive in the 1990s, so "now" for freshness checks and Elementary's
    anomaly windows is this simulated time, not the machine's. dbt reads it from the
    WAREHOUSE_AS_OF variable (dbt_project.yml); unset, the machine's clock is used, as it
    should be for real extracts."""
    from warehouse.landing import read_manifest

    batches = read_manifest(landing_dir)
    if not batches:
        return None
    return batches[-1].cutoff.isoformat(sep=" ")


def venv_executable(name: str) -> str:
    """The program `name` of this virtualenv (next to the running Python), else the one on
    PATH; raises RuntimeError saying to run `make build` when there is none."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed: run `make build` (it creates .venv with it)")
    return found


def dbt_executable() -> str:
    """The dbt of this virtualenv, else the one on PATH."""
    return venv_executable("dbt")


def dbt_environment(
    project: Path | None = None, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment for a dbt command: os.environ and env, no anonymous usage stats, and
    WAREHOUSE_AS_OF set to the simulated clock of the landing zone dbt reads unless it is set
    already (see simulated_now)."""
    full_env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(env or {})}
    if AS_OF_VAR not in full_env:
        landing_dir = (project or project_dir()) / full_env.get(
            "WAREHOUSE_LANDING_DIR", DEFAULT_LANDING_DIR
        )
        as_of = simulated_now(landing_dir)
        if as_of:
            full_env[AS_OF_VAR] = as_of
    return full_env


def run_dbt(
    args: list[str],
    project: Path | None = None,
    env: Mapping[str, str] | None = None,
    capture: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run `dbt <args>` in the project directory (default: project_dir()); raise with the
    output when it fails. The environment gets the warehouse clock (see dbt_environment)."""
    project = project or project_dir()
    full_env = dbt_environment(project, env)
    command = [dbt_executable(), *args]
    result = subprocess.run(
        command,
        cwd=project,
        env=full_env,
        text=True,
        capture_output=capture,
        check=False,
    )
    if result.returncode != 0:
        output = (result.stdout or "")[-6000:] if capture else ""
        raise RuntimeError(f"`dbt {' '.join(args)}` failed (exit {result.returncode})\n{output}")
    return result
