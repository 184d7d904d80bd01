"""Landing zone: writes what has *arrived* since the previous landing as one batch per entity.

Layout::

    <landing_dir>/erp/<entity>/batch=000001/data.parquet
    <landing_dir>/web/events/batch=000001/lines.parquet
    <landing_dir>/_manifest.json

Each erp batch file holds, in arrival order, the business columns as text, ``updated_at`` (the
source system's change time), ``_batch_id`` and ``_arrived_at`` (when the EL tool received the
record). A web batch is the collector's lines in arrival order, each exactly as written
(malformed lines included), nothing added: a Parquet file of one text column, ``raw_line``,
so that every reader numbers a line by its position in the file (``file_row_number``) the way
it numbers an erp record; ``read_web_lines_sql`` reads it back, one row per line. The
manifest lists every batch with its cut-off date (the watermark), when it was landed and
its row counts (``web_events`` for web), and every file of the batch with its path, size,
SHA-256 and rows (lines for web): the readers (dbt's raw views on DuckDB, ``warehouse
load``) read the files the manifest lists and nothing else, and refuse a file that no longer
matches its record (docs/landing.md).

A landing is all or nothing: the batch is written under a temporary name, renamed into place,
and only then recorded in the manifest (itself replaced atomically). A directory of a batch that
never reached the manifest (a crash in between) is removed by the next landing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import duckdb

from warehouse.duck import one_row
from warehouse.simulate import DRIFT_COLUMN, ENTITIES, EVENTS_FILE, WEB_DIR, load_meta

SOURCE = "erp"
# The web clickstream: one entity, its manifest row key, and the file of a batch.
WEB_SOURCE = WEB_DIR
WEB_ENTITY = "events"
WEB_ROWS_KEY = "web_events"
WEB_BATCH_FILE = "lines.parquet"
# Earlier versions landed a web batch as gzip text; its readers cannot number those lines.
LEGACY_WEB_SUFFIX = ".jsonl.gz"
# Columns of the simulator's records that the source system does not send.
SIM_ONLY_COLUMNS = [
    "_kind",
    "_version",
    "_is_final",
    "_late",
    "_out_of_order",
    "_malformed_reason",
]


def read_web_lines_sql(files: str | Path) -> str:
    """SQL reading landed web files (a path or glob) as text lines, malformed ones included.

    Columns ``raw_line`` (exactly as the collector wrote it), ``file_row_number`` (the
    line's position in its file, from 0) and ``filename``.
    """
    return f"read_parquet('{files}', file_row_number = true, filename = true)"


class LandingError(RuntimeError):
    """A landing request that cannot be carried out (the message says why and what to do)."""


INCIDENT_KINDS = ("short", "drop-column", "rename-column", "nulls", "stale")
# The key column of each entity an incident can thin out ("short" keeps a third of the keys).
_INCIDENT_KEYS = {
    "orders": "o_orderkey",
    "lineitem": "l_orderkey",
    "customer": "c_custkey",
    "part": "p_partkey",
    "supplier": "s_suppkey",
    "partsupp": "ps_partkey",
}


@dataclass(frozen=True)
class Incident:
    """A source incident injected into one landed batch, to prove the monitors catch it:

    - ``short:<entity>``: the extract holds a third of the records that arrived (keys whose
      hash is divisible by 3; for orders, the lines of the dropped orders are dropped too);
    - ``drop-column:<entity>.<column>``: the extract lacks the column;
    - ``rename-column:<entity>.<column>``: the extract calls the column ``<column>_renamed``;
    - ``nulls:<entity>.<column>``: the column is empty in every record of the batch;
    - ``stale:<entity>``: nothing arrives for the entity (an empty file).

    The records left out are not landed later: this is what the source sent."""

    kind: str
    entity: str
    column: str | None = None

    @classmethod
    def parse(cls, text: str) -> Incident:
        kind, _, target = text.partition(":")
        entity, _, column = target.partition(".")
        if kind not in INCIDENT_KINDS:
            raise LandingError(
                f"unknown incident {kind!r}: use one of {', '.join(INCIDENT_KINDS)} "
                "(e.g. short:orders, drop-column:orders.o_comment, rename-column:orders.o_comment, "
                "nulls:lineitem.l_extendedprice, stale:part)"
            )
        if entity not in ENTITIES:
            raise LandingError(
                f"incident {text!r} names no entity of the extract: use one of "
                + ", ".join(ENTITIES)
            )
        with_column = ("drop-column", "rename-column", "nulls")
        if (kind in with_column) != bool(column):
            raise LandingError(
                f"incident {text!r}: {kind} "
                + ("needs <entity>.<column>" if kind in with_column else "takes an entity only")
            )
        if kind == "short" and entity not in _INCIDENT_KEYS:
            raise LandingError(f"incident {text!r}: {entity} has no key to thin out")
        return cls(kind, entity, column or None)

    def __str__(self) -> str:
        return f"{self.kind}:{self.entity}" + (f".{self.column}" if self.column else "")

    def filter(self, entity: str) -> str:
        """SQL condition on the records of entity that this incident keeps."""
        if self.kind == "stale" and entity == self.entity:
            return "false"
        if self.kind == "short" and (
            entity == self.entity or (self.entity == "orders" and entity == "lineitem")
        ):
            return f"hash({_INCIDENT_KEYS[entity]}) % 3 = 0"
        return "true"


@dataclass(frozen=True)
class FileRecord:
    """One landed file as the manifest records it: path relative to the landing zone."""

    source: str
    entity: str
    path: str
    bytes: int
    sha256: str
    rows: int

    @property
    def name(self) -> str:
        return f"{self.source}.{self.entity}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def record_file(landing_dir: Path, source: str, entity: str, path: Path, rows: int) -> FileRecord:
    """The manifest record of a file as it is on disk now."""
    return FileRecord(
        source=source,
        entity=entity,
        path=str(path.relative_to(landing_dir)),
        bytes=path.stat().st_size,
        sha256=file_sha256(path),
        rows=rows,
    )


@dataclass
class Batch:
    """One landed batch as the manifest records it.

    ``until`` is the cut-off: the batch holds what arrived after the previous batch's cut-off
    and before ``until`` (ISO timestamp, on the hour). ``through`` is the day of the batch's
    last instant: for a batch cut at midnight the last whole day, for a batch cut within a day
    (an hourly landing) that day, partly landed."""

    batch_id: int
    through: str
    landed_at: str
    rows: dict[str, int]
    seconds: float = 0.0
    incident: str | None = None
    # None: landed before files were recorded (see record_files)
    files: list[FileRecord] | None = None
    # None: landed before cut-offs within a day existed, i.e. at midnight after ``through``
    until: str | None = None

    def __post_init__(self) -> None:
        if self.files is not None:
            self.files = [f if isinstance(f, FileRecord) else FileRecord(**f) for f in self.files]

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def cutoff(self) -> datetime:
        """The exclusive upper bound of the arrivals this batch holds."""
        if self.until is not None:
            return datetime.fromisoformat(self.until)
        return datetime.combine(date.fromisoformat(self.through) + timedelta(days=1), clock())


def day_cutoff(day: date) -> datetime:
    """The cut-off that lands ``day`` whole: midnight after it."""
    return datetime.combine(day + timedelta(days=1), clock())


def through_day(cutoff: datetime) -> date:
    """The day of the last instant before ``cutoff``."""
    return (cutoff - timedelta(microseconds=1)).date()


def _manifest_path(landing_dir: Path) -> Path:
    return landing_dir / "_manifest.json"


def read_manifest(landing_dir: Path) -> list[Batch]:
    """All recorded batches, oldest first (empty when nothing has landed)."""
    path = _manifest_path(landing_dir)
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    batches = [Batch(**b) for b in data["batches"]]
    for batch in batches:
        for record in batch.files or []:
            if record.path.endswith(LEGACY_WEB_SUFFIX):
                raise LandingError(
                    f"{landing_dir} was written by an earlier version of the warehouse: its web "
                    f"batches are gzip files ({record.path}), which this version does not read. "
                    "Land the history again into a new landing directory (the demo: `make "
                    "demo`) and rebuild with `warehouse dbt build --full-refresh`."
                )
    return batches


def _write_manifest(landing_dir: Path, batches: list[Batch]) -> None:
    path = _manifest_path(landing_dir)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"batches": [asdict(b) for b in batches]}, indent=2) + "\n")
    tmp.replace(path)


def record_files(landing_dir: Path, progress: Callable[[str], None] = print) -> int:
    """Record the files of every batch that was landed before the manifest held them (size,
    checksum, rows as they are now); returns the batches it recorded. Batch folders the
    manifest does not list are not recorded."""
    batches = read_manifest(landing_dir)
    upgraded = 0
    for batch in batches:
        if batch.files is not None:
            continue
        batch.files = _batch_file_records(landing_dir, batch.batch_id, batch.rows)
        upgraded += 1
    if upgraded:
        _write_manifest(landing_dir, batches)
        progress(
            f"recorded size, SHA-256 and rows of the files of {upgraded} batches landed "
            "before the manifest held them (taken as they are now)"
        )
    return upgraded


def _batch_file_records(landing_dir: Path, batch_id: int, rows: dict[str, int]) -> list[FileRecord]:
    folder = f"batch={batch_id:06d}"
    records = []
    for entity in ENTITIES:
        path = landing_dir / SOURCE / entity / folder / "data.parquet"
        if path.exists():
            records.append(record_file(landing_dir, SOURCE, entity, path, rows.get(entity, 0)))
    web = landing_dir / WEB_SOURCE / WEB_ENTITY / folder / WEB_BATCH_FILE
    if web.exists():
        records.append(
            record_file(landing_dir, WEB_SOURCE, WEB_ENTITY, web, rows.get(WEB_ROWS_KEY, 0))
        )
    return records


def watermark(landing_dir: Path) -> date | None:
    """The day the newest batch reaches (see Batch.through), or None before the first
    landing."""
    batches = read_manifest(landing_dir)
    return date.fromisoformat(batches[-1].through) if batches else None


def landed_until(landing_dir: Path) -> datetime | None:
    """The cut-off of the newest batch: everything that arrived before it has landed (None
    before the first landing)."""
    batches = read_manifest(landing_dir)
    return batches[-1].cutoff if batches else None


def hour_cutoff(text: str) -> datetime:
    """An hourly cut-off from its ISO text, e.g. '1998-06-01T14:00' or Airflow's
    '1998-06-01T14:00:00+00:00' (converted to UTC, the clock of the arrivals); it must fall on
    the hour."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise LandingError(
            f"cut-off {text!r} is not a timestamp: write it as YYYY-MM-DDTHH:00, e.g. "
            "1998-06-01T14:00 (UTC)"
        ) from exc
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    if (value.minute, value.second, value.microsecond) != (0, 0, 0):
        raise LandingError(
            f"cut-off {text!r} is not on the hour: batches are cut at whole hours "
            f"(e.g. {value.replace(minute=0, second=0, microsecond=0).isoformat()})"
        )
    return value


