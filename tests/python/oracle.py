"""Check TPC-H query results against the official answers shipped with DuckDB's tpch extension.

The answers (``tpch_answers()``) are pipe-separated text with a header line, one table per
query and scale factor. Results from any engine are compared cell by cell after normalising
values the way the answers print them: numbers rounded to two decimals, dates as ISO text,
strings without trailing spaces and NULL as an empty field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from warehouse.duck import connect_with_tpch

#: Scale factors for which ``tpch_answers()`` holds answers.
ANSWER_SCALES = (0.01, 0.1, 1.0)

#: At most this many cell mismatches are reported per query; the rest are summarised.
MAX_CELL_PROBLEMS = 10

_TWO_PLACES = Decimal("0.01")
# Two numbers whose relative difference is below this are equal even if rounding puts
# them on different sides of a .xx5 boundary (binary floating-point noise, e.g. an average
# computed as a double on one engine and as an exact numeric on the other).
_RELATIVE_NOISE = Decimal("1e-9")
_QUERY_FILE = re.compile(r"q(\d+)\.sql")


@dataclass(frozen=True)
class Answer:
    """Official answer of one TPC-H query: column names and rows of cells as printed text."""

    columns: list[str]
    rows: list[list[str]]


def parse_answer(text: str) -> Answer:
    """Parse one pipe-separated answer (header line, then one line per row).

    Every line ends with a newline, so an empty line is a row whose single cell is NULL
    (Q17 at SF 0.01 answers one NULL).
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise ValueError("empty answer: no header line")
    header, *body = lines
    return Answer(columns=header.split("|"), rows=[line.split("|") for line in body])


def load_answers(scale: float) -> dict[int, Answer]:
    """Official answers of the 22 TPC-H queries at ``scale`` (0.01, 0.1 or 1), by query number."""
    if not any(abs(scale - known) < 1e-9 for known in ANSWER_SCALES):
        raise ValueError(f"no TPC-H answers for scale factor {scale}; available: {ANSWER_SCALES}")
    con = connect_with_tpch()
    try:
        records = con.execute(
            "select query_nr, answer from tpch_answers() "
            "where abs(scale_factor - ?) < 1e-9 order by query_nr",
            [scale],
        ).fetchall()
    finally:
        con.close()
    return {int(query_nr): parse_answer(answer) for query_nr, answer in records}


def _rounded(value: Decimal) -> Decimal:
    return value.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


def _numbers_match(actual: Decimal, expected: Decimal) -> bool:
    if not (actual.is_finite() and expected.is_finite()):
        return actual == expected or (actual.is_nan() and expected.is_nan())
    if _rounded(actual) == _rounded(expected):
        return True
    scale = max(abs(actual), abs(expected), Decimal(1))
    return abs(actual - expected) <= _RELATIVE_NOISE * scale


def _as_decimal(value: int | float | Decimal) -> Decimal:
    # repr() gives the shortest text that round-trips, i.e. what the answers print for doubles.
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _format_date(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        if value.time() == dt.time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    return value.isoformat()


def cell_problem(actual: Any, expected: str) -> str | None:
    """Why ``actual`` (a value from a database driver) does not match the printed ``expected``.

    Returns None when they match.
    """
    if actual is None:
        return None if expected in ("", "NULL") else "got NULL"
    if isinstance(actual, bool):
        return None if str(actual).lower() == expected.strip().lower() else f"got {actual}"
    if isinstance(actual, int | float | Decimal):
        try:
            wanted = Decimal(expected.strip())
        except InvalidOperation:
            return f"got number {actual}, expected non-number"
        if _numbers_match(_as_decimal(actual), wanted):
            return None
        return f"got {actual}"
    if isinstance(actual, dt.date):
        text = _format_date(actual)
        return None if text == expected.strip() else f"got {text}"
    text = str(actual)
    return None if text.rstrip() == expected.rstrip() else f"got {text!r}"


def compare(columns: list[str], rows: Sequence[Sequence[Any]], expected: Answer) -> list[str]:
    """Human-readable differences between a query result and its official answer.

    ``columns`` and ``rows`` are what the engine returned (rows as tuples of driver values:
    int, float, Decimal, date, str, None). Rows must come in the official order. Numbers
    match when equal after rounding both sides to 2 decimals, dates are compared as ISO
    text and strings without trailing spaces. Column names are not compared, only their
    number. An empty list means the result matches.
    """
    problems: list[str] = []
    if len(columns) != len(expected.columns):
        problems.append(
            f"expected {len(expected.columns)} columns ({', '.join(expected.columns)}), "
            f"got {len(columns)} ({', '.join(columns)})"
        )
    if len(rows) != len(expected.rows):
        problems.append(f"expected {len(expected.rows)} rows, got {len(rows)}")

    cell_problems: list[str] = []
    for row_nr, (row, wanted_row) in enumerate(zip(rows, expected.rows, strict=False), start=1):
        if len(row) != len(wanted_row):
            cell_problems.append(
                f"row {row_nr}: expected {len(wanted_row)} values, got {len(row)}: {list(row)}"
            )
            continue
        for col_nr, (value, wanted) in enumerate(zip(row, wanted_row, strict=True)):
            problem = cell_problem(value, wanted)
            if problem is not None:
                name = expected.columns[col_nr] if col_nr < len(expected.columns) else col_nr + 1
                cell_problems.append(f"row {row_nr}, column {name}: expected {wanted!r}, {problem}")

    problems.extend(cell_problems[:MAX_CELL_PROBLEMS])
    if len(cell_problems) > MAX_CELL_PROBLEMS:
        problems.append(f"... and {len(cell_problems) - MAX_CELL_PROBLEMS} more mismatching cells")
    return problems


def check_queries(
    run_query: Callable[[str], tuple[list[str], list[tuple]]],
    sql_by_query: Mapping[int, str],
    scale: float,
) -> dict[int, list[str]]:
    """Run each query with ``run_query`` and compare it with the official answer at ``scale``.

    ``run_query`` executes one SQL text on whatever engine the caller chose and returns the
    column names and rows. A query that raises is reported as a problem instead of
    stopping the check. Returns the problems per query number (empty list = match).
    """
    answers = load_answers(scale)
    results: dict[int, list[str]] = {}
    for query_nr in sorted(sql_by_query):
        expected = answers.get(query_nr)
        if expected is None:
            results[query_nr] = [f"no official answer for query {query_nr} at scale {scale}"]
            continue
        try:
            columns, rows = run_query(sql_by_query[query_nr])
        except Exception as error:
            results[query_nr] = [f"query failed: {type(error).__name__}: {error}"]
            continue
        results[query_nr] = compare(list(columns), rows, expected)
    return results


def compiled_analyses(target_dir: Path) -> dict[int, str]:
    """The dbt-compiled TPC-H analyses under ``target_dir``, by query number.

    ``dbt compile`` writes them to ``<target_dir>/compiled/warehouse/analyses/tpch/qNN.sql``.
    """
    folder = Path(target_dir) / "compiled" / "warehouse" / "analyses" / "tpch"
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} does not exist: run `dbt compile` first")
    queries: dict[int, str] = {}
    for path in sorted(folder.glob("q*.sql")):
        match = _QUERY_FILE.fullmatch(path.name)
        if match:
            queries[int(match.group(1))] = path.read_text(encoding="utf-8")
    if not queries:
        raise FileNotFoundError(f"no compiled qNN.sql files in {folder}")
    return dict(sorted(queries.items()))
