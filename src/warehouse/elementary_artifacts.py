"""When a build uploads Elementary's artifact tables.

Elementary records the project itself (its models, tests, sources, columns, ...) in artifact
tables that its report reads. Uploading them means flattening every node of the project and
comparing hashes, a few seconds per table, and dbt's default selector (``daily``) runs them
in every build. Between two deploys the project does not change, so ``warehouse dbt build``
uploads them only when it did:

- the project's fingerprint (``project_fingerprint``: the files dbt reads to describe it and
  the build's ``--vars``) is recorded beside the last complete build's manifest
  (``artifacts.json``) once a build has uploaded the artifacts of that project;
- a whole build of a project with that fingerprint runs the selector
  ``daily_without_artifacts``, which leaves the artifact models out;
- a build that does not run them (the nothing-new selectors) of a project with another
  fingerprint is followed by ``dbt run --selector elementary_artifacts``.

With ``disable_dbt_artifacts_autoupload`` (dbt_project.yml) Elementary's on-run-end does not
upload them either. A plain ``dbt build`` uploads them in every build (``daily`` holds them).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

ARTIFACTS_SELECTOR = "elementary_artifacts"
WITHOUT_ARTIFACTS_SELECTOR = "daily_without_artifacts"
ARTIFACTS_FILE = "artifacts.json"
# the target path of a follow-up upload, inside the build's, so that the build's own
# run_results.json stays the build's
UPLOAD_TARGET_DIR = "elementary-artifacts"
# the folders of dbt_project.yml that dbt reads nodes and docs from, with dbt's defaults
_PROJECT_PATHS = {
    "model-paths": ["models"],
    "macro-paths": ["macros"],
    "seed-paths": ["seeds"],
    "snapshot-paths": ["snapshots"],
    "test-paths": ["tests"],
    "analysis-paths": ["analyses"],
    "docs-paths": [],
}
# arguments of the user's build that a follow-up upload takes too (with their values)
_CARRIED_FLAGS = {"-t", "--target", "--vars", "--profiles-dir", "--profile", "--threads"}


def project_fingerprint(project: Path, dbt_args: Sequence[str]) -> str:
    """A digest of what dbt describes the project from: the YAML files at the project's top
    (dbt_project.yml, the package lock, profiles.yml, ...), every file under its model, macro,
    seed, snapshot, test, analysis and docs paths, and the build's --vars. Any edit changes
    it; environment variables read by the project's configuration are not part of it."""
    config = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    folders = {
        folder for key, default in _PROJECT_PATHS.items() for folder in config.get(key, default)
    }
    files = {path for path in project.glob("*.y*ml") if path.is_file()}
    for folder in folders:
        files.update(path for path in (project / folder).rglob("*") if path.is_file())
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(project)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(json.dumps(_flag_values(dbt_args, {"--vars"})).encode())
    return digest.hexdigest()


def recorded_fingerprint(state_dir: Path) -> str | None:
    """The fingerprint of the project whose artifacts the last upload left, if any."""
    try:
        return str(json.loads((state_dir / ARTIFACTS_FILE).read_text())["fingerprint"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record_fingerprint(state_dir: Path, fingerprint: str) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / ARTIFACTS_FILE).write_text(json.dumps({"fingerprint": fingerprint}) + "\n")


def _flag_values(args: Sequence[str], names: set[str]) -> list[str]:
    """The flags of ``names`` in args with their values, as given."""
    found: list[str] = []
    for number, arg in enumerate(args):
        name, equals, _ = arg.partition("=")
        if name in names:
            found.append(arg)
            if not equals and number + 1 < len(args):
                found.append(args[number + 1])
    return found


def upload(dbt_args: Sequence[str], target_dir: Path, run: Callable[[list[str]], int]) -> int:
    """``dbt run --selector elementary_artifacts`` with the build's target, profile and vars,
    into a target path of its own (with the build's partial-parse file, so that it parses no
    more than the build did). Returns dbt's exit code."""
    upload_dir = target_dir / UPLOAD_TARGET_DIR
    upload_dir.mkdir(parents=True, exist_ok=True)
    partial_parse = target_dir / "partial_parse.msgpack"
    if partial_parse.exists():
        shutil.copy2(partial_parse, upload_dir / partial_parse.name)
    return run(
        [
            "run",
            "--selector",
            ARTIFACTS_SELECTOR,
            "--target-path",
            str(upload_dir),
            *_flag_values(dbt_args[1:], _CARRIED_FLAGS),
        ]
    )
