"""DuckDB helpers shared by the simulator, the landing zone and the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

DUCKDB_VERSION = "v1.5.5"


def tpch_extension_path() -> Path:
    """Path of the TPC-H extension shipped in the ``duckdb-extension-tpch`` wheel.

    DuckDB's extension server is unreachable on offline machines, so the extension is
    installed from the file inside the wheel instead of ``INSTALL tpch``.
    """
    import duckdb_extension_tpch

    path = (
        Path(duckdb_extension_tpch.__file__).parent
        / "extensions"
        / DUCKDB_VERSION
        / "tpch.duckdb_extension"
    )
    if not path.exists():
        raise RuntimeError(
            f"TPC-H extension not found at {path}: install duckdb-extension-tpch "
            f"matching duckdb {DUCKDB_VERSION} (see pyproject.toml)"
        )
    return path


def connect_with_tpch(database: str | Path = ":memory:") -> duckdb.DuckDBPyConnection:
    """Open a DuckDB connection with the TPC-H extension (dbgen, tpch_answers) loaded."""
    con = duckdb.connect(str(database))
    con.execute(f"INSTALL '{tpch_extension_path()}'")
    con.execute("LOAD tpch")
    return con


def one_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The single row a query returns (an aggregate, a metadata lookup); raises when the query
    returns none."""
    row = con.execute(sql).fetchone()
    if row is None:
        raise RuntimeError(f"no row from: {sql.strip()[:200]}")
    return row
