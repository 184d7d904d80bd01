"""The orchestration configuration and the failure handling that need no Airflow: the checks
of orchestration/config.yml, the transient-or-not decision, and the alert a failed task sends
(posted to a local webhook receiver)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest
import yaml
from webhook_receiver import WebhookReceiver

from warehouse.orchestration.config import DEFAULT_PATH, ConfigError, load_config
from warehouse.orchestration.failures import (
    AlertError,
    FailedTask,
    failure_message,
    is_transient,
    last_line,
    post_alert,
    skipped_not_failed,
    transient_reason,
    watcher_failure,
)
from warehouse.orchestration.runs import deadline, deadline_verdict, run_cutoff, run_started

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, change) -> Path:
    """A copy of the project's config.yml with ``change`` applied to its parsed content."""
    content = yaml.safe_load(DEFAULT_PATH.read_text())
    content["project_dir"] = str(REPO)
    change(content)
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(content))
    return path


def test_the_project_configuration_loads_with_its_documented_values():
    config = load_config(env={})
    assert config.project_dir == REPO
    assert config.target == "duckdb"
    assert config.pool.name == "warehouse_duckdb" and config.pool.slots == 1
    assert config.daily.dag_id == "warehouse_daily" and config.daily.schedule == "@daily"
    assert config.daily.start_date == datetime(1998, 6, 1)
    assert config.daily.end_date == datetime(1998, 7, 31)
    assert config.deadline.at == time(6, 0) and config.deadline.within_minutes == 120
    assert config.hourly_web.schedule == "@hourly"


def test_the_target_can_be_overridden_from_the_environment():
    config = load_config(env={"WAREHOUSE_AIRFLOW_TARGET": "postgres"})
    assert config.target == "postgres" and config.pool.name == "warehouse_postgres"
    with pytest.raises(ConfigError, match="WAREHOUSE_AIRFLOW_TARGET must be one of"):
        load_config(env={"WAREHOUSE_AIRFLOW_TARGET": "spark"})


def test_another_configuration_file_can_be_named_in_the_environment(tmp_path: Path):
    path = _write(tmp_path, lambda c: c["dbt"].update(execution_mode="local"))
    assert load_config(env={"WAREHOUSE_AIRFLOW_CONFIG": str(path)}).dbt_mode == "local"
    assert load_config(env={}).dbt_mode == "watcher"
    with pytest.raises(ConfigError, match="no orchestration configuration at"):
        load_config(env={"WAREHOUSE_AIRFLOW_CONFIG": str(tmp_path / "missing.yml")})


def test_backoff_doubles_from_the_first_delay_up_to_the_cap():
    retries = load_config(env={}).retries
    assert [retries.delay(n) for n in (1, 2, 3, 4, 5, 6)] == [30, 60, 120, 240, 480, 600]


def _set(path: str, value):
    def change(content):
        *parents, key = path.split(".")
        node = content
        for parent in parents:
            node = node[parent]
        if value is _DELETE:
            del node[key]
        else:
            node[key] = value

    return change


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("daily.schedule", "every day", "daily.schedule 'every day' is neither a cron"),
        ("daily.deadline.at", 360, 'quote the time, e.g. "06:00"'),
        ("daily.deadline.at", "25:00", "daily.deadline.at must be a time of day"),
        ("daily.deadline.within_minutes", -1, "within_minutes must be a whole number >= 0"),
        ("daily.end_date", "1998-01-01", "end_date 1998-01-01 00:00:00 is before start_date"),
        ("hourly_web.start_date", "June", "hourly_web.start_date must be a date"),
        ("retries.retries", -1, "retries.retries must be a whole number >= 0"),
        ("retries.max_delay_seconds", 5, "the cap must be at least the first delay"),
        ("pools.duckdb.slots", 0, "pools.duckdb.slots must be a whole number >= 1"),
        ("alerts.format", "email", "alerts.format must be one of slack, teams"),
        ("daily.catchup", "yes", "daily.catchup must be true or false"),
        ("timeouts_minutes.dbt_node", _DELETE, "timeouts_minutes.dbt_node is missing"),
        ("target", "oracle", "target must be one of duckdb, postgres"),
        ("dbt.execution_mode", "kubernetes", "dbt.execution_mode must be one of watcher, local"),
        ("dbt.exclude", "package:elementary", "dbt.exclude must be a list of texts"),
        ("hourly_web.selector", "web", "selector 'web' is not a selector of"),
        ("project_dir", "/nonexistent", "holds no dbt_project.yml"),
    ],
)
def test_a_bad_key_fails_naming_it(tmp_path: Path, path: str, value, message: str):
    config = _write(tmp_path, _set(path, value))
    with pytest.raises(ConfigError, match=message):
        load_config(config, env={})


