"""The parallel run keeps each built warehouse on one process (parallel.py)."""

from __future__ import annotations

from conftest import PROJECT_DIR
from parallel import SHARED_SCOPE, scope_of


def _scope(module: str) -> str:
    return scope_of(f"tests/python/{module}::test_x", PROJECT_DIR)


def test_the_modules_of_the_session_warehouses_share_one_scope():
    # test_metrics reaches both warehouses through request.getfixturevalue
    for module in ["test_warehouse_build.py", "test_postgres_build.py", "test_metrics.py"]:
        assert _scope(module) == SHARED_SCOPE, module


def test_a_module_with_a_history_of_its_own_is_a_scope_of_its_own():
    assert _scope("test_monitoring.py") == "tests/python/test_monitoring.py"
    assert _scope("test_landing_boundary.py") != _scope("test_monitoring.py")
