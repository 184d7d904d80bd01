"""Runs dbt commands of the project from Python (the CLI, the demo build and the tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def dbt_executable() -> str:
    """The dbt of this virtualenv (next to the running Python), else the one on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if found is None:
        raise RuntimeError("dbt is not installed: run `make build` (it creates .venv with dbt)")
    return found


def run_dbt(
    args: list[str],
    project_dir: Path = PROJECT_DIR,
    env: Mapping[str, str] | None = None,
    capture: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run `dbt <args>` in the project directory; raise with the output when it fails."""
    full_env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(env or {})}
    command = [dbt_executable(), *args]
    result = subprocess.run(
        command,
        cwd=project_dir,
        env=full_env,
        text=True,
        capture_output=capture,
        check=False,
    )
    if result.returncode != 0:
        output = (result.stdout or "")[-6000:] if capture else ""
        raise RuntimeError(f"`dbt {' '.join(args)}` failed (exit {result.returncode})\n{output}")
    return result
