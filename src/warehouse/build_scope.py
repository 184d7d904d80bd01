"""What a `warehouse dbt build` without a selection has to build.

A build with no new batch to check and no change in the project would rebuild and re-test
what the last build left exactly as it is: every node's answer is the same, only the clock
moved. So a build without a selection, on an engine with nothing pending, runs the selector
``nothing_new`` instead (selectors.yml): the nodes the project changed since the last complete
build and their children (dbt's ``state:modified+``, against the manifest that build left in
``<target path>/last-build/<target>``), and the checks whose answer depends on the clock
(the deadlines and Elementary's freshness and volume anomalies). Those checks bucket time by
the day, so once a build has run them on the clock's day (the warehouse clock: the landed
data's simulated time in the demo, else the machine's UTC date), a later build on the same
day with nothing new runs the selector ``changed``: the changed nodes only, often none.

Nothing is pending when every batch of the landing manifest has been claimed by a build that
checked it (DuckDB: ``raw._landed_files``; PostgreSQL: ``raw._load_log``, whose batches the
loader added) and the last complete build left its manifest. Any doubt (no database yet, the
database busy, a table missing, another engine) means a whole build, as before. A user who
wants the whole build anyway selects it: ``warehouse dbt build --selector daily``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warehouse import elementary_artifacts as artifacts

NOTHING_NEW_SELECTOR = "nothing_new"
CHANGED_SELECTOR = "changed"
LAST_BUILD_DIR = "last-build"
CLOCK_FILE = "clock.json"
# Arguments after which dbt builds a selection of its own choosing: left alone.
_SELECTION_FLAGS = {
    "-s",
    "--select",
    "-m",
    "--models",
    "--selector",
    "--exclude",
    "--state",
    "--defer",
    "-f",
    "--full-refresh",
    "--resource-type",
    "--resource-types",
    "--inline",
}


@dataclass
class Scope:
    """The arguments to add to the user's `dbt build` and why."""

    extra_args: list[str]
    reason: str
    state_dir: Path | None
    # the clock's day, when this build runs the clock-dependent checks
    clock_day: str | None = None

    @property
    def whole(self) -> bool:
        return not self.extra_args


def _flag(args: Sequence[str], names: set[str]) -> str | None:
    for number, arg in enumerate(args):
        name, _, value = arg.partition("=")
        if name in names:
            return value or (args[number + 1] if number + 1 < len(args) else "")
    return None


def is_unselected_build(dbt_args: Sequence[str]) -> bool:
    """A `dbt build` that names no selection of its own (the default selector applies)."""
    if not dbt_args or dbt_args[0] != "build":
        return False
    return not any(arg.partition("=")[0] in _SELECTION_FLAGS for arg in dbt_args[1:])


def target_name(dbt_args: Sequence[str], env: Mapping[str, str]) -> str:
    return _flag(dbt_args, {"-t", "--target"}) or env.get("DBT_TARGET") or "duckdb"


def target_path(project: Path, env: Mapping[str, str]) -> Path:
    path = Path(env.get("DBT_TARGET_PATH", "target"))
    return path if path.is_absolute() else project / path


def state_dir(project: Path, env: Mapping[str, str], target: str) -> Path:
    """Where the manifest of the last complete build on ``target`` is kept."""
    return target_path(project, env) / LAST_BUILD_DIR / target


def _landed_batches(project: Path, env: Mapping[str, str]) -> set[int]:
    from warehouse.dbt_runner import DEFAULT_LANDING_DIR
    from warehouse.landing import read_manifest

    landing = Path(env.get("WAREHOUSE_LANDING_DIR", DEFAULT_LANDING_DIR))
    landing = landing if landing.is_absolute() else project / landing
    return {batch.batch_id for batch in read_manifest(landing)}


def _pending_duckdb(project: Path, env: Mapping[str, str]) -> str | None:
    """Why DuckDB has work pending, or None when every landed batch is checked."""
    import duckdb

    path = Path(env.get("WAREHOUSE_DUCKDB_PATH", "data/warehouse.duckdb"))
    path = path if path.is_absolute() else project / path
    if not path.exists():
        return f"no warehouse at {path} yet"
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            checked = {
                batch_id
                for (batch_id,) in con.execute(
                    "select batch_id from raw._landed_files group by batch_id "
                    "having bool_and(reconciled_by is not null)"
                ).fetchall()
            }
    except duckdb.Error as error:
        return f"the landed batches' checks could not be read ({str(error).splitlines()[0]})"
    unchecked = sorted(_landed_batches(project, env) - checked)
    return f"batches not yet checked: {_batches(unchecked)}" if unchecked else None


