"""Checks a landed batch against its manifest record before a loader reads it.

The same rules as the DuckDB raw views' check (``verify_landed_files``, macros/landing/), for
readers written in Python (``warehouse load``): only the files the manifest lists are read; a
listed file that is missing, of another size or content (SHA-256) or row count than recorded, or
an erp extract without a column its source declares (the column contract in the sources YAML),
refuses the batch with a message naming batch, file and difference; a file with the content of
an earlier batch's file of the same table (a re-sent file) is skipped. See docs/landing.md."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from warehouse.dbt_runner import project_dir
from warehouse.duck import one_row
from warehouse.landing import WEB_SOURCE, Batch, FileRecord, file_sha256, read_web_lines_sql

# Columns a reader finds in a landed Parquet file that no extract sends.
_READER_COLUMNS = {"duckdb_schema"}


class LandingMismatch(RuntimeError):
    """The landing zone does not match its manifest; the message lists every difference."""


@dataclass
class BatchCheck:
    """What a reader may read of one batch: the files to read, the files skipped as
    re-sent copies (file, batch of the original), and the problems that refuse it."""

    batch_id: int
    readable: list[FileRecord] = field(default_factory=list)
    duplicates: list[tuple[FileRecord, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ColumnContract:
    """The columns a source table's landed files must have (required) and all it names."""

    required: frozenset[str]
    named: frozenset[str]


def declared_columns(project: Path | None = None) -> dict[str, ColumnContract]:
    """The column contract of each source table ('erp.orders'): the `columns` of the sources
    YAML; those with `meta: {optional: true}` may be absent."""
    contract: dict[str, ColumnContract] = {}
    for path in sorted(((project or project_dir()) / "models").rglob("_*__sources.yml")):
        document = yaml.safe_load(path.read_text()) or {}
        for source in document.get("sources", []):
            for table in source.get("tables", []):
                name = f"{source['name']}.{table['name']}"
                keys = (table.get("meta") or {}).get("json_keys")
                columns = table.get("columns", [])
                if keys:  # a file of JSON lines: the keys its lines carry
                    required = frozenset(keys.get("required", []))
                    contract[name] = ColumnContract(
                        required, required | frozenset(keys.get("optional", []))
                    )
                elif columns:
                    contract[name] = ColumnContract(
                        required=frozenset(
                            c["name"] for c in columns if not (c.get("meta") or {}).get("optional")
                        ),
                        named=frozenset(c["name"] for c in columns),
                    )
    return contract


def _rows(path: Path) -> int:
    with duckdb.connect() as con:
        return int(one_row(con, f"select num_rows from parquet_file_metadata('{path}')")[0])


def _columns(path: Path, source: str) -> set[str]:
    """The columns of an erp file, or the JSON keys that the lines of a web file carry."""
    with duckdb.connect() as con:
        if source == WEB_SOURCE:
            names = con.execute(
                "select distinct unnest(json_keys(raw_line)) "
                f"from {read_web_lines_sql(path)} where json_valid(raw_line)"
            ).fetchall()
        else:
            names = con.execute(f"select name from parquet_schema('{path}')").fetchall()
    return {name for (name,) in names} - _READER_COLUMNS


def check_batch(
    landing_dir: Path,
    batch: Batch,
    earlier: Iterable[Batch],
    contract: dict[str, ColumnContract],
) -> BatchCheck:
    """Check one batch's files against the manifest (earlier: the batches before it)."""
    check = BatchCheck(batch.batch_id)
    if batch.files is None:
        check.problems.append(
            f"batch {batch.batch_id}: the manifest does not record its files (landed by an "
            "earlier version): run `warehouse land --record-files` to record them as they are"
        )
        return check
    seen = {
        (record.name, record.sha256): previous.batch_id
        for previous in earlier
        for record in previous.files or []
        if record.rows > 0
    }
    for record in batch.files:
        path = landing_dir / record.path
        where = f"{record.name}, batch {batch.batch_id} ({path})"
        if not path.exists():
            check.problems.append(f"{where}: the file is missing")
            continue
        size = path.stat().st_size
        if size != record.bytes:
            check.problems.append(
                f"{where}: it has {size} bytes, the manifest records {record.bytes} "
                "(cut short or replaced)"
            )
            continue
        actual = file_sha256(path)
        if actual != record.sha256:
            check.problems.append(
                f"{where}: its SHA-256 is {actual}, the manifest records {record.sha256} "
                "(the content changed after landing)"
            )
            continue
        rows = _rows(path)
        if rows != record.rows:
            check.problems.append(
                f"{where}: it holds {rows} rows, the manifest records {record.rows}"
            )
            continue
        if record.name in contract:
            found = _columns(path, record.source)
            columns = contract[record.name]
            undeclared = ", ".join(sorted(found - columns.named)) or "none"
            # a web file whose lines are none of them JSON is left to the quarantine
            for column in sorted(columns.required - found) if found else []:
                check.problems.append(
                    f"{where}: declared column {column} is missing (missing_column:{column}); "
                    f"the file has columns the contract does not name: {undeclared}"
                )
        original = seen.get((record.name, record.sha256)) if record.rows > 0 else None
        if original is not None:
            check.duplicates.append((record, original))
        else:
            check.readable.append(record)
    return check


def refusal(landing_dir: Path, problems: list[str]) -> str:
    """The message of a refused landing zone."""
    return (
        f"the landing zone {landing_dir} does not match its manifest, so the batch was not "
        "read:\n"
        + "\n".join(f"  - {problem}" for problem in problems)
        + "\nRepair the files (have the source send the batch again, or restore it) and run "
        "again: the batch is then read whole. See docs/operations.md, 'A landed file is "
        "refused'."
    )
