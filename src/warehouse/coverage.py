"""Documentation and test coverage of the project's models, sources, snapshots and seeds,
measured by dbt-coverage on the docs artifacts (catalog.json: the columns the built tables
really have; manifest.json: what is documented and tested).

Three figures, each compared with the level recorded in coverage/ (committed): column
documentation of everything, column documentation of the marts (held at 100%), and column
test coverage. A figure below its record fails; `warehouse coverage --record` raises the
record after an improvement."""

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
    floor: float | None

    @property
    def rate(self) -> float:
        return self.covered / self.total if self.total else 1.0

    @property
    def failures(self) -> list[str]:
        problems = []
        if self.floor is not None and self.rate < self.floor:
            problems.append(f"{self.name}: {self.rate:.1%} is below the required {self.floor:.0%}")
        # a hair of tolerance: the rate is a ratio of integers, stored as JSON floats
        if self.recorded is not None and self.rate < self.recorded - 1e-9:
            problems.append(
                f"{self.name}: {self.rate:.1%} is below the recorded {self.recorded:.1%} "
                f"(coverage/{self.name}.json): document or test the new columns"
            )
        return problems

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
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0 or not report.exists():
            raise CoverageError(f"dbt-coverage {kind} failed:\n{result.stdout}{result.stderr}")
        covered, total = _report_rate(report)
        recorded_file = record_dir / f"{name}.json"
        recorded = None
        if recorded_file.exists():
            rec_covered, rec_total = _report_rate(recorded_file)
            recorded = rec_covered / rec_total if rec_total else 1.0
        figures.append(Figure(name, covered, total, recorded, floor))
    return figures


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