def _pending_postgres(env: Mapping[str, str]) -> str | None:
    import psycopg2

    from warehouse.pgload import LoadError, connect, connection_settings

    try:
        conn = connect(connection_settings(env))
    except LoadError as error:
        return str(error).splitlines()[0]
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select distinct batch_id from raw._load_log where reconciled_by is null order by 1"
            )
            unchecked = [batch_id for (batch_id,) in cur.fetchall()]
    except psycopg2.Error as error:
        return f"the loaded batches' checks could not be read ({str(error).splitlines()[0]})"
    finally:
        conn.close()
    return f"loaded batches not yet checked: {_batches(unchecked)}" if unchecked else None


def _batches(ids: Sequence[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:5])
    return shown + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def scope(dbt_args: Sequence[str], project: Path, env: Mapping[str, str]) -> Scope:
    """The scope of a `dbt build` (see the module's docstring)."""
    target = target_name(dbt_args, env)
    if not is_unselected_build(dbt_args):
        return Scope([], "the build names its own selection", None)
    state, day = state_dir(project, env, target), clock_day(env)
    if target == "duckdb":
        pending = _pending_duckdb(project, env)
    elif target == "postgres":
        pending = _pending_postgres(env)
    else:
        return Scope([], f"target {target}: pending batches are not tracked", state, day)
    if pending:
        return Scope([], pending, state, day)
    if not (state / "manifest.json").exists():
        return Scope([], "no complete build has left its manifest yet", state, day)
    if _checked_day(state) == day:
        return Scope(
            ["--selector", CHANGED_SELECTOR, "--state", str(state)],
            "nothing new since the last complete build, and the clock-dependent checks ran "
            f"on today's date ({day}) already: building only what the project changed "
            f"(selector {CHANGED_SELECTOR}; `--selector daily` builds everything)",
            state,
        )
    return Scope(
        ["--selector", NOTHING_NEW_SELECTOR, "--state", str(state)],
        "nothing new since the last complete build: building what the project changed and "
        f"running the clock-dependent checks for {day} (selector {NOTHING_NEW_SELECTOR}; "
        "`--selector daily` builds everything)",
        state,
        day,
    )


def clock_day(env: Mapping[str, str]) -> str:
    """The warehouse clock's date: WAREHOUSE_AS_OF's (the demo), else the machine's (UTC)."""
    from warehouse.dbt_runner import AS_OF_VAR

    as_of = env.get(AS_OF_VAR)
    return as_of[:10] if as_of else datetime.now(UTC).date().isoformat()


def _checked_day(state: Path) -> str | None:
    try:
        return str(json.loads((state / CLOCK_FILE).read_text())["day"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record_complete_build(scope: Scope, project: Path, env: Mapping[str, str]) -> None:
    """After a build of the scope that exited 0: its manifest is the state the next build
    compares the project with, and the day it ran the clock-dependent checks is recorded."""
    if scope.state_dir is None:
        return
    manifest = target_path(project, env) / "manifest.json"
    if manifest.exists():
        scope.state_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(manifest, scope.state_dir / "manifest.json")
        if scope.clock_day is not None:
            (scope.state_dir / CLOCK_FILE).write_text(json.dumps({"day": scope.clock_day}) + "\n")


def run_scoped(
    dbt_args: Sequence[str],
    project: Path,
    env: Mapping[str, str],
    run: Callable[[list[str]], int],
    say: Callable[[str], None] = print,
) -> int:
    """Run dbt (``run`` takes dbt's arguments and returns its exit code) with a build scoped
    as `warehouse dbt build` scopes it, Elementary's artifacts uploaded only when the project
    changed (warehouse.elementary_artifacts); records the build's state when it exits 0."""
    scoped = scope(dbt_args, project, env) if dbt_args[:1] == ["build"] else None
    if scoped is None or scoped.state_dir is None:
        return run(list(dbt_args))
    if not scoped.whole:
        say(f"warehouse dbt build: {scoped.reason}")
    fingerprint = artifacts.project_fingerprint(project, dbt_args)
    uploaded = artifacts.recorded_fingerprint(scoped.state_dir) == fingerprint
    extra_args = scoped.extra_args
    if scoped.whole and uploaded:
        extra_args = ["--selector", artifacts.WITHOUT_ARTIFACTS_SELECTOR]
    code = run([*dbt_args, *extra_args])
    if code == 0 and not uploaded:
        if not scoped.whole:
            say(
                "warehouse dbt build: the project changed since Elementary's artifacts were "
                f"uploaded: dbt run --selector {artifacts.ARTIFACTS_SELECTOR}"
            )
            code = artifacts.upload(dbt_args, target_path(project, env), run)
        if code == 0:
            artifacts.record_fingerprint(scoped.state_dir, fingerprint)
    if code == 0:
        record_complete_build(scoped, project, env)
    return code
