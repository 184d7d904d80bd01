"""Observability commands: the Elementary report, alerts to a webhook, and the SLA check.

`edr` (the Elementary CLI) runs a dbt project of its own against Elementary's tables in the
warehouse (schema `elementary`, profile `elementary` in profiles.yml). Offline it must not run
`dbt deps`: its packages are installed by `warehouse deps --project-dir observability/edr`
and found through DBT_PACKAGES_FOLDER; observability/edr/config.yml turns off the version
check, the deps run and anonymous tracking.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warehouse.dbt_runner import AS_OF_VAR, project_dir, simulated_now, venv_executable

# edr's own configuration and dbt packages, inside the project
EDR_SUBDIR = Path("observability") / "edr"
WEBHOOK_ENV = "WAREHOUSE_ALERT_WEBHOOK"
WEBHOOK_FORMAT_ENV = "WAREHOUSE_ALERT_FORMAT"


class ObserveError(RuntimeError):
    """A failure of an observability command, with what to do about it."""


def edr_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment edr needs: its packages folder, the warehouse file as an absolute path
    (edr runs dbt from its own project directory) and the warehouse clock, on top of the
    process environment (PG* variables, PATH) and base, which overrides it."""
    env = {**os.environ, **(base or {})}
    project = project_dir()
    packages = project / EDR_SUBDIR / "dbt_packages"
    if not (packages / "elementary").is_dir() or not (packages / "dbt_utils").is_dir():
        raise ObserveError(
            f"edr's dbt packages are missing from {packages}: run `make deps` "
            "(it installs them from the package mirror)"
        )
    env["DBT_PACKAGES_FOLDER"] = str(packages)
    duckdb_path = Path(env.get("WAREHOUSE_DUCKDB_PATH", "data/warehouse.duckdb"))
    env["WAREHOUSE_DUCKDB_PATH"] = str(
        duckdb_path if duckdb_path.is_absolute() else project / duckdb_path
    )
    landing = Path(env.get("WAREHOUSE_LANDING_DIR", "data/landing"))
    if AS_OF_VAR not in env:
        as_of = simulated_now(landing if landing.is_absolute() else project / landing)
        if as_of:
            env[AS_OF_VAR] = as_of
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # edr runs dbt on a project of its own: a target or log folder meant for the warehouse's
    # project would get edr's manifest written over the warehouse's
    for name in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
        env.pop(name, None)
    return env


def _edr_base_args(target: str, target_path: Path) -> list[str]:
    project = project_dir()
    return [
        "--config-dir",
        str(project / EDR_SUBDIR),
        "--profiles-dir",
        str(project),
        "--profile-target",
        target,
        "--project-dir",
        str(project),
        "--target-path",
        str(target_path),
    ]


def _run_edr(args: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [venv_executable("edr"), *args],
        cwd=project_dir(),
        env=dict(env),
        text=True,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-4000:]
        raise ObserveError(f"`edr {args[0]}` failed (exit {result.returncode}):\n{tail}")
    return result


def report(
    target: str = "duckdb",
    output: Path | None = None,
    days_back: int = 7,
    env: Mapping[str, str] | None = None,
) -> Path:
    """Writes Elementary's HTML report of the last days_back days of runs to output (default
    target/edr/elementary_report.html in the project)."""
    output = (output or project_dir() / "target" / "edr" / "elementary_report.html").resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    _run_edr(
        [
            "report",
            *_edr_base_args(target, output.parent),
            "--file-path",
            str(output),
            "--days-back",
            str(days_back),
            "--open-browser",
            "false",
        ],
        edr_env(env),
    )
    if not output.exists():
        raise ObserveError(f"edr report finished but wrote no file at {output}")
    return output


def monitor(
    target: str = "duckdb",
    webhook: str | None = None,
    kind: str | None = None,
    days_back: int = 1,
    env: Mapping[str, str] | None = None,
) -> str:
    """Sends alerts for new test failures, warnings and model errors recorded by Elementary
    to a Slack (kind 'slack') or Microsoft Teams ('teams') incoming webhook. The webhook and
    kind default to WAREHOUSE_ALERT_WEBHOOK and WAREHOUSE_ALERT_FORMAT (default slack).
    Returns edr's output."""
    source = {**os.environ, **(env or {})}  # env adds to the process environment
    webhook = webhook or source.get(WEBHOOK_ENV)
    kind = (kind or source.get(WEBHOOK_FORMAT_ENV) or "slack").lower()
    if not webhook:
        raise ObserveError(
            f"no webhook: set {WEBHOOK_ENV} to a Slack or Teams incoming webhook URL "
            f"(and {WEBHOOK_FORMAT_ENV}=slack or teams)"
        )
    if kind not in ("slack", "teams"):
        raise ObserveError(f"{WEBHOOK_FORMAT_ENV} must be 'slack' or 'teams', not {kind!r}")
    target_path = project_dir() / "target" / "edr"
    target_path.mkdir(parents=True, exist_ok=True)
    result = _run_edr(
        [
            "monitor",
            *_edr_base_args(target, target_path),
            "--slack-webhook" if kind == "slack" else "--teams-webhook",
            webhook,
            "--days-back",
            str(days_back),
            "--group-by",
            "alert",
            # relationship tests that warn while related records are still in flight
            "--excludes",
            "tags:arrival_lag",
        ],
        edr_env(source),
    )
    return result.stdout + result.stderr


@dataclass(frozen=True)
class Breach:
    kind: str  # "source freshness" or "model SLA"
    name: str
    detail: str
    severity: str  # "error" (SLA missed) or "warn" (late, within the SLA)

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}: {self.detail}"