def _remove_unrecorded(
    landing_dir: Path, recorded: set[int], progress: Callable[[str], None]
) -> None:
    entity_dirs = [*(landing_dir / SOURCE).glob("*"), *(landing_dir / WEB_SOURCE).glob("*")]
    for entity_dir in entity_dirs:
        for batch_dir in entity_dir.glob("batch=*"):
            name = batch_dir.name.removeprefix("batch=")
            if name.endswith(".tmp") or int(name) not in recorded:
                progress(
                    f"removing {batch_dir}: not recorded in the manifest (interrupted landing)"
                )
                shutil.rmtree(batch_dir)


def land(
    sim_dir: Path,
    landing_dir: Path,
    through: date | None = None,
    next_day: bool = False,
    progress: Callable[[str], None] = print,
    incident: Incident | None = None,
    until: datetime | None = None,
) -> Batch | None:
    """Land everything that arrived after the current cut-off up to the end of ``through``,
    or, for micro-batches within a day, up to ``until`` (exclusive, on the hour: see
    hour_cutoff).

    With ``next_day`` the cut-off is the end of the day after the last whole day landed (after
    an hourly landing: the end of that day). Returns the new batch, or None when the call lands
    nothing new (the same cut-off again: nothing changes). An ``incident`` changes what this
    batch holds (see Incident); the manifest records it.
    """
    meta = load_meta(sim_dir)
    batches = read_manifest(landing_dir)
    current = batches[-1].cutoff if batches else None
    if sum(x is not None and x is not False for x in (through, until, next_day)) > 1:
        raise LandingError("give one of --through DATE, --until TIMESTAMP or --next")
    if next_day:
        if current is None:
            raise LandingError(
                "nothing has landed yet, so there is no next day: start with "
                "`warehouse land --through DATE`"
            )
        through = through_day(current) if current.time() != clock() else current.date()
    if through is not None:
        until = day_cutoff(through)
    if until is None:
        raise LandingError("say how far to land: --through DATE, --until TIMESTAMP or --next")
    until = hour_cutoff(until.isoformat())
    shown = _cutoff_text(until)
    if current is not None and until < current:
        raise LandingError(
            f"refusing to land backwards: data has landed {_cutoff_text(current)}, and {shown} "
            "is earlier. Landing is append-only; give a cut-off after the watermark, or start "
            "over with a new landing directory."
        )
    if current is not None and until == current:
        progress(f"already landed {shown}: nothing to do")
        return None

    landing_dir.mkdir(parents=True, exist_ok=True)
    _remove_unrecorded(landing_dir, {b.batch_id for b in batches}, progress)
    if record_files(landing_dir, progress):
        batches = read_manifest(landing_dir)
    batch_id = batches[-1].batch_id + 1 if batches else 1
    batch = _write_batch(sim_dir, landing_dir, batch_id, current, until, incident)
    _write_manifest(landing_dir, [*batches, batch])
    if incident is not None:
        progress(f"incident injected into batch {batch_id}: {incident}")
    progress(
        f"landed batch {batch_id} {shown}: {batch.total_rows:,} rows "
        f"({', '.join(f'{e} {n:,}' for e, n in batch.rows.items())}) in {batch.seconds}s"
    )
    if through_day(until).isoformat() >= meta.last_arrival:
        progress(f"the whole history has landed (last arrival {meta.last_arrival})")
    return batch


