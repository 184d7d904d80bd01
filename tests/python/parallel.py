"""How `make test` spreads the suite over two processes (pytest-xdist, `-n 2 --dist
loadscope`).

Building a test warehouse is what costs (minutes); the tests that read one take seconds. So
each warehouse is built once, by the one process that runs every test reading it:
- every module that names one of the session's warehouses (conftest.py's ``built_warehouse``,
  ``documented_warehouse``, ``full_refresh_copy``, ``built_postgres``) is part of one scope;
- every other module is a scope of its own, so that a history built by a module-scoped
  fixture is built once.
Scopes start in the order of the collection, which ``slowest_first`` sorts: the session's
warehouses, then the modules with the most slow tests, then the fast modules; each process
takes the next scope when it runs out of work.

A module that reached a session warehouse only through a fixture that does not name it would
be a scope of its own and build that warehouse a second time: slower, not wrong.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

SESSION_WAREHOUSES = ("built_warehouse", "documented_warehouse", "full_refresh_copy")
SESSION_WAREHOUSES += ("built_postgres",)
SHARED_SCOPE = "the session's warehouses"


@cache
def reads_session_warehouse(module: Path) -> bool:
    """Whether a test module names one of the session's warehouses."""
    text = module.read_text(encoding="utf-8")
    return any(name in text for name in SESSION_WAREHOUSES)


def scope_of(nodeid: str, rootdir: Path) -> str:
    """The scope of a test: the shared one, or its module (a path relative to rootdir)."""
    module = nodeid.split("::", 1)[0]
    return SHARED_SCOPE if reads_session_warehouse(rootdir / module) else module


def slowest_first(items: list[pytest.Item], rootdir: Path) -> None:
    """Sorts the collected tests, keeping each module's together and in its order."""
    slow: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        slow[module] = slow.get(module, 0) + (item.get_closest_marker("slow") is not None)

    def weight(item: pytest.Item) -> tuple[int, int, str]:
        module = item.nodeid.split("::", 1)[0]
        if scope_of(item.nodeid, rootdir) == SHARED_SCOPE:
            return (0, 0, "")
        return (1 if slow[module] else 2, -slow[module], module)

    items.sort(key=weight)


class WarehouseScopes(LoadScopeScheduling):
    """pytest-xdist's load-scope scheduling with the scopes above, in collection order."""

    def __init__(self, config: pytest.Config, log: object = None) -> None:
        config.option.loadscopereorder = False
        super().__init__(config, log)
        self._rootdir = config.rootpath

    def _split_scope(self, nodeid: str) -> str:
        return scope_of(nodeid, self._rootdir)
