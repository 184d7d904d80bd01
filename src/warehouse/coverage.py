"""Documentation and test coverage of the project's models, sources, snapshots and seeds,
measured by dbt-coverage on the docs artifacts (catalog.json: the columns the built tables
really have; manifest.json: what is documented and tested).

Three figures, each held at the level recorded in coverage/ (committed): column documentation
of everything, column documentation of the marts (held at 100% whatever the record says), and
column test coverage. dbt-coverage itself gates each figure (`--cov-fail-under`, given the
recorded level); `warehouse coverage --record` raises the record after an improvement.

dbt-coverage's `--cov-fail-compare REPORT` would read the record directly, but in 0.5.0 it
fails with a TypeError whatever the figures (its fail_compare calls compare_reports without
the output format), so the recorded level is passed as the threshold instead."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from warehouse.dbt_runner import project_dir, venv_executable

# the recorded levels, in the project
RECORD_SUBDIR = "coverage"
# The project's own resources: dbt-coverage also sees the packages' models (Elementary's
# live under models/edr), whose paths do not start with these.
OWN_PATHS = ["models/staging", "models/intermediate", "models/marts", "snapshots/", "seeds/"]
MEASURES = {
    # name: (dbt-coverage kind, path prefixes, level that must hold whatever the record says)
    "doc": ("doc", OWN_PATHS, None),
    "doc-marts": ("doc", ["models/marts"], 1.0),
    "test": ("test", OWN_PATHS, None),
}


class CoverageError(RuntimeError):
    pass


@dataclass(frozen=True)
class Figure:
    name: str
    covered: int
    total: int
    recorded: float | None
    # the level dbt-coverage was asked to hold (the record, or the floor if higher), and its
    # verdict: the message it failed with, None when the figure holds
    required: float | None
    failure: str | None = None

    @property
    def rate(self) -> float:
        return self.covered / self.total if self.total else 1.0

    @property
    def failures(self) -> list[str]:
        if self.failure is None:
            return []
        return [
            f"{self.name}: {self.failure} (coverage/{self.name}.json records "
            f"{'none' if self.recorded is None else format(self.recorded, '.1%')}): document or "
            "test the new columns"
        ]

    def line(self) -> str:
        recorded = "none" if self.recorded is None else f"{self.recorded:.1%}"
        return (
            f"{self.name:<10} {self.covered:>5} / {self.total:<5} columns = {self.rate:6.1%}"
            f"   (recorded {recorded})"
        )


def _report_rate(report: Path) -> tuple[int, int]:
    data = json.loads(report.read_text())
    return int(data["covered"]), int(data["total"])


def measure(artifacts_dir: Path, output_dir: Path, record_dir: Path | None = None) -> list[Figure]:
    """Runs dbt-coverage for each measure on the artifacts of `dbt docs generate` in
    artifacts_dir, writes its reports to output_dir, and returns the figures with their
    recorded levels (in record_dir, default the project's coverage/)."""
    project = project_dir()
    record_dir = record_dir or project / RECORD_SUBDIR
    for name in ("catalog.json", "manifest.json"):
        if not (artifacts_dir / name).exists():
            raise CoverageError(
                f"no {name} in {artifacts_dir}: run `dbt docs generate` on a built warehouse "
                "first (`make coverage` does)"
            )
    output_dir.mkdir(parents=True, exist_ok=True)
    figures = []
    for name, (kind, paths, floor) in MEASURES.items():
        report = output_dir / f"{name}.json"
        recorded_file = record_dir / f"{name}.json"
        recorded = None
        if recorded_file.exists():
            rec_covered, rec_total = _report_rate(recorded_file)
            recorded = rec_covered / rec_total if rec_total else 1.0
        levels = [level for level in (recorded, floor) if level is not None]
        required = max(levels) if levels else None
        command = [
            venv_executable("dbt-coverage"),
            "compute",
            kind,
            "--project-dir",
            str(project),
            "--run-artifacts-dir",
            str(artifacts_dir),
            "--cov-report",
            str(report),
        ]
        for path in paths:
            command += ["--model-path-filter", path]
        if required is not None:
            command += ["--cov-fail-under", repr(required)]
        report.unlink(missing_ok=True)
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        verdict = _gate_verdict(result.stdout + result.stderr)
        if not report.exists() or (result.returncode != 0 and verdict is None):
            raise CoverageError(f"dbt-coverage {kind} failed:\n{result.stdout}{result.stderr}")
        covered, total = _report_rate(report)
        figures.append(Figure(name, covered, total, recorded, required, verdict))
    return figures


def _gate_verdict(output: str) -> str | None:
    """dbt-coverage's message when a figure is below --cov-fail-under (it ends in a
    traceback whose last line is `RuntimeError: Measured coverage ... lower than ...`)."""
    for line in reversed(output.splitlines()):
        if "lower than min required coverage" in line:
            return line.split("RuntimeError:", 1)[-1].strip()
    return None


def record(output_dir: Path, record_dir: Path | None = None) -> None:
    """Makes the reports in output_dir the recorded levels (default: the project's
    coverage/)."""
    record_dir = record_dir or project_dir() / RECORD_SUBDIR
    record_dir.mkdir(parents=True, exist_ok=True)
    for name in MEASURES:
        # one table per line, so that a diff of the record shows which table moved
        data = json.loads((output_dir / f"{name}.json").read_text())
        tables = data.pop("tables", [])
        lines = [json.dumps(table, separators=(",", ":")) for table in tables]
        text = json.dumps(data)[:-1] + ', "tables": [\n' + ",\n".join(lines) + "\n]}\n"
        (record_dir / f"{name}.json").write_text(text)