def _cutoff_text(cutoff: datetime) -> str:
    """'through 1998-06-01' for a cut-off at midnight, else 'until 1998-06-01T14:00'."""
    if cutoff.time() == clock():
        return f"through {through_day(cutoff)}"
    return f"until {cutoff.isoformat(timespec='minutes')}"


def redeliver(sim_dir: Path, landing_dir: Path, progress: Callable[[str], None] = print) -> Batch:
    """The source sends the newest batch again, whole and as it should have been (no
    incident): its files are rewritten and its manifest record replaced. For a batch that a
    reader refused (damaged, cut short, a column missing); a batch that was already read
    cannot be replaced (the readers refuse a file whose content changed after they read it):
    what changes after that arrives in a new batch."""
    batches = read_manifest(landing_dir)
    if not batches:
        raise LandingError(f"nothing has landed in {landing_dir}: there is no batch to re-send")
    last = batches[-1]
    previous = batches[-2].cutoff if len(batches) > 1 else None
    batch = _write_batch(sim_dir, landing_dir, last.batch_id, previous, last.cutoff, None)
    _write_manifest(landing_dir, [*batches[:-1], batch])
    progress(
        f"batch {last.batch_id} {_cutoff_text(last.cutoff)} delivered again: "
        f"{batch.total_rows:,} "
        f"rows ({', '.join(f'{e} {n:,}' for e, n in batch.rows.items())})"
    )
    return batch


