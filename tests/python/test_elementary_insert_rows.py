"""The project's insert_rows for Elementary (macros/observability/elementary_insert_rows.sql)
writes the same rows as Elementary's own default, on both engines."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse.dbt_runner import run_dbt

pytestmark = pytest.mark.slow

COLUMNS = {
    "duckdb": "id bigint, name varchar, note varchar, amount double, ratio decimal(10, 4), "
    "passed boolean, started_at timestamp, meta varchar, created_at timestamp",
    "postgres": "id bigint, name text, note text, amount double precision, "
    "ratio numeric(10, 4), passed boolean, started_at timestamp, meta text, "
    "created_at timestamp",
}

# the kinds of values Elementary's result rows carry: quotes, backslashes, line breaks and
# non-ASCII text, nested mappings and lists, numbers, booleans, nulls, timestamps as text,
# keys in another case, and keys the table does not have
ROWS = """[
    {"id": 1, "name": "O'Brien's \\\\ test", "note": "line one\\nline two\\r\\n\\ttabbed",
     "amount": 0.1, "ratio": 12.5, "passed": true, "started_at": "2026-12-06T10:11:12.123456",
     "meta": {"tags": ["a", "b"], "owner": "x'y"}, "created_at": "1999-01-01 00:00:00"},
    {"ID": 2, "NAME": "Zürich ✓ -- not a comment; drop table x", "note": none,
     "amount": 1e-05, "ratio": 0, "passed": false, "started_at": "2026-12-06 10:11:12",
     "meta": ["x", 1, none], "unknown_key": "ignored"},
    {"id": 3, "name": "", "amount": -42, "passed": none, "meta": {}}
]"""

INSERT_BOTH = (
    "{% set rows = " + ROWS + " %}"
    "{% set ours = api.Relation.create(database=target.database, schema='insert_check',"
    " identifier='ours') %}"
    "{% set theirs = api.Relation.create(database=target.database, schema='insert_check',"
    " identifier='theirs') %}"
    "{% if execute %}"
    "{% do elementary.insert_rows(ours, rows, should_commit=True) %}"
    "{% do elementary.default__insert_rows(theirs, rows, should_commit=True) %}"
    "{% endif %}"
    "select 1 as inserted"
)

COMPARED = "id, name, note, amount, ratio, passed, started_at, meta"


def _insert(engine: str, env: dict[str, str]) -> None:
    run_dbt(["show", "--target", engine, "--inline", INSERT_BOTH], env=env, capture=True)
    log = (Path(env["DBT_LOG_PATH"]) / "dbt.log").read_text()
    assert "Inserting 3 rows to table" in log and "as JSON" in log, (
        "elementary.insert_rows did not dispatch to the project's version"
    )


def _check(ours: list[tuple], theirs: list[tuple], stamped: int) -> None:
    assert len(ours) == 3
    assert ours == theirs
    assert stamped == 3, "created_at is the insert's time on every row"
    assert ours[0][1] == "O'Brien's \\ test"
    assert ours[1][2] is None and ours[1][5] is False


def test_duckdb_rows_equal_elementarys(tmp_path: Path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema insert_check")
        for table in ("ours", "theirs"):
            con.execute(f"create table insert_check.{table} ({COLUMNS['duckdb']})")
    env = {
        "WAREHOUSE_DUCKDB_PATH": str(path),
        "WAREHOUSE_LANDING_DIR": str(tmp_path / "landing"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    _insert("duckdb", env)
    with duckdb.connect(str(path), read_only=True) as con:
        ours, theirs = (
            con.execute(f"select {COMPARED} from insert_check.{table} order by id").fetchall()
            for table in ("ours", "theirs")
        )
        (stamped,) = con.execute(
            "select count(*) from insert_check.ours where created_at > timestamp '2026-01-01'"
        ).fetchone()
    _check(ours, theirs, stamped)


def test_postgres_rows_equal_elementarys(tmp_path: Path, database: dict[str, str]):
    import psycopg2

    admin = psycopg2.connect(**{**database, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'create database "{database["dbname"]}"')
    admin.close()
    conn = psycopg2.connect(**database)
    with conn, conn.cursor() as cur:
        cur.execute("create schema insert_check")
        for table in ("ours", "theirs"):
            cur.execute(f"create table insert_check.{table} ({COLUMNS['postgres']})")
    conn.close()
    env = {
        "PGDATABASE": database["dbname"],
        "WAREHOUSE_LANDING_DIR": str(tmp_path / "landing"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    _insert("postgres", env)
    conn = psycopg2.connect(**database)
    with conn, conn.cursor() as cur:
        rows = {}
        for table in ("ours", "theirs"):
            cur.execute(f"select {COMPARED} from insert_check.{table} order by id")
            rows[table] = cur.fetchall()
        cur.execute(
            "select count(*) from insert_check.ours where created_at > timestamp '2026-01-01'"
        )
        (stamped,) = cur.fetchone()
    conn.close()
    _check(rows["ours"], rows["theirs"], stamped)