def test_a_cron_schedule_is_accepted(tmp_path: Path):
    config = load_config(_write(tmp_path, _set("daily.schedule", "30 1 * * 1-5")), env={})
    assert config.daily.schedule == "30 1 * * 1-5"


def test_a_missing_or_broken_file_says_so(tmp_path: Path):
    with pytest.raises(ConfigError, match="no orchestration configuration at"):
        load_config(tmp_path / "none.yml", env={})
    broken = tmp_path / "broken.yml"
    broken.write_text("daily: [unclosed\n")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        load_config(broken, env={})


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            'IO Error: Could not set lock on file "data/warehouse.duckdb": Conflicting lock is '
            "held in /usr/bin/python3.11 (PID 4242)",
            "duckdb lock held",
        ),
        (
            'connection to server at "127.0.0.1", port 5432 failed: Connection refused',
            "postgres connection refused",
        ),
        (
            "server closed the connection unexpectedly\n\tThis probably means the server "
            "terminated abnormally",
            "postgres connection dropped",
        ),
        ("FATAL:  the database system is starting up", "postgres starting or stopping"),
        ("<urlopen error timed out>", "timeout"),
    ],
)
def test_transient_failures_are_recognised(error: str, reason: str):
    assert transient_reason(error) == reason


@pytest.mark.parametrize(
    "error",
    [
        "Failure in test unique_fct_orders_order_key (models/marts/sales/_sales__models.yml)\n"
        "  Got 3 results, configured to fail if != 0",
        'Binder Error: Referenced column "order_ky" not found in FROM clause!',
        "Compilation Error in model fct_orders: 'dict object' has no attribute 'x'",
        "landing check failed: erp.orders batch 12: sha256 differs from the manifest",
    ],
)
def test_data_and_code_errors_are_not_transient(error: str):
    assert not is_transient(error)


def test_a_wrapped_driver_error_is_found_through_the_exception_chain():
    try:
        try:
            raise OSError("Connection refused")
        except OSError as driver:
            raise RuntimeError("dbt run failed") from driver
    except RuntimeError as wrapped:
        assert transient_reason(wrapped) == "postgres connection refused"


def test_the_last_line_of_an_error_is_what_the_alert_shows():
    assert (
        last_line("Traceback ...\n  File x\n\nValueError: bad batch\n\n") == "ValueError: bad batch"
    )
    assert last_line(RuntimeError("one line")) == "RuntimeError: one line"


FAILED = FailedTask(
    dag_id="warehouse_daily",
    task_id="dbt.fct_orders.fct_orders_test",
    logical_date="1998-06-02T00:00:00+00:00",
    try_number=1,
    max_tries=5,
    error="Failure in test unique_fct_orders_order_key: Got 3 results",
    log_url="http://127.0.0.1:8080/dags/warehouse_daily/runs/r1/tasks/t/logs?try_number=1",
)


