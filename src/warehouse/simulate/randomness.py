"""Deterministic randomness for the simulator: ``hash(seed, salt, keys)``, never a generator.

The SQL files call the connection's ``rnd(salt, key[, key[, key]])`` macro (``define_macros``);
``rnd_sql`` writes the same expression inline, for SQL built outside the simulator (tests)."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from warehouse.simulate.dates import HISTORY_START, VERSION_SPAN_END
from warehouse.simulate.sqlfiles import render

# rnd() is hash(...) % PRIME / PRIME: uniform enough in [0, 1) and the same on every run.
PRIME = 1000003


def rnd_sql(seed: int, salt: str, *keys: str) -> str:
    """SQL for a deterministic pseudo-random number in [0, 1) from the seed, a salt and keys
    (the ``rnd`` macro expanded)."""
    args = ", ".join(keys)
    return f"((hash({seed}, '{salt}', {args}) % {PRIME}) / {PRIME}.0)"


def define_macros(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    """Create the simulator's temporary macros (``rnd``, ``pick``, ``shift_empty_days``,
    ``version_time``, ``earlier_phone``; sql/macros.sql) on ``con`` for ``seed``."""
    span_hours = (VERSION_SPAN_END - HISTORY_START).days * 24
    con.execute(
        render("macros", seed=seed, prime=PRIME, history_start=HISTORY_START, span_hours=span_hours)
    )


def sql_literal(value: str | None) -> str:
    """A SQL string literal (or null)."""
    if value is None:
        return "null"
    return "'" + value.replace("'", "''") + "'"


def sql_list(values: Sequence[str | None]) -> str:
    """A SQL list of text values, for the ``pick(list, rnd)`` macro."""
    return "[" + ", ".join(sql_literal(v) for v in values) + "]::varchar[]"
