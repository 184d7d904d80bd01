"""Loads landed batches into PostgreSQL's ``raw`` schema, each batch exactly once.

PostgreSQL cannot read the landed Parquet files itself, so the team engine gets
them copied into tables: ``raw.erp_<entity>`` (the extract's columns as landed: text, plus
``updated_at``, ``_arrived_at``, ``_batch_id`` and ``file_row_number``, the record's position
in its file from 0, as DuckDB's view of the landed files has it) and ``raw.web_events`` (one
text column ``raw_line`` per collector line, as landed, plus ``_batch_id`` and the line's
``file_row_number``).

``raw.web_events`` is a view. The lines are stored in ``raw.web_event_chunks``, 1,000 lines of
a batch per row joined by newlines, so that PostgreSQL compresses them (lz4): one collector
line (about 600 bytes) is below the size at which PostgreSQL compresses a value at all, so a
table of one line per row kept the clickstream uncompressed, 19 GB at scale factor 1. The view
splits the chunks back into lines (text, exactly as landed; an empty line reads as null, as it
did in the line table), numbers each line by its position in its file (chunk ``k`` holds the
lines ``1000 k`` to ``1000 k + 999``, copied in file order) and a filter on ``_batch_id``
reaches the chunk table, so a model that reads new batches only decompresses those.

Verified first: the loader reads only the files the manifest lists, each checked against its
record (size, SHA-256, rows, the column contract; ``warehouse.verify``). A batch that does not
match is refused whole, naming file and difference, and is loaded whole once repaired; a file
with the content of an earlier batch's file (a re-sent file) is skipped and logged as a
duplicate.

Exactly once: each batch is loaded in one transaction that copies all of its files and records
them in ``raw._load_log``. A loader killed half-way rolls back with its connection, so the
batch is loaded whole by the next run; the log is read under a transaction-scoped advisory
lock, so a second loader started at the same time waits, then sees the batch recorded and
skips it. A file whose copied row count differs from the manifest rolls its batch back.

Fast: DuckDB reads each file and streams it as CSV through a pipe into PostgreSQL's
``COPY ... FROM STDIN`` (no row-by-row inserts, no temporary files).

Connection settings come from the standard libpq variables ``PGHOST``, ``PGPORT``,
``PGUSER``, ``PGPASSWORD`` and ``PGDATABASE`` (defaults: 127.0.0.1, 5432, postgres, no
password, warehouse). The database is created when it does not exist.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg2
import psycopg2.errors
from psycopg2.extensions import connection, cursor, make_dsn

from warehouse.landing import (
    WEB_SOURCE,
    Batch,
    FileRecord,
    read_manifest,
    read_web_lines_sql,
)
from warehouse.verify import check_batch, declared_columns, refusal

RAW_SCHEMA = "raw"
LOAD_LOG = "_load_log"
WEB_VIEW = "web_events"
WEB_CHUNKS = "web_event_chunks"
LINES_PER_CHUNK = 1_000
# Key of the advisory lock that serialises loaders (any fixed number all loaders share).
LOCK_KEY = 4_207_731_001
DEFAULTS = {
    "PGHOST": "127.0.0.1",
    "PGPORT": "5432",
    "PGUSER": "postgres",
    "PGDATABASE": "warehouse",
}
# DuckDB types of the landed files and the PostgreSQL column types they load into.
PG_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "DOUBLE": "double precision",
}
# Streams one query's result as CSV to stdout: run in a child process whose stdout is a pipe
# that COPY reads, so DuckDB's reading and PostgreSQL's writing run side by side. Every value
# is quoted (a raw line may hold a carriage return); nulls stay unquoted and empty, which
# COPY reads as null, while an empty string arrives as "". No progress bar: it would
# be written into the data.
_CSV_WRITER = (
    "import sys, duckdb\n"
    "con = duckdb.connect()\n"
    "con.execute('set enable_progress_bar = false')\n"
    "con.execute(\n"
    "    f\"copy ({sys.argv[1]}) to '/dev/stdout' (format csv, header false, force_quote *)\"\n"
    ")\n"
)


# Streams the lines a query gives (one column) as CSV records of chunks to stdout:
# (_batch_id, _chunk, _lines, chunk), chunk = LINES_PER_CHUNK lines joined by newlines, a null
# line as an empty one. Every field is quoted, so a chunk is never read as null.
_WEB_CHUNK_WRITER = (
    "import csv, io, sys, duckdb\n"
    "query, batch_id, size = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
    "con = duckdb.connect()\n"
    "con.execute('set enable_progress_bar = false')\n"
    "result = con.execute(query)\n"
    "out = io.TextIOWrapper(sys.stdout.buffer, encoding='utf-8', newline='')\n"
    "writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator='\\n')\n"
    "number = 0\n"
    "while rows := result.fetchmany(size):\n"
    "    chunk = '\\n'.join(line or '' for (line,) in rows)\n"
    "    writer.writerow([batch_id, number, len(rows), chunk])\n"
    "    number += 1\n"
    "out.flush()\n"
)


class LoadError(RuntimeError):
    """A load that cannot be carried out; the message says why and what to do."""


def connection_settings(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """libpq keyword arguments from the PG* environment variables, with local defaults."""
    env = os.environ if env is None else env
    values = {name: env.get(name) or default for name, default in DEFAULTS.items()}
    settings = {
        "host": values["PGHOST"],
        "port": values["PGPORT"],
        "user": values["PGUSER"],
        "dbname": values["PGDATABASE"],
    }
    if env.get("PGPASSWORD"):
        settings["password"] = env["PGPASSWORD"]
    return settings


def describe(settings: Mapping[str, str]) -> str:
    return f"{settings['user']}@{settings['host']}:{settings['port']}/{settings['dbname']}"


def _connect(settings: Mapping[str, str]) -> connection:
    # the DSN psycopg2.connect(**settings) builds itself
    return psycopg2.connect(make_dsn(**settings, connect_timeout=10))


def connect(settings: Mapping[str, str], create: bool = False) -> connection:
    """A psycopg2 connection; creates the database first when asked and it is missing."""
    try:
        return _connect(settings)
    except psycopg2.OperationalError as exc:
        missing = f'database "{settings["dbname"]}" does not exist' in str(exc)
        if not (create and missing):
            raise LoadError(
                f"cannot connect to PostgreSQL as {describe(settings)}: {str(exc).strip()}. "
                "Is the server running? Set PGHOST, PGPORT, PGUSER, PGPASSWORD and "
                "PGDATABASE to point at it (see README, 'PostgreSQL')."
            ) from exc
    admin = _connect({**settings, "dbname": "postgres"})
    try:
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'create database "{settings["dbname"]}"')
    except (psycopg2.errors.DuplicateDatabase, psycopg2.errors.UniqueViolation):
        pass  # another loader created it at the same moment
    finally:
        admin.close()
    return _connect(settings)


@dataclass
class LandedFile:
    source: str
    entity: str
    path: Path
    expected_rows: int

    @property
    def table(self) -> str:
        """The raw table the file is copied into."""
        return WEB_CHUNKS if self.source == WEB_SOURCE else f"{self.source}_{self.entity}"

    @classmethod
    def of(cls, landing_dir: Path, record: FileRecord) -> LandedFile:
        return cls(record.source, record.entity, landing_dir / record.path, record.rows)


def _columns(select_sql: str) -> list[tuple[str, str]]:
    """(name, PostgreSQL type) of each column a select gives."""
    with duckdb.connect() as con:
        described = con.execute(f"describe {select_sql}").fetchall()
    columns = []
    for name, duck_type, *_ in described:
        pg_type = PG_TYPES.get(duck_type)
        if pg_type is None and duck_type.startswith("DECIMAL"):
            pg_type = duck_type.replace("DECIMAL", "numeric")
        if pg_type is None:
            raise LoadError(f"column {name} has type {duck_type}, which the loader cannot map")
        columns.append((name, pg_type))
    return columns


def _ensure_table(cur: cursor, table: str, columns: list[tuple[str, str]]) -> None:
    """Create the raw table, or add the columns a newer extract brought (schema drift)."""
    column_list = ", ".join(f'"{name}" {pg_type}' for name, pg_type in columns)
    cur.execute(f'create table if not exists {RAW_SCHEMA}."{table}" ({column_list})')
    for name, pg_type in columns:
        cur.execute(
            f'alter table {RAW_SCHEMA}."{table}" add column if not exists "{name}" {pg_type}'
        )


def _copy(cur: cursor, table: str, columns: list[str], writer_args: list[str]) -> int:
    """Stream what a writer child prints as CSV into a table through COPY; returns the rows
    PostgreSQL copied."""
    column_list = ", ".join(f'"{name}"' for name in columns)
    writer = subprocess.Popen(
        [sys.executable, "-c", *writer_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert writer.stdout is not None and writer.stderr is not None  # both piped
    try:
        cur.copy_expert(
            f'copy {RAW_SCHEMA}."{table}" ({column_list}) from stdin with (format csv)',
            writer.stdout,
            size=1 << 20,
        )
    finally:
        writer.stdout.close()
        stderr = writer.stderr.read().decode(errors="replace")
        writer.wait()
    if writer.returncode != 0:
        raise LoadError(f"reading the landed file failed: {stderr.strip()}")
    return int(cur.rowcount)


def _copy_file(cur: cursor, landed: LandedFile, batch_id: int) -> int:
    """Copy one landed file into its raw table; returns the records (lines for web) copied."""
    if landed.source == WEB_SOURCE:
        # in file order: DuckDB returns a scan's rows in order (preserve_insertion_order is on)
        lines = f"select raw_line from {read_web_lines_sql(landed.path)}"
        _copy(
            cur,
            WEB_CHUNKS,
            ["_batch_id", "_chunk", "_lines", "chunk"],
            [_WEB_CHUNK_WRITER, lines, str(batch_id), str(LINES_PER_CHUNK)],
        )
        cur.execute(
            f"select coalesce(sum(_lines), 0) from {RAW_SCHEMA}.{WEB_CHUNKS} where _batch_id = %s",
            [batch_id],
        )
        row = cur.fetchone()
        if row is None:
            raise LoadError(f"no line count for batch {batch_id} in {RAW_SCHEMA}.{WEB_CHUNKS}")
        return int(row[0])
    select_sql = f"select * from read_parquet('{landed.path}', file_row_number = true)"
    columns = _columns(select_sql)
    _ensure_table(cur, landed.table, columns)
    return _copy(cur, landed.table, [name for name, _ in columns], [_CSV_WRITER, select_sql])


def _prepare_web(cur: cursor, progress: Callable[[str], None]) -> None:
    """The chunk table and the raw.web_events view over it; a raw.web_events table from an
    earlier loader (one line per row) is moved into chunks first."""
    cur.execute(
        f"""create table if not exists {RAW_SCHEMA}.{WEB_CHUNKS} (
            _batch_id bigint not null,
            _chunk integer not null,
            _lines integer not null,
            chunk text compression lz4 not null,
            primary key (_batch_id, _chunk)
        )"""
    )
    cur.execute(
        "select c.relkind from pg_class as c join pg_namespace as n on c.relnamespace = n.oid "
        "where n.nspname = %s and c.relname = %s",
        [RAW_SCHEMA, WEB_VIEW],
    )
    kind = cur.fetchone()
    if kind and kind[0] == "r":
        cur.execute(
            f"""insert into {RAW_SCHEMA}.{WEB_CHUNKS} (_batch_id, _chunk, _lines, chunk)
            select _batch_id, line_number / {LINES_PER_CHUNK}, count(*),
                string_agg(coalesce(raw_line, ''), E'\\n' order by line_number)
            from (
                select raw_line, _batch_id,
                    row_number() over (partition by _batch_id) - 1 as line_number
                from {RAW_SCHEMA}.{WEB_VIEW}
            ) as lines
            group by _batch_id, line_number / {LINES_PER_CHUNK}"""
        )
        cur.execute(f"drop table {RAW_SCHEMA}.{WEB_VIEW}")
        progress(f"moved the lines of the table {RAW_SCHEMA}.{WEB_VIEW} into {WEB_CHUNKS}")
    cur.execute(
        f"""create or replace view {RAW_SCHEMA}.{WEB_VIEW} as
        select nullif(lines.raw_line, '') as raw_line, chunks._batch_id,
            chunks._chunk::bigint * {LINES_PER_CHUNK} + lines.line_in_chunk - 1
                as file_row_number
        from {RAW_SCHEMA}.{WEB_CHUNKS} as chunks
        cross join lateral string_to_table(chunks.chunk, E'\\n')
            with ordinality as lines (raw_line, line_in_chunk)"""
    )


def _prepare(conn: connection, progress: Callable[[str], None]) -> None:
    with conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(%s)", [LOCK_KEY])
        cur.execute(f"create schema if not exists {RAW_SCHEMA}")
        cur.execute(
            f"""create table if not exists {RAW_SCHEMA}.{LOAD_LOG} (
                batch_id integer not null,
                source_name text not null,
                entity text not null,
                file_path text not null,
                row_count bigint not null,
                load_seconds double precision not null,
                loaded_at timestamptz not null default now(),
                primary key (batch_id, source_name, entity)
            )"""
        )
        # duplicate_of_batch: the batch whose content a skipped file repeats (a re-sent
        # file), else null; reconciled_by: the dbt run whose per-batch reconciliation covered
        # the file (macros/observability/reconciliation.sql). Added to a log of an earlier
        # loader only when missing (an alter would wait for every reader of the log).
        cur.execute(
            "select column_name from information_schema.columns where table_schema = %s "
            "and table_name = %s",
            [RAW_SCHEMA, LOAD_LOG],
        )
        present = {name for (name,) in cur.fetchall()}
        for name, sql_type in (("duplicate_of_batch", "integer"), ("reconciled_by", "text")):
            if name not in present:
                cur.execute(f"alter table {RAW_SCHEMA}.{LOAD_LOG} add column {name} {sql_type}")
        _prepare_web(cur, progress)


def loaded_batches(conn: connection) -> set[int]:
    with conn.cursor() as cur:
        cur.execute(f"select distinct batch_id from {RAW_SCHEMA}.{LOAD_LOG}")
        return {row[0] for row in cur.fetchall()}


def load(
    landing_dir: Path,
    settings: Mapping[str, str] | None = None,
    progress: Callable[[str], None] = print,
    up_to_batch: int | None = None,
) -> list[int]:
    """Load every landed batch not yet in ``raw._load_log`` (up to batch ``up_to_batch`` when
    given); returns the batches it loaded."""
    settings = dict(settings or connection_settings())
    batches = read_manifest(landing_dir)
    if up_to_batch is not None:
        batches = [batch for batch in batches if batch.batch_id <= up_to_batch]
    if not batches:
        raise LoadError(f"nothing has landed in {landing_dir}: run `warehouse land` first")
    conn = connect(settings, create=True)
    done: list[int] = []
    try:
        _load_batches(conn, landing_dir, batches, done, progress)
    except psycopg2.Error as exc:
        raise LoadError(
            f"PostgreSQL refused the load ({describe(settings)}): {str(exc).strip()}; the "
            f"batch being loaded was rolled back, batches {done or 'none'} were loaded"
        ) from exc
    finally:
        conn.close()
    if not done:
        progress(f"nothing to load: every landed batch is in {RAW_SCHEMA}.{LOAD_LOG}")
    return done


def _load_batches(
    conn: connection,
    landing_dir: Path,
    batches: list[Batch],
    done: list[int],
    progress: Callable[[str], None],
) -> None:
    _prepare(conn, progress)
    contract = declared_columns()
    for number, batch in enumerate(batches):
        start = time.perf_counter()
        with conn, conn.cursor() as cur:
            # Held until this batch commits or rolls back: one loader per batch at a time.
            cur.execute("select pg_advisory_xact_lock(%s)", [LOCK_KEY])
            cur.execute(
                f"select 1 from {RAW_SCHEMA}.{LOAD_LOG} where batch_id = %s limit 1",
                [batch.batch_id],
            )
            if cur.fetchone():
                continue
            copied = 0
            check = check_batch(landing_dir, batch, batches[:number], contract)
            if check.problems:
                raise LoadError(refusal(landing_dir, check.problems))
            for record, original in check.duplicates:
                progress(
                    f"warning: {record.name}, batch {batch.batch_id} ({record.path}) has the "
                    f"same content as batch {original} (a re-sent file): skipped, not loaded again"
                )
                cur.execute(
                    f"insert into {RAW_SCHEMA}.{LOAD_LOG} (batch_id, source_name, entity, "
                    "file_path, row_count, load_seconds, duplicate_of_batch) "
                    "values (%s, %s, %s, %s, %s, 0, %s)",
                    [
                        batch.batch_id,
                        record.source,
                        record.entity,
                        record.path,
                        record.rows,
                        original,
                    ],
                )
            files = [LandedFile.of(landing_dir, record) for record in check.readable]
            for landed in files:
                file_start = time.perf_counter()
                rows = _copy_file(cur, landed, batch.batch_id)
                if rows != landed.expected_rows:
                    raise LoadError(
                        f"batch {batch.batch_id}: {landed.path} gave {rows:,} rows, the "
                        f"manifest says {landed.expected_rows:,}; nothing of the batch "
                        "was loaded. Re-land it or check the file."
                    )
                cur.execute(
                    f"insert into {RAW_SCHEMA}.{LOAD_LOG} (batch_id, source_name, entity, "
                    "file_path, row_count, load_seconds) values (%s, %s, %s, %s, %s, %s)",
                    [
                        batch.batch_id,
                        landed.source,
                        landed.entity,
                        str(landed.path),
                        rows,
                        time.perf_counter() - file_start,
                    ],
                )
                copied += rows
            for landed in files:
                cur.execute(f'analyze {RAW_SCHEMA}."{landed.table}"')
        done.append(batch.batch_id)
        progress(
            f"batch {batch.batch_id:>4} through {batch.through}: {copied:,} rows loaded "
            f"into {RAW_SCHEMA} in {time.perf_counter() - start:.1f}s"
        )