def _freshness_breaches(sources_json: Path) -> list[Breach]:
    results = json.loads(sources_json.read_text())["results"]
    breaches = []
    for result in results:
        status = result.get("status")
        if status in ("pass", None):
            continue
        name = result["unique_id"].removeprefix("source.warehouse.")
        if status == "runtime error":
            detail = result.get("error") or "the freshness query failed"
            breaches.append(Breach("source freshness", name, detail, "error"))
            continue
        age_hours = result["max_loaded_at_time_ago_in_s"] / 3600
        detail = f"newest record {result['max_loaded_at']}, {age_hours / 24:.1f} days old"
        breaches.append(Breach("source freshness", name, detail, status))
    return breaches


def _test_breaches(run_results: Path, manifest: Path) -> list[Breach]:
    nodes = json.loads(manifest.read_text())["nodes"]
    breaches = []
    for result in json.loads(run_results.read_text())["results"]:
        # hooks are in run_results too; a test breaches when it warns, fails or errors
        if not result["unique_id"].startswith("test.") or result["status"] == "pass":
            continue
        node = nodes.get(result["unique_id"], {})
        model = (node.get("attached_node") or "").removeprefix("model.warehouse.")
        kwargs = node.get("test_metadata", {}).get("kwargs", {})
        detail = (
            f"newest {kwargs.get('column_name')} older than {kwargs.get('max_age_days')} days"
            if result["status"] in ("warn", "fail")
            else result.get("message") or result["status"]
        )
        breaches.append(Breach("model SLA", model or result["unique_id"], detail, "error"))
    return breaches


def sla(target: str = "duckdb", env: Mapping[str, str] | None = None) -> list[Breach]:
    """Runs `dbt source freshness` and the tests tagged `sla` on the warehouse clock and
    returns every breach: sources past error_after (severity error) or warn_after (warn), and
    models whose SLA test failed (error)."""
    from warehouse.dbt_runner import run_dbt

    source = {**os.environ, **(env or {})}  # env adds to the process environment
    project = project_dir()
    target_dir = Path(source.get("DBT_TARGET_PATH", project / "target"))
    if not target_dir.is_absolute():
        target_dir = project / target_dir
    sla_dir = target_dir / "sla"
    dbt_env = {**source, "DBT_TARGET_PATH": str(sla_dir)}
    freshness_file = sla_dir / "sources.json"
    for stale in (freshness_file, sla_dir / "run_results.json"):
        stale.unlink(missing_ok=True)
    # dbt exits non-zero when a source is past error_after: read sources.json either way
    try:
        run_dbt(["source", "freshness", "--target", target], env=dbt_env, capture=True)
    except RuntimeError:
        if not freshness_file.exists():
            raise
    breaches = _freshness_breaches(freshness_file)
    try:
        run_dbt(["test", "--select", "tag:sla", "--target", target], env=dbt_env, capture=True)
    except RuntimeError:
        if not (sla_dir / "run_results.json").exists():
            raise
    breaches += _test_breaches(sla_dir / "run_results.json", sla_dir / "manifest.json")
    return breaches


def run_summary(target_dir: Path, since: float = 0.0) -> str | None:
    """What the last dbt build detected and what it held back, from target/run_results.json
    (None when no run wrote results after `since`, a time.time()): tests that warned (they
    alert, nothing waits for them), tests and models that failed (what depends on them was
    skipped), and the skipped nodes. The policy is in docs/operations.md."""
    results_path, manifest_path = target_dir / "run_results.json", target_dir / "manifest.json"
    if not results_path.exists() or results_path.stat().st_mtime < since:
        return None
    results = json.loads(results_path.read_text())["results"]
    nodes = json.loads(manifest_path.read_text())["nodes"] if manifest_path.exists() else {}

    def describe_node(unique_id: str) -> str:
        node = nodes.get(unique_id, {})
        name = node.get("name", unique_id.split(".")[-1])
        attached = (node.get("attached_node") or "").split(".")[-1]
        if node.get("sources"):
            attached = ".".join(node["sources"][0])
        return f"{name} (on {attached})" if attached else name

    by_status: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        by_status.setdefault(result["status"], []).append(result)
    lines = []
    warned = by_status.get("warn", [])
    if warned:
        lines.append(f"detected, alert only ({len(warned)} warnings):")
        for result in warned:
            lag = "arrival_lag" in nodes.get(result["unique_id"], {}).get("tags", [])
            lines.append(
                f"  - {describe_node(result['unique_id'])}: {result.get('message') or ''}"
                + (" (arrival lag: reported, not alerted)" if lag else "")
            )
    failed = by_status.get("fail", []) + by_status.get("error", [])
    if failed:
        lines.append(f"failed ({len(failed)}; what depends on them was held back):")
        lines += [
            f"  - {describe_node(r['unique_id'])}: {(r.get('message') or '').splitlines()[0]}"
            for r in failed
        ]
    skipped = by_status.get("skipped", [])
    if skipped:
        kinds: dict[str, list[str]] = {}
        for result in skipped:
            kind = result["unique_id"].split(".")[0]
            kinds.setdefault(kind, []).append(result["unique_id"].split(".")[-1])
        lines.append(
            "held back (skipped, built by the next run once the failures are fixed): "
            + "; ".join(
                f"{len(names)} {kind}s"
                + (f" ({', '.join(sorted(names)[:8])}{', ...' if len(names) > 8 else ''})")
                for kind, names in sorted(kinds.items())
            )
        )
    if not lines:
        return "nothing detected, nothing held back"
    return "\n".join(lines)
