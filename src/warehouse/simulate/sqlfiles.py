"""The simulator's SQL, kept in ``sql/<name>.sql`` beside this module and loaded by name.

A file is a DuckDB statement with ``{placeholders}`` for the values Python computes (seed,
fault rates, column lists); ``{{`` and ``}}`` stand for literal braces."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def template(name: str) -> str:
    """The text of ``sql/<name>.sql`` (``name`` like ``"erp/records"``)."""
    return resources.files(__package__).joinpath("sql", f"{name}.sql").read_text()


def render(name: str, **values: object) -> str:
    """``sql/<name>.sql`` with its placeholders filled in from ``values``."""
    return template(name).format(**values)
