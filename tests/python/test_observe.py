"""Observability commands without a warehouse: the clock, breach reading, clear errors."""

from __future__ import annotations

import json

import pytest

from warehouse.cli import main
from warehouse.dbt_runner import simulated_now
from warehouse.observe import ObserveError, _freshness_breaches, _test_breaches, monitor


def _manifest(landing_dir, *throughs: str) -> None:
    landing_dir.mkdir(parents=True, exist_ok=True)
    batches = [
        {"batch_id": i + 1, "through": t, "landed_at": "2026-01-01T00:00:00", "rows": {}}
        for i, t in enumerate(throughs)
    ]
    (landing_dir / "_manifest.json").write_text(json.dumps({"batches": batches}))


def test_the_clock_is_midnight_after_the_newest_landed_day(tmp_path):
    assert simulated_now(tmp_path / "nothing") is None
    _manifest(tmp_path / "landing", "1995-03-31", "1996-02-29")
    assert simulated_now(tmp_path / "landing") == "1996-03-01 00:00:00"


def test_as_of_prints_the_clock_or_says_nothing_landed(tmp_path, capsys):
    _manifest(tmp_path / "landing", "1998-07-31")
    assert main(["as-of", "--landing-dir", str(tmp_path / "landing")]) == 0
    assert capsys.readouterr().out.strip() == "1998-08-01 00:00:00"
    assert main(["as-of", "--landing-dir", str(tmp_path / "empty")]) == 1
    assert "nothing landed" in capsys.readouterr().err


def test_freshness_breaches_name_each_late_source(tmp_path):
    sources = tmp_path / "sources.json"
    sources.write_text(
        json.dumps(
            {
                "results": [
                    {
                        "unique_id": "source.warehouse.erp.orders",
                        "status": "pass",
                        "max_loaded_at": "1998-07-31 23:00:00",
                        "max_loaded_at_time_ago_in_s": 3600,
                    },
                    {
                        "unique_id": "source.warehouse.erp.part",
                        "status": "error",
                        "max_loaded_at": "1998-07-20 10:00:00",
                        "max_loaded_at_time_ago_in_s": 11.5 * 86400,
                    },
                    {
                        "unique_id": "source.warehouse.web.events",
                        "status": "warn",
                        "max_loaded_at": "1998-07-28 00:00:00",
                        "max_loaded_at_time_ago_in_s": 4 * 86400,
                    },
                ]
            }
        )
    )
    breaches = _freshness_breaches(sources)
    assert [(b.name, b.severity) for b in breaches] == [
        ("erp.part", "error"),
        ("web.events", "warn"),
    ]
    assert "11.5 days old" in breaches[0].detail


def test_a_failed_sla_test_is_a_breach_naming_model_and_column(tmp_path):
    test_id = "test.warehouse.sla_max_age_fct_orders_order_date__2.abc"
    (tmp_path / "run_results.json").write_text(
        json.dumps(
            {
                "results": [
                    {"unique_id": "operation.warehouse.on-run-start-0", "status": "success"},
                    {"unique_id": test_id, "status": "warn", "message": "Got 1"},
                    {"unique_id": "test.warehouse.sla_max_age_fct_events.x", "status": "pass"},
                ]
            }
        )
    )
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "nodes": {
                    test_id: {
                        "attached_node": "model.warehouse.fct_orders",
                        "test_metadata": {
                            "kwargs": {"column_name": "order_date", "max_age_days": 2}
                        },
                    }
                }
            }
        )
    )
    (breach,) = _test_breaches(tmp_path / "run_results.json", tmp_path / "manifest.json")
    assert (breach.kind, breach.name, breach.severity) == ("model SLA", "fct_orders", "error")
    assert breach.detail == "newest order_date older than 2 days"


def test_monitor_without_a_webhook_says_which_variable_to_set(monkeypatch):
    monkeypatch.delenv("WAREHOUSE_ALERT_WEBHOOK", raising=False)
    monkeypatch.delenv("WAREHOUSE_ALERT_FORMAT", raising=False)
    with pytest.raises(ObserveError, match="WAREHOUSE_ALERT_WEBHOOK"):
        monitor(env={})
    with pytest.raises(ObserveError, match="'slack' or 'teams'"):
        monitor(webhook="http://127.0.0.1:9/hook", kind="email", env={})


def test_the_build_summary_says_what_was_detected_and_what_was_held_back(tmp_path):
    from warehouse.observe import run_summary

    assert run_summary(tmp_path) is None  # no run wrote results
    nodes = {
        "test.warehouse.volume_orders": {
            "name": "source_volume_anomalies_erp_orders",
            "sources": [["erp", "orders"]],
            "tags": ["elementary-tests"],
        },
        "test.warehouse.lag": {
            "name": "relationships_fct_order_lines_order_key",
            "attached_node": "model.warehouse.fct_order_lines",
            "tags": ["arrival_lag"],
        },
        "test.warehouse.unique_fct_orders": {
            "name": "unique_fct_orders_order_sk",
            "attached_node": "model.warehouse.fct_orders",
            "tags": [],
        },
    }
    results = [
        {"unique_id": "test.warehouse.volume_orders", "status": "warn", "message": "anomaly"},
        {"unique_id": "test.warehouse.lag", "status": "warn", "message": "Got 3 results"},
        {"unique_id": "test.warehouse.unique_fct_orders", "status": "fail", "message": "Got 2"},
        {"unique_id": "model.warehouse.rpt_daily_revenue", "status": "skipped", "message": None},
        {"unique_id": "test.warehouse.not_null_rpt", "status": "skipped", "message": None},
        {"unique_id": "model.warehouse.fct_orders", "status": "success", "message": None},
    ]
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))
    assert run_summary(tmp_path).splitlines() == [
        "detected, alert only (2 warnings):",
        "  - source_volume_anomalies_erp_orders (on erp.orders): anomaly",
        "  - relationships_fct_order_lines_order_key (on fct_order_lines): Got 3 results "
        "(arrival lag: reported, not alerted)",
        "failed (1; what depends on them was held back):",
        "  - unique_fct_orders_order_sk (on fct_orders): Got 2",
        "held back (skipped, built by the next run once the failures are fixed): "
        "1 models (rpt_daily_revenue); 1 tests (not_null_rpt)",
    ]
    results = [{"unique_id": "model.warehouse.fct_orders", "status": "success"}]
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))
    assert run_summary(tmp_path) == "nothing detected, nothing held back"


def test_edr_never_writes_into_the_warehouse_projects_target_folder(monkeypatch):
    """edr runs dbt on its own project: given the warehouse's target folder, it wrote its
    manifest over the warehouse's, and the next DAG parse rendered edr's models."""
    from warehouse.observe import edr_env

    monkeypatch.setenv("DBT_TARGET_PATH", "/somewhere/target")
    monkeypatch.setenv("DBT_LOG_PATH", "/somewhere/logs")
    env = edr_env()
    assert "DBT_TARGET_PATH" not in env and "DBT_LOG_PATH" not in env
