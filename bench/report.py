"""What `make bench` keeps of a run: one JSON record, a printed table and PNG plots.

A record holds the run's scale factor, machine, date and command, and per step its wall and
CPU seconds, the landed records it processed and, for dbt steps, each node's seconds and
Elementary's share. The plots are drawn from the records in the results folder:
  cpu_by_step-sf<scale>.png     CPU seconds of each step (wall beside it)
  costliest_nodes-sf<scale>.png the 15 costliest nodes of the whole-history and one-day builds
  cpu_per_record.png            CPU seconds per landed record of the whole-history build,
                                across every scale factor with a record
"""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
WHOLE_HISTORY = "dbt build (whole history)"
ONE_DAY = "dbt build (one new day)"


@dataclass
class Step:
    label: str
    wall: float
    cpu: float
    rows: int | None = None
    # dbt steps: seconds per node (run_results.json) and Elementary's part of them
    nodes: dict[str, float] = field(default_factory=dict)
    elementary_seconds: float | None = None

    @property
    def rows_per_second(self) -> float | None:
        return self.rows / self.wall if self.rows and self.wall > 0 else None


@dataclass
class Record:
    scale: float
    engine: str
    elementary: bool
    started_at: str
    machine: dict[str, object]
    command: str
    steps: list[Step] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)

    @classmethod
    def start(cls, scale: float, engine: str, elementary: bool) -> Record:
        return cls(
            scale=scale,
            engine=engine,
            elementary=elementary,
            started_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            machine=machine(),
            command=" ".join(["python", *sys.argv]),
        )

    def step(self, label: str, engine: str | None = None) -> Step | None:
        """The step of that label (of the engine's build: "[duckdb] dbt build (...)")."""
        full = f"[{engine or self.engines[0]}] {label}" if label.startswith("dbt ") else label
        return next((step for step in self.steps if step.label == full), None)

    @property
    def engines(self) -> list[str]:
        return self.engine.split("+")

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = self.started_at.replace(":", "").replace("-", "")
        path = folder / f"{stamp}-sf{self.scale:g}-{self.engine}.json"
        path.write_text(json.dumps(asdict(self), indent=1) + "\n")
        return path


def machine() -> dict[str, object]:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "host": platform.node(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "python": platform.python_version(),
        "load_at_start": os.getloadavg()[0],
    }


def read_records(folder: Path) -> list[Record]:
    records = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        steps = [Step(**step) for step in data.pop("steps")]
        records.append(Record(**data, steps=steps))
    return records


def print_table(record: Record) -> None:
    """One line per step: wall, CPU, rows, rows per second; Elementary's share of dbt steps."""
    print(f"\n{'step':<44} {'wall s':>9} {'CPU s':>9} {'rows':>13} {'rows/s':>11}")
    for step in record.steps:
        rows = f"{step.rows:,}" if step.rows is not None else ""
        rate = f"{step.rows_per_second:,.0f}" if step.rows_per_second else ""
        print(f"{step.label:<44} {step.wall:>9.1f} {step.cpu:>9.1f} {rows:>13} {rate:>11}")
        if step.elementary_seconds is not None and step.nodes:
            total = sum(step.nodes.values())
            share = step.elementary_seconds / total if total else 0.0
            print(
                f"{'  of which Elementary (node seconds)':<44} {step.elementary_seconds:>9.1f}"
                f"{'':>10} {share:>12.0%} of {total:.1f} node s"
            )


def plot(records: list[Record], record: Record, folder: Path) -> list[Path]:
    """The run's plots (CPU by step, costliest nodes) and the scaling plot over records."""
    import matplotlib

    matplotlib.use("Agg")
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _plot_steps(record, folder),
        _plot_nodes(record, folder),
        _plot_scaling(records, record.engines[0], folder),
    ]


def _title(record: Record) -> str:
    elementary = "Elementary on" if record.elementary else "Elementary off"
    return (
        f"SF {record.scale:g}, {record.engine}, {elementary}, {record.started_at[:10]}, "
        f"{record.machine['cores']} cores"
    )


def _plot_steps(record: Record, folder: Path) -> Path:
    import matplotlib.pyplot as plt

    steps = [step for step in record.steps if step.cpu >= 0.05]
    fig, axis = plt.subplots(figsize=(9, 0.45 * len(steps) + 1.5))
    positions = range(len(steps))
    axis.barh([p + 0.2 for p in positions], [s.cpu for s in steps], 0.4, label="CPU s")
    axis.barh([p - 0.2 for p in positions], [s.wall for s in steps], 0.4, label="wall s")
    axis.set_yticks(list(positions), [s.label for s in steps])
    axis.invert_yaxis()
    axis.set_xlabel("seconds")
    axis.set_title(f"Steps: {_title(record)}", fontsize=9)
    axis.legend()
    return _save(fig, folder / f"cpu_by_step-sf{record.scale:g}-{record.engine}.png")


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _plot_nodes(record: Record, folder: Path) -> Path:
    import matplotlib.pyplot as plt

    builds = [
        step
        for engine in record.engines
        for step in (record.step(WHOLE_HISTORY, engine), record.step(ONE_DAY, engine))
        if step and step.nodes
    ]
    columns = min(len(builds), 2) or 1
    rows = max((len(builds) + 1) // 2, 1)
    fig, axes = plt.subplots(rows, columns, figsize=(6.5 * columns, 5 * rows), squeeze=False)
    for axis, step in zip(axes.flat, builds, strict=False):
        top = sorted(step.nodes.items(), key=lambda kv: -kv[1])[:15]
        axis.barh([_short(name) for name, _ in top], [seconds for _, seconds in top])
        axis.invert_yaxis()
        axis.tick_params(axis="y", labelsize=7)
        axis.set_xlabel("node seconds")
        axis.set_title(step.label, fontsize=9)
    fig.suptitle(f"The 15 costliest nodes: {_title(record)}", fontsize=9)
    return _save(fig, folder / f"costliest_nodes-sf{record.scale:g}-{record.engine}.png")


def _short(unique_id: str) -> str:
    """A node's name without its resource type and package, cut to 48 characters."""
    kind, _, name = unique_id.split(".", 2)
    label = f"{name} ({kind})"
    return label if len(label) <= 48 else label[:45] + "..."


def _plot_scaling(records: list[Record], engine: str, folder: Path) -> Path:
    """CPU seconds per landed record of the engine's whole-history build, the newest record
    of each scale factor (records are read oldest first)."""
    import matplotlib.pyplot as plt

    newest: dict[float, Step] = {}
    for record in records:
        step = record.step(WHOLE_HISTORY, engine) if engine in record.engines else None
        if step and step.rows:
            newest[record.scale] = step
    points = sorted(
        (scale, step.cpu / step.rows * 1e6) for scale, step in newest.items() if step.rows
    )
    fig, axis = plt.subplots(figsize=(7, 4))
    axis.plot([s for s, _ in points], [c for _, c in points], marker="o")
    for scale, cpu in points:
        axis.annotate(f"{cpu:.1f}", (scale, cpu), textcoords="offset points", xytext=(4, 4))
    axis.set_xscale("log")
    axis.set_ylim(bottom=0)
    axis.set_xlabel("scale factor")
    axis.set_ylabel("CPU microseconds per landed record")
    axis.set_title(f"Whole-history build ({engine}): CPU per landed record", fontsize=9)
    return _save(fig, folder / f"cpu_per_record-{engine}.png")
