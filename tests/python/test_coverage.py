"""Documentation and test coverage, measured by dbt-coverage on the test warehouse's docs
artifacts and held at the levels recorded in coverage/ (see warehouse/coverage.py)."""

from __future__ import annotations

import json

import pytest
from conftest import BuiltWarehouse

from warehouse.coverage import Figure, measure


@pytest.mark.slow
def test_coverage_holds_its_recorded_levels(documented_warehouse: BuiltWarehouse, tmp_path):
    figures = {f.name: f for f in measure(documented_warehouse.target_dir, tmp_path)}
    assert set(figures) == {"doc", "doc-marts", "test"}
    for figure in figures.values():
        assert figure.total > 100, figure  # the project's own columns, not none or a package's
        assert figure.recorded is not None, f"no recorded level for {figure.name}"
        assert figure.failures == [], figure.failures
    assert figures["doc-marts"].rate == 1.0


@pytest.mark.slow
def test_every_model_is_documented(documented_warehouse: BuiltWarehouse):
    manifest = json.loads((documented_warehouse.target_dir / "manifest.json").read_text())
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "snapshot") and node["package_name"] == "warehouse"
    ]
    assert len(models) > 40
    assert [m["name"] for m in models if not m["description"].strip()] == []


def test_a_drop_below_the_record_fails():
    """The comparison itself: a figure under its record, or marts under 100%, is a failure."""
    assert Figure("doc", 99, 100, recorded=1.0, floor=None).failures
    assert Figure("doc-marts", 99, 100, recorded=None, floor=1.0).failures
    assert Figure("test", 50, 100, recorded=0.5, floor=None).failures == []
    assert Figure("test", 51, 100, recorded=0.5, floor=None).failures == []
