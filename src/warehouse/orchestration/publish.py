"""Publish what analysts read beside the marts: Elementary's report and the docs site.

A release is written whole into ``<publish_dir>/releases/<clock>-<n>/`` (report.html, and
docs/ with index.html, manifest.json and catalog.json, which `dbt docs serve` or any static
web server serves), then ``<publish_dir>/current`` is switched to it with one atomic rename of a
symbolic link: a reader sees the previous release or the new one, never a half-written one. The
two newest releases are kept, so the previous one can be restored by pointing ``current`` back.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from warehouse.dbt_runner import project_dir, run_dbt
from warehouse.observe import report
from warehouse.orchestration.config import OrchestrationConfig

DOCS_FILES = ("index.html", "manifest.json", "catalog.json")
KEEP = 2


def publish(config: OrchestrationConfig, as_of: str) -> Path:
    """Write a release for the warehouse clock ``as_of`` and make it current; returns it."""
    root = config.publish_dir
    releases = root / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    stamp = re.sub(r"[^0-9]", "", as_of)[:12] or "release"
    number = 1 + sum(1 for p in releases.iterdir() if p.name.startswith(stamp))
    release = releases / f"{stamp}-{number}"
    staging = releases / f".{release.name}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "docs").mkdir(parents=True)
    env = {"WAREHOUSE_AS_OF": as_of}
    # edr writes its logs and data beside the report: only the report is published
    scratch = releases / f".{release.name}.edr"
    report(config.target, output=scratch / "report.html", env=env)
    (scratch / "report.html").rename(staging / "report.html")
    shutil.rmtree(scratch)
    target_dir = staging / "target"
    run_dbt(
        ["docs", "generate", "--target", config.target, "--target-path", str(target_dir)],
        project=project_dir(),
        env=env,
        capture=True,
    )
    for name in DOCS_FILES:
        shutil.copy2(target_dir / name, staging / "docs" / name)
    shutil.rmtree(target_dir)
    staging.rename(release)
    link = root / ".current.tmp"
    link.unlink(missing_ok=True)
    link.symlink_to(Path("releases") / release.name)
    os.replace(link, root / "current")
    for old in sorted(
        (p for p in releases.iterdir() if not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
    )[:-KEEP]:
        shutil.rmtree(old)
    return release