@pytest.mark.parametrize("kind", ["slack", "teams"])
def test_a_failed_task_alert_names_dag_task_date_try_error_and_log(kind: str):
    with WebhookReceiver(kind) as receiver:
        post_alert(receiver.url, failure_message(FAILED, kind))
    (message,) = receiver.messages
    text = receiver.text()
    for value in (
        "warehouse_daily",
        "dbt.fct_orders.fct_orders_test",
        "1998-06-02T00:00:00+00:00",
        "1 of 5",
        "Got 3 results",
        "logs?try_number=1",
    ):
        assert value in text, (kind, value)
    if kind == "slack":
        assert set(message) == {"text"}
    else:
        (attachment,) = message["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"


def test_an_unreachable_webhook_raises_a_transient_error():
    with WebhookReceiver() as receiver:
        url = receiver.url
    with pytest.raises(AlertError, match="could not be reached") as raised:
        post_alert(url, {"text": "x"}, timeout_seconds=2)
    assert is_transient(raised.value)


AT_SIX = time(6, 0)


@pytest.mark.parametrize(
    ("interval_end", "started_at", "due", "rule"),
    [
        # the run of June 1st, started at midnight: due at 06:00 on June 2nd
        ("1998-06-02T00:00", "1998-06-02T00:00:05", "1998-06-02T06:00", "06:00 UTC"),
        # started at 05:30, still in time: the clock rule
        ("1998-06-02T00:00", "1998-06-02T05:30", "1998-06-02T06:00", "06:00 UTC"),
        # a catch-up run started days later is judged by its duration only
        ("1998-06-02T00:00", "1998-06-09T12:00", "1998-06-09T14:00", "120 minutes"),
        # an interval ending at 14:00 is due at 06:00 the next day
        ("1998-06-02T14:00", "1998-06-02T14:00", "1998-06-03T06:00", "06:00 UTC"),
    ],
)
def test_a_run_started_in_time_is_due_by_the_clock_a_late_one_by_its_duration(
    interval_end: str, started_at: str, due: str, rule: str
):
    moment, reason = deadline(
        datetime.fromisoformat(interval_end), datetime.fromisoformat(started_at), AT_SIX, 120
    )
    assert moment == datetime.fromisoformat(due)
    assert rule in reason


def test_airflow_times_with_a_zone_are_read_as_utc():
    moment, _ = deadline(
        datetime.fromisoformat("1998-06-02T02:00:00+02:00"),
        datetime.fromisoformat("1998-06-02T00:00:01+00:00"),
        AT_SIX,
        120,
    )
    assert moment == datetime(1998, 6, 2, 6, 0)


def test_a_deadline_is_met_once_published_and_missed_only_after_it_passes():
    due = datetime(1998, 6, 2, 6)
    assert deadline_verdict(datetime(1998, 6, 2, 7), due, "success") == "met"
    assert deadline_verdict(datetime(1998, 6, 2, 5, 59), due, None) == "waiting"
    assert deadline_verdict(datetime(1998, 6, 2, 5, 59), due, "up_for_retry") == "waiting"
    assert deadline_verdict(datetime(1998, 6, 2, 6), due, None) == "missed"
    assert deadline_verdict(datetime(1998, 6, 2, 6), due, "running") == "missed"


def test_a_run_that_ended_without_publishing_will_miss_its_deadline_before_it_passes():
    due = datetime(1998, 6, 2, 6)
    for state in ("failed", "upstream_failed", "skipped"):
        assert deadline_verdict(datetime(1998, 6, 2, 1), due, state) == "will miss"
    assert deadline_verdict(datetime(1998, 6, 2, 7), due, "upstream_failed") == "missed"


def test_a_run_started_by_dags_test_counts_from_when_it_was_started():
    """`airflow dags test` records the run as started at its logical date; the deadline counts
    from its run_after, the moment it was started."""
    logical = datetime(1998, 6, 1, tzinfo=UTC)
    started = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    assert run_started(logical, started) == datetime(2026, 12, 7, 13, 0)
    # a scheduled run on time: started a moment after its run_after (the interval's end)
    on_time = datetime(1998, 6, 2, 0, 0, 5, tzinfo=UTC)
    assert run_started(on_time, datetime(1998, 6, 2, tzinfo=UTC)) == datetime(1998, 6, 2, 0, 0, 5)
    assert run_started(None, started) == datetime(2026, 12, 7, 13, 0)
    due, rule = deadline(datetime(1998, 6, 2), run_started(logical, started), AT_SIX, 120)
    assert due == datetime(2026, 12, 7, 15, 0) and "after the run started" in rule


def test_a_watcher_task_whose_node_never_ran_is_told_apart_from_a_failed_node():
    not_run = watcher_failure(
        "Watcher producer task 'dbt.dbt_producer_watcher' failed before reporting results for "
        "model 'model.warehouse.fct_orders'. Check its logs for the underlying error."
    )
    assert not_run is not None and not_run.node is None
    failed = watcher_failure(
        "AirflowException: dbt tests for model 'model.warehouse.fct_orders' failed. Review the "
        "producer task 'dbt.dbt_producer_watcher' logs for details."
    )
    assert failed is not None
    assert failed.node == "model.warehouse.fct_orders"
    assert failed.producer_task == "dbt.dbt_producer_watcher"
    assert watcher_failure("Got 3 results, configured to fail if != 0") is None


def test_a_test_task_is_retried_only_when_none_of_its_tests_ran_and_failed():
    """The last event of each of a model's tests, as the watcher build leaves them: none for
    a test that passed or that dbt skipped, dbt's failure message (without a status, as the
    corrupted-snapshot run left it) for a test that failed. A dimension whose relationship
    test dbt skipped is retried; one whose own test failed or errored is not."""
    passed, skipped = {"status": "pass", "msg": None}, {"status": "skipped", "msg": None}
    failed = {"status": "None", "msg": "Got 1 result, configured to fail if != 0"}
    errored = {"status": "error", "msg": "Binder Error: column not found"}
    assert skipped_not_failed([None, None, None])
    assert skipped_not_failed([passed, skipped, None])
    assert not skipped_not_failed([None, failed, None])
    assert not skipped_not_failed([errored, skipped])
    assert not skipped_not_failed([{"status": "fail", "msg": None}])


def test_a_run_covers_its_logical_day_or_hour():
    assert run_cutoff(datetime(1998, 6, 3), "day") == datetime(1998, 6, 4)
    # a manual run's logical date carries the time it was triggered
    assert run_cutoff(datetime.fromisoformat("1998-06-03T17:25:00+00:00"), "day") == datetime(
        1998, 6, 4
    )
    assert run_cutoff(datetime(1998, 6, 3, 14), "hour") == datetime(1998, 6, 3, 15)
    with pytest.raises(ValueError, match="period must be"):
        run_cutoff(datetime(1998, 6, 3), "week")
