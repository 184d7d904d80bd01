"""The PostgreSQL loader: every landed batch lands in raw exactly once, whatever happens.

Runs against the PostgreSQL server of PGHOST/PGPORT (default 127.0.0.1:5432), in a database of
its own that is dropped afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import psycopg2
import pytest

from warehouse.landing import land, read_manifest, read_web_lines_sql
from warehouse.pgload import LoadError, connection_settings, load
from warehouse.simulate import generate

QUIET = {"progress": lambda _: None}
WAREHOUSE_CLI = str(Path(sys.executable).parent / "warehouse")
CUTOFFS = [date(1993, 3, 1), date(1996, 6, 30), date(1998, 12, 31)]


@pytest.fixture(scope="module")
def landing_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pgload")
    generate(root / "sim", scale=0.01, seed=11, **QUIET)
    for cutoff in CUTOFFS:
        land(root / "sim", root / "landing", through=cutoff, **QUIET)
    return root / "landing"


def _query(settings: dict, sql: str) -> list[tuple]:
    with psycopg2.connect(**settings) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def _expected_rows(landing_dir: Path) -> dict[str, int]:
    """Rows per raw table according to the landing manifest."""
    totals: dict[str, int] = {}
    for batch in read_manifest(landing_dir):
        for entity, rows in batch.rows.items():
            table = entity if entity == "web_events" else f"erp_{entity}"
            totals[table] = totals.get(table, 0) + rows
    return totals


def _raw_tables(settings: dict) -> list[str]:
    tables = _query(
        settings,
        "select table_name from information_schema.tables where table_schema = 'raw' "
        "and table_type = 'BASE TABLE' and table_name <> '_load_log'",
    )
    return [table for (table,) in tables]


def _raw_rows(settings: dict) -> dict[str, int]:
    """Records per raw table, as the manifest counts them: the web lines are counted through
    the view raw.web_events, which splits the chunks they are stored in."""
    rows = {}
    for table in _raw_tables(settings):
        name = "web_events" if table == "web_event_chunks" else table
        rows[name] = _query(settings, f'select count(*) from raw."{name}"')[0][0]
    return rows


def _line_digests(settings: dict, landing_dir: Path, positions: bool = True) -> tuple[str, str]:
    """A digest of the lines of raw.web_events, each with its batch and (with ``positions``)
    its position in its file, and the same of the landed files."""
    position = "file_row_number" if positions else "''"
    line = f"_batch_id || ':' || {position} || ':' || coalesce(raw_line, '')"
    digest = f"md5(string_agg(md5({line}), '' order by md5({line})))"
    (pg_digest,) = _query(settings, f"select {digest} from raw.web_events")[0]
    glob = landing_dir / "web" / "events" / "batch=*" / "lines.parquet"
    with duckdb.connect() as con:
        (duck_digest,) = con.execute(
            f"select {digest} from (select *, regexp_extract(filename, 'batch=(\\d+)', 1)::int "
            f"as _batch_id from {read_web_lines_sql(glob)})"
        ).fetchone()
    return pg_digest, duck_digest


def _loader_env(settings: dict) -> dict[str, str]:
    return {
        **os.environ,
        "PGHOST": settings["host"],
        "PGPORT": str(settings["port"]),
        "PGUSER": settings["user"],
        "PGDATABASE": settings["dbname"],
    }


def test_every_landed_row_is_loaded_once_and_a_rerun_loads_nothing(landing_dir, database):
    loaded = load(landing_dir, database, **QUIET)
    assert loaded == [1, 2, 3]
    assert _raw_rows(database) == _expected_rows(landing_dir)
    log = _query(database, "select batch_id, count(*) from raw._load_log group by 1 order by 1")
    assert [batch for batch, _ in log] == [1, 2, 3]
    assert load(landing_dir, database, **QUIET) == []
    assert _raw_rows(database) == _expected_rows(landing_dir)


def test_each_new_batch_is_loaded_on_top_of_the_last(landing_dir, database, tmp_path):
    sim_dir, landing = landing_dir.parent / "sim", tmp_path / "landing"
    for batch, cutoff in enumerate(CUTOFFS, start=1):
        land(sim_dir, landing, through=cutoff, **QUIET)
        assert load(landing, database, **QUIET) == [batch]
        assert _raw_rows(database) == _expected_rows(landing)


def test_raw_lines_and_values_are_exactly_what_landed(landing_dir, database):
    load(landing_dir, database, **QUIET)
    pg_digest, duck_digest = _line_digests(database, landing_dir)
    assert pg_digest == duck_digest
    # the drift column arrives with the batches that carry it and is null before
    by_batch = _query(
        database,
        "select _batch_id, count(o_source_channel) from raw.erp_orders group by 1 order by 1",
    )
    assert by_batch[0][1] == 0 and by_batch[-1][1] > 0


def test_a_loader_killed_half_way_loses_and_duplicates_nothing(landing_dir, database):
    # prepare the schema, then block the load log against writes (reads still pass): the loader
    # copies the first batch's rows, then waits to record them; it is killed while it waits.
    load(landing_dir, database, **QUIET)
    with psycopg2.connect(**database) as conn, conn.cursor() as cur:
        cur.execute("delete from raw._load_log")
        for table in _raw_tables(database):
            cur.execute(f'truncate raw."{table}"')
    blocker = psycopg2.connect(**database)
    blocker.cursor().execute("lock table raw._load_log in share mode")
    loader = subprocess.Popen(
        [WAREHOUSE_CLI, "load", "--landing-dir", str(landing_dir)],
        env=_loader_env(database),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    waiting = []
    for _ in range(600):
        waiting = _query(
            database,
            "select query from pg_stat_activity where wait_event_type = 'Lock' "
            "and query like 'insert into raw._load_log%'",
        )
        if waiting:
            break
        time.sleep(0.1)
    assert waiting, "the loader never reached the load log"
    loader.send_signal(signal.SIGKILL)
    loader.wait()
    blocker.rollback()
    blocker.close()
    assert all(rows == 0 for rows in _raw_rows(database).values())
    assert load(landing_dir, database, **QUIET) == [1, 2, 3]
    assert _raw_rows(database) == _expected_rows(landing_dir)


def test_two_loaders_at_once_load_each_batch_once(landing_dir, database):
    loaders = [
        subprocess.Popen(
            [WAREHOUSE_CLI, "load", "--landing-dir", str(landing_dir)],
            env=_loader_env(database),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [loader.communicate(timeout=600) for loader in loaders]
    assert [loader.returncode for loader in loaders] == [0, 0], outputs
    assert _raw_rows(database) == _expected_rows(landing_dir)
    log = _query(database, "select batch_id, entity, count(*) from raw._load_log group by 1, 2")
    assert log and all(count == 1 for _, _, count in log)
    loaded_lines = sum(out.count("rows loaded") for out, _ in outputs)
    assert loaded_lines == 3


def test_a_file_that_disagrees_with_the_manifest_rolls_its_batch_back(
    landing_dir, database, tmp_path
):
    copy = tmp_path / "landing"
    subprocess.run(["cp", "-r", str(landing_dir), str(copy)], check=True)
    manifest = copy / "_manifest.json"
    document = json.loads(manifest.read_text())
    (record,) = [f for f in document["batches"][0]["files"] if f["entity"] == "supplier"]
    record["rows"] += 1
    manifest.write_text(json.dumps(document))
    with pytest.raises(LoadError, match=r"erp.supplier, batch 1 .* rows, the manifest records"):
        load(copy, database, **QUIET)
    assert _query(database, "select count(*) from raw._load_log") == [(0,)]
    assert all(rows == 0 for rows in _raw_rows(database).values())


def test_an_unreachable_server_fails_fast_and_says_what_to_set(landing_dir):
    settings = {**connection_settings(), "port": "1"}
    with pytest.raises(LoadError, match="PGHOST, PGPORT"):
        load(landing_dir, settings, **QUIET)


def test_connection_settings_come_from_the_pg_variables():
    env = {"PGHOST": "db.example", "PGPORT": "6543", "PGUSER": "me", "PGPASSWORD": "s3cret"}
    settings = connection_settings(env)
    assert settings == {
        "host": "db.example",
        "port": "6543",
        "user": "me",
        "dbname": "warehouse",
        "password": "s3cret",
    }
    assert "password" not in connection_settings({})


def test_a_batch_whose_files_are_missing_is_refused(landing_dir, database, tmp_path):
    copy = tmp_path / "landing"
    subprocess.run(["cp", "-r", str(landing_dir), str(copy)], check=True)
    subprocess.run(["rm", "-r", str(copy / "erp" / "orders" / "batch=000002")], check=True)
    with pytest.raises(LoadError, match=r"erp.orders, batch 2 .*: the file is missing"):
        load(copy, database, **QUIET)
    # the batches before it are loaded, the incomplete one is not
    assert _query(database, "select distinct batch_id from raw._load_log") == [(1,)]


def test_web_lines_are_stored_compressed_and_read_back_by_batch(landing_dir, database):
    load(landing_dir, database, **QUIET)
    ((stored, text_bytes),) = _query(
        database,
        "select pg_total_relation_size('raw.web_event_chunks'), "
        "(select sum(octet_length(raw_line)) from raw.web_events)",
    )
    # one line per row is too short for PostgreSQL to compress; 1,000 lines per row is not
    assert stored * 3 < text_bytes, (stored, text_bytes)
    # a filter on the batch reaches the chunk table: a model reading new batches only does
    # not decompress the old ones
    ((plan,),) = _query(
        database, "explain (format json) select count(*) from raw.web_events where _batch_id > 2"
    )
    scans = []

    def walk(node: dict) -> None:
        if node.get("Relation Name") == "web_event_chunks":
            scans.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    assert scans and all(
        "_batch_id > 2" in (scan.get("Filter", "") + scan.get("Index Cond", "")) for scan in scans
    ), scans


def test_a_line_table_of_an_earlier_loader_is_moved_into_chunks(landing_dir, database):
    # batch 1 loaded, then put back into the layout of the earlier loader: a table of lines
    load(landing_dir, database, up_to_batch=1, **QUIET)
    with psycopg2.connect(**database) as conn, conn.cursor() as cur:
        cur.execute("create table raw.old_lines as select raw_line, _batch_id from raw.web_events")
        cur.execute("drop view raw.web_events")
        cur.execute("truncate raw.web_event_chunks")
        cur.execute("alter table raw.old_lines rename to web_events")
    messages = []
    assert load(landing_dir, database, progress=messages.append) == [2, 3]
    assert any("moved the lines" in message for message in messages), messages
    assert _query(
        database,
        "select table_type from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'web_events'",
    ) == [("VIEW",)]
    assert _raw_rows(database) == _expected_rows(landing_dir)
    # a table of lines recorded no position, so the moved lines keep their text and batch only
    pg_digest, duck_digest = _line_digests(database, landing_dir, positions=False)
    assert pg_digest == duck_digest