def _write_batch(
    sim_dir: Path,
    landing_dir: Path,
    batch_id: int,
    current: datetime | None,
    until: datetime,
    incident: Incident | None,
) -> Batch:
    """Write the files of one batch (what arrived from cut-off ``current`` to cut-off
    ``until``) and return its manifest record; an existing batch of that number is
    replaced."""
    meta = load_meta(sim_dir)
    lower = f"_arrived_at >= timestamp '{current}'" if current else "true"
    upper = f"_arrived_at < timestamp '{until}'"
    through = through_day(until)
    drift_date = meta.faults["drift_date"]
    started = time.perf_counter()
    arrived_at = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    if incident is not None and incident.column is not None:
        source = sim_dir / SOURCE / f"{incident.entity}.parquet"
        columns = {
            row[0]
            for row in con.execute(f"describe select * from read_parquet('{source}')").fetchall()
        } - set(SIM_ONLY_COLUMNS)
        if incident.column not in columns:
            con.close()
            raise LandingError(
                f"incident {incident}: {incident.entity} has no column {incident.column!r} "
                f"(it has {', '.join(sorted(columns))})"
            )
    rows: dict[str, int] = {}
    moves: list[tuple[Path, Path]] = []
    for entity in ENTITIES:
        source = sim_dir / SOURCE / f"{entity}.parquet"
        exclude = list(SIM_ONLY_COLUMNS)
        # The drift column exists in the extract only from the drift date on.
        if entity == "orders" and through < date.fromisoformat(drift_date):
            exclude.append(DRIFT_COLUMN)
        final_dir = landing_dir / SOURCE / entity / f"batch={batch_id:06d}"
        tmp_dir = final_dir.with_name(final_dir.name + ".tmp")
        tmp_dir.mkdir(parents=True, exist_ok=True)
        keep, replace = "true", ""
        if incident is not None:
            keep = incident.filter(entity)
            if incident.entity == entity and incident.kind == "drop-column" and incident.column:
                exclude.append(incident.column)
            if incident.entity == entity and incident.kind == "nulls":
                replace = f" replace (cast(null as varchar) as {incident.column})"
            if incident.entity == entity and incident.kind == "rename-column":
                replace = f" rename ({incident.column} as {incident.column}_renamed)"
        con.execute(
            f"""
            copy (
                select * exclude ({", ".join(exclude)}){replace},
                    cast({batch_id} as bigint) as _batch_id
                from read_parquet('{source}')
                where {lower} and {upper} and {keep}
            ) to '{tmp_dir / "data.parquet"}' (format parquet, compression zstd)
            """
        )
        (count,) = one_row(con, f"select count(*) from read_parquet('{tmp_dir / 'data.parquet'}')")
        rows[entity] = int(count)
        moves.append((tmp_dir, final_dir))
        _refuse_oversized(tmp_dir / "data.parquet", f"{SOURCE}.{entity}", current, until, moves)
    web_source = sim_dir / WEB_SOURCE / EVENTS_FILE
    if web_source.exists():
        final_dir = landing_dir / WEB_SOURCE / WEB_ENTITY / f"batch={batch_id:06d}"
        tmp_dir = final_dir.with_name(final_dir.name + ".tmp")
        tmp_dir.mkdir(parents=True, exist_ok=True)
        # Only the line text, in the simulator's arrival order (DuckDB keeps a scan's order
        # through COPY while preserve_insertion_order is on, its default); written even when
        # empty, so every batch has a file.
        (count,) = one_row(
            con,
            f"""
            copy (
                select raw_line from read_parquet('{web_source}')
                where {lower} and {upper}
            ) to '{tmp_dir / WEB_BATCH_FILE}' (format parquet, compression zstd)
            """,
        )
        rows[WEB_ROWS_KEY] = int(count)
        moves.append((tmp_dir, final_dir))
        _refuse_oversized(
            tmp_dir / WEB_BATCH_FILE, f"{WEB_SOURCE}.{WEB_ENTITY}", current, until, moves
        )
    con.close()
    for tmp_dir, final_dir in moves:
        if final_dir.exists():
            shutil.rmtree(final_dir)
        tmp_dir.rename(final_dir)
    batch = Batch(
        files=_batch_file_records(landing_dir, batch_id, rows),
        batch_id=batch_id,
        through=str(through),
        until=until.isoformat(timespec="minutes"),
        landed_at=arrived_at,
        rows=rows,
        seconds=round(time.perf_counter() - started, 2),
        incident=str(incident) if incident else None,
    )
    return batch


