"""Engine-independent fingerprints of tables: row count and a content hash.

Two engines hold the same table when they return the same multiset of rows. Each value is
rendered to text the same way whatever driver produced it (decimals without trailing zeros,
timestamps in ISO format, floats to 9 significant digits), rows are sorted, and the sorted
text is hashed, so row order and driver types do not matter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any


def render(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.9g}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def fingerprint(rows: Iterable[Sequence[Any]]) -> tuple[int, str]:
    """(row count, sha256 of the sorted rendered rows)."""
    lines = sorted("\x1f".join(render(value) for value in row) for row in rows)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return len(lines), digest
