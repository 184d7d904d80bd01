"""Generate the whole simulated history of both sources for a scale factor and seed.

DuckDB's TPC-H generator (``dbgen``) gives the base data; ``erp`` replays it as a history of
changes with faults, ``web`` derives the portal's clickstream from the same orders. Everything
is vectorised DuckDB SQL and randomness is ``hash(seed, salt, key)``, so a given scale factor
and seed always produce the same records.

Output (``sim_dir``): ``meta.json``, ``erp/<entity>.parquet`` holding every record that will
ever arrive, all business columns as text (as an extract would carry them), plus the arrival
time and the fault annotations that the landing step strips, and ``web/events.parquet``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from warehouse.duck import connect_with_tpch
from warehouse.simulate.dates import CALENDAR_END, HISTORY_START
from warehouse.simulate.erp import FaultConfig, generate_erp
from warehouse.simulate.randomness import define_macros
from warehouse.simulate.sqlfiles import render
from warehouse.simulate.web import EVENTS_FILE, WEB_DIR, WebConfig, generate_web

MEMORY_LIMIT_ENV = "WAREHOUSE_GENERATE_MEMORY_LIMIT"


@dataclass
class SimulationMeta:
    """What ``meta.json`` records about a generated history."""

    scale: float
    seed: int
    faults: dict[str, str]
    history_start: str
    first_arrival: str
    last_arrival: str
    records: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0
    # The web clickstream, when generated: config, lines per kind, faults per kind, seconds.
    web: dict[str, Any] = field(default_factory=dict)


def generate(
    sim_dir: Path,
    scale: float = 0.1,
    seed: int = 42,
    faults: FaultConfig | None = None,
    progress: Callable[[str], None] = print,
    memory_limit: str | None = None,
    web: WebConfig | bool | None = True,
) -> SimulationMeta:
    """Generate the history for a scale factor and seed into ``sim_dir``.

    ``web`` also generates the web clickstream: True (the default) with the default
    ``WebConfig``, a ``WebConfig``, or False/None for the erp source only. DuckDB's memory
    ceiling is ``memory_limit``, else WAREHOUSE_GENERATE_MEMORY_LIMIT, else 6GB (SF 10 needs
    more: 14GB was used on a 24 GB machine).
    """
    memory_limit = memory_limit or os.environ.get(MEMORY_LIMIT_ENV, "6GB")
    faults = faults or FaultConfig()
    faults.validate()
    web_config = WebConfig() if web is True else (web or None)
    if web_config is not None:
        web_config.validate()
    if scale <= 0:
        raise ValueError(f"scale factor must be positive, got {scale}")
    started = time.perf_counter()
    sim_dir.mkdir(parents=True, exist_ok=True)
    # The working tables (dbgen's, every version of every record as text) live in a database
    # file, where DuckDB stores them compressed: in memory, or spilled from memory, they are
    # stored uncompressed, and at SF 10 that filled a 75 GB disk before the order lines were
    # done. The file goes when the history is written.
    work_dir = sim_dir / ".tmp"
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir()
    con = connect_with_tpch(work_dir / "generate.duckdb")
    con.execute("set preserve_insertion_order = false")
    con.execute("set enable_progress_bar = false")
    # Sorting SF 1 order lines in memory takes ~20 GB; cap memory and spill to disk instead.
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute(f"set temp_directory = '{work_dir}'")
    progress(f"dbgen: TPC-H base data at scale factor {scale}")
    con.execute(f"call dbgen(sf={float(scale)})")
    define_macros(con, seed)
    con.execute(
        render(
            "calendar",
            empty_day_rate=faults.empty_day_rate,
            history_start=HISTORY_START,
            calendar_end=CALENDAR_END,
        )
    )
    erp = generate_erp(con, sim_dir / "erp", faults, progress=progress)
    meta = SimulationMeta(
        scale=scale,
        seed=seed,
        faults={k: str(v) for k, v in asdict(faults).items()},
        history_start=str(HISTORY_START),
        first_arrival="",
        last_arrival="",
        records=erp.records,
    )
    first: datetime = erp.first_arrival
    last: datetime = erp.last_arrival
    if web_config is not None:
        # The clickstream of the ordering portal, from the dbgen tables still loaded.
        web_summary = generate_web(con, sim_dir, seed, web_config, progress=progress)
        meta.web = {
            "config": {k: str(v) for k, v in asdict(web_config).items()},
            "lines": web_summary.lines,
            "faults": web_summary.faults,
            "seconds": web_summary.seconds,
        }
        if web_summary.first_arrival is not None and web_summary.last_arrival is not None:
            first = min(first, web_summary.first_arrival)
            last = max(last, web_summary.last_arrival)
    else:
        # No stale clickstream from an earlier generation may be landed with this history.
        (sim_dir / WEB_DIR / EVENTS_FILE).unlink(missing_ok=True)
    con.close()
    shutil.rmtree(work_dir, ignore_errors=True)
    meta.first_arrival = str(first.date())
    meta.last_arrival = str(last.date())
    meta.seconds = round(time.perf_counter() - started, 1)
    (sim_dir / "meta.json").write_text(json.dumps(asdict(meta), indent=2) + "\n")
    progress(
        f"generated history {meta.first_arrival} .. {meta.last_arrival} in {meta.seconds}s "
        f"into {sim_dir}"
    )
    return meta


def load_meta(sim_dir: Path) -> SimulationMeta:
    """Read ``meta.json`` of a generated history, with a clear error when there is none."""
    path = sim_dir / "meta.json"
    if not path.exists():
        raise FileNotFoundError(
            f"no generated history in {sim_dir}: run `warehouse generate --scale SF` first"
        )
    return SimulationMeta(**json.loads(path.read_text()))