# DuckDB's on-run-start check hashes each new landed file by reading it whole (read_blob),
# which it cannot do for a file of 4 GiB or more; a batch keeps every file below this.
MAX_FILE_BYTES = int(3.5 * 2**30)


def _refuse_oversized(
    path: Path,
    name: str,
    current: datetime | None,
    until: datetime,
    written: list[tuple[Path, Path]],
) -> None:
    """Raise LandingError, removing the batch's files written so far, when ``path`` is larger
    than MAX_FILE_BYTES: the range must be landed in smaller steps."""
    size = path.stat().st_size
    if size <= MAX_FILE_BYTES:
        return
    for tmp_dir, _ in written:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    since = f"from {current.isoformat(sep=' ')} " if current else ""
    raise LandingError(
        f"refusing to land {since}until {until.isoformat(sep=' ')} as one batch: {name} would "
        f"be a {size / 2**30:.1f} GiB file, and DuckDB verifies a landed file by reading it "
        f"whole, which it cannot do from 4 GiB on (this landing keeps files under "
        f"{MAX_FILE_BYTES / 2**30:.1f} GiB). Land the range in smaller steps, e.g. a year at "
        "a time (--through YYYY-12-31, then the next year). Nothing was landed."
    )


def status(sim_dir: Path, landing_dir: Path) -> str:
    """A readable summary of what has landed: batches, rows per entity, watermark."""
    lines = []
    try:
        meta = load_meta(sim_dir)
        lines.append(
            f"simulated history: scale factor {meta.scale}, seed {meta.seed}, "
            f"arrivals {meta.first_arrival} .. {meta.last_arrival} ({sim_dir})"
        )
    except FileNotFoundError as exc:
        lines.append(str(exc))
        meta = None
    batches = read_manifest(landing_dir)
    if not batches:
        lines.append(f"nothing has landed in {landing_dir}")
        return "\n".join(lines)
    lines.append(f"landing zone: {landing_dir}")
    lines.append(f"watermark: {_label(batches[-1])} ({len(batches)} batches)")
    columns = [*ENTITIES, WEB_ROWS_KEY]
    width = {e: max(9, len(e)) for e in columns}
    header = f"{'batch':>6} {'through':>16} {'landed at (UTC)':>19} " + " ".join(
        f"{e:>{width[e]}}" for e in columns
    )
    lines.append(header)
    for b in batches:
        lines.append(
            f"{b.batch_id:>6} {_label(b):>16} {b.landed_at:>19} "
            + " ".join(f"{b.rows.get(e, 0):>{width[e]},}" for e in columns)
        )
    totals = {e: sum(b.rows.get(e, 0) for b in batches) for e in columns}
    lines.append(
        f"{'total':>6} {'':>16} {'':>19} " + " ".join(f"{totals[e]:>{width[e]},}" for e in columns)
    )
    if meta is not None and batches[-1].cutoff < day_cutoff(date.fromisoformat(meta.last_arrival)):
        since = batches[-1].cutoff.isoformat(sep=" ", timespec="minutes")
        lines.append(f"still to land: arrivals from {since} on (land --next)")
    return "\n".join(lines)


def _label(batch: Batch) -> str:
    """A batch's cut-off as the status table shows it: the day for a batch cut at midnight,
    else the hour it was cut at (before that hour)."""
    if batch.cutoff.time() == clock():
        return batch.through
    return "< " + batch.cutoff.isoformat(sep=" ", timespec="minutes")
