"""The warehouse's Airflow DAGs, built from orchestration/config.yml and dbt's manifest.

``daily_dag()`` and ``hourly_web_dag()`` return the DAGs that the files in
orchestration/dags/ expose. Parsing them runs no dbt: Cosmos renders one task group per dbt
model (the model, then its tests), seed and snapshot from ``target/manifest.json``
(``LoadMode.DBT_MANIFEST``), which `make airflow` and a deployment write with `dbt parse`.

- warehouse_daily, one run per day D: land what arrived through D -> (PostgreSQL) load it
  into raw -> dbt -> `edr monitor` alerts and `warehouse sla` (both run whatever dbt did) ->
  publish the Elementary report and the docs site (only after a clean build). A deadline task
  runs beside them (see runs.deadline).
- warehouse_hourly_web, one run per hour: land until the end of the hour -> the web models.

Failures: transient ones are retried with doubling delays (TransientOnly); anything else fails
its task at once, its downstream tasks do not run, and the failure alert goes to the webhook
(WAREHOUSE_ALERT_WEBHOOK) on the task's last try. Only the DAG files' imports need Airflow and
Cosmos; the decisions live in config, failures and runs, which the tests check without them.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Cosmos hashes the dbt project's folder at every parse (the DAG's version): leave out what
# is not dbt's, above all the data and the virtualenv, which hold gigabytes. Set before Cosmos
# reads its settings; `make airflow` and a deployment set it in the environment as well.
from warehouse.orchestration.local import HASH_EXCLUDED_DIRS

os.environ.setdefault("AIRFLOW__COSMOS__PROJECT_HASH_EXCLUDED_DIRS", HASH_EXCLUDED_DIRS)
# Parsing must not write to Airflow's database: Cosmos' cache of resolved YAML selectors is an
# Airflow Variable written at parse time; resolving the selector from the manifest is cheap.
os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_CACHE_DBT_YAML_SELECTORS", "false")

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import (
    DAG,
    BaseSensorOperator,
    CronDataIntervalTimetable,
    PokeReturnValue,
    RetryDecision,
    RetryPolicy,
    TriggerRule,
)
from cosmos import (
    DbtTaskGroup,
    ExecutionConfig,
    ExecutionMode,
    InvocationMode,
    LoadMode,
    ProfileConfig,
    ProjectConfig,
    RenderConfig,
    TestBehavior,
)

from warehouse.orchestration.config import (
    DagSchedule,
    OrchestrationConfig,
    Retries,
    load_config,
)
from warehouse.orchestration.failures import (
    FailedTask,
    WatcherFailure,
    alert_message,
    failure_message,
    last_line,
    post_alert,
    skipped_not_failed,
    transient_reason,
    watcher_failure,
)
from warehouse.orchestration.runs import (
    PUBLISH_ENDED_WITHOUT,
    deadline,
    deadline_verdict,
    land_interval,
    project_dirs,
    run_cutoff,
    run_started,
)

WEBHOOK_ENV = "WAREHOUSE_ALERT_WEBHOOK"
# dbt's manifest the DAGs are rendered from (default: target/manifest.json of the project,
# which `dbt parse` writes)
MANIFEST_ENV = "WAREHOUSE_AIRFLOW_MANIFEST"
# The warehouse clock of a run, as dbt's freshness and anomaly checks read it: the end of what
# the run covers (runs.run_cutoff), which is what `warehouse as-of` gives after landing it.
DAILY_AS_OF = "{{ macros.ds_add(ds, 1) }} 00:00:00"
HOURLY_AS_OF = "{{ (logical_date + macros.timedelta(hours=1)).strftime('%Y-%m-%d %H:00:00') }}"
DBT_GROUP = "dbt"
PUBLISH_TASK = "publish"


class TransientOnly(RetryPolicy):
    """Retry what passes by itself (failures.transient_reason), after a delay that doubles per
    try up to the configured cap; fail anything else at once, whatever retries are left."""

    def __init__(self, retries: Retries) -> None:
        self.retries = retries

    def evaluate(
        self,
        exception: BaseException,
        try_number: int,
        max_tries: int,
        context: Any = None,
    ) -> RetryDecision:
        delay = timedelta(seconds=self.retries.delay(try_number))
        if try_number == 1 and _tests_skipped_by_the_build(context):
            return RetryDecision.retry(
                delay=delay,
                reason="dbt skipped these tests after another node failed: the retry runs them",
            )
        reason = transient_reason(exception)
        watcher = watcher_failure(exception)
        if reason is None and watcher is not None:
            if watcher.node is None:
                return RetryDecision.retry(
                    delay=delay,
                    reason="the dbt build stopped before this node ran: the retry runs it alone",
                )
            reason = transient_reason(_build_message(context, watcher))
        if reason is None:
            return RetryDecision.fail(reason=f"not transient: {last_line(exception)}")
        return RetryDecision.retry(delay=delay, reason=f"transient ({reason}), retry in {delay}")


def _tests_skipped_by_the_build(context: Any) -> bool:
    """Whether the failed task is a watcher test task whose model's tests dbt skipped, none of
    them run and failed (failures.skipped_not_failed). Its retry then runs those tests
    alone (Cosmos' fallback), against the tables as they are; a test that failed in the build
    fails its task at once, without a retry."""
    from cosmos.operators._watcher.state import get_dbt_event_xcom_key

    task = (context or {}).get("task")
    if task is None or not getattr(task, "is_test_sensor", False):
        return False
    producer = task.dag.get_task(task.producer_task_id)
    tests = getattr(producer, "tests_per_model", {}).get(task.model_unique_id)
    if not tests:
        return False
    events = [
        context["ti"].xcom_pull(task_ids=task.producer_task_id, key=get_dbt_event_xcom_key(test))
        for test in tests
    ]
    return skipped_not_failed(events)


def _build_message(context: Any, failure: WatcherFailure) -> str:
    """dbt's message for a node of the watcher build (Cosmos keeps it in an XCom of the build's
    task); empty when there is none."""
    from cosmos.operators._watcher.state import get_dbt_event_xcom_key

    if context is None or failure.node is None:
        return ""
    event = context["ti"].xcom_pull(
        task_ids=failure.producer_task, key=get_dbt_event_xcom_key(failure.node)
    )
    return str((event or {}).get("msg") or "")


def alert_on_failure(context: Any) -> None:
    """on_failure_callback: post the failed task to the webhook (Slack or Teams, as
    configured); without WAREHOUSE_ALERT_WEBHOOK, only the task log says so."""
    ti = context["ti"]
    config = load_config()
    url = os.environ.get(WEBHOOK_ENV)
    error = context.get("exception")
    failed = FailedTask(
        dag_id=ti.dag_id,
        task_id=ti.task_id,
        logical_date=str(context.get("logical_date") or context["dag_run"].run_after),
        try_number=ti.try_number,
        max_tries=ti.max_tries,
        error=last_line(error) if error is not None else "(no exception recorded)",
        log_url=ti.log_url,
    )
    if not url:
        print(f"{WEBHOOK_ENV} is not set: no alert sent for {failed.dag_id}.{failed.task_id}")
        return
    post_alert(url, failure_message(failed, config.alert_format))


def _default_args(config: OrchestrationConfig) -> dict[str, Any]:
    return {
        "owner": "warehouse",
        "retries": config.retries.retries,
        "retry_delay": timedelta(seconds=config.retries.delay_seconds),
        "retry_policy": TransientOnly(config.retries),
        "execution_timeout": timedelta(minutes=config.task_timeout_minutes),
        "on_failure_callback": alert_on_failure,
    }


def _dbt_env(config: OrchestrationConfig, as_of: str = DAILY_AS_OF) -> dict[str, str]:
    """The environment of every dbt command: the warehouse clock of the run, the target, and
    the landing zone and DuckDB file resolved against the project (tasks run elsewhere)."""
    env = {"WAREHOUSE_AS_OF": as_of, "DBT_TARGET": config.target}
    dirs = project_dirs(config.project_dir)
    env["WAREHOUSE_LANDING_DIR"] = str(dirs.landing)
    duckdb_path = Path(os.environ.get("WAREHOUSE_DUCKDB_PATH", "data/warehouse.duckdb"))
    env["WAREHOUSE_DUCKDB_PATH"] = str(config.project_dir / duckdb_path)
    return env


def _dbt_group(
    config: OrchestrationConfig, selector: str | None, exclude: list[str]
) -> DbtTaskGroup:
    project = config.project_dir
    mode = ExecutionMode.WATCHER if config.dbt_mode == "watcher" else ExecutionMode.LOCAL
    group = DbtTaskGroup(
        group_id=DBT_GROUP,
        project_config=ProjectConfig(
            dbt_project_path=project,
            manifest_path=Path(os.environ.get(MANIFEST_ENV, project / "target" / "manifest.json")),
            install_dbt_deps=False,
            env_vars=_dbt_env(config, DAILY_AS_OF if selector is None else HOURLY_AS_OF),
            # No partial parsing: dbt keeps each seed's absolute path in its saved parse, and
            # Cosmos runs dbt in a new temporary copy of the project each time, so a reused
            # parse pointed the seeds at a deleted folder. A run's warehouse clock changes
            # dbt's vars anyway, which makes dbt parse the project again.
            partial_parse=False,
        ),
        profile_config=ProfileConfig(
            profile_name="warehouse",
            target_name=config.target,
            profiles_yml_filepath=project / "profiles.yml",
        ),
        # dbt in a process of its own: dbt-duckdb run inside the task's process keeps the
        # DuckDB file open (and locked) until that process ends, and `airflow dags test` runs
        # every task in one process, so the tasks after the build could not open the file.
        # Watcher mode starts dbt once per run, so the cost is one dbt start-up.
        execution_config=ExecutionConfig(
            execution_mode=mode,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=str(Path(sys.executable).parent / "dbt"),
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.AFTER_EACH,
            selector=selector,
            exclude=exclude,
            emit_datasets=False,
            # Local mode runs a dbt command per model and per model's tests. A test that reads
            # several models (relationships, the per-batch reconciliation of every staging
            # model) must then wait for all of them: Cosmos renders it as a task of its own
            # downstream of every parent, instead of in its first parent's test task, where
            # the reconciliation found the other staging models not yet built. One `dbt build`
            # (watcher mode) orders such tests itself.
            should_detach_multiple_parents_tests=mode == ExecutionMode.LOCAL,
        ),
        operator_args={
            "pool": config.pool.name,
            "execution_timeout": timedelta(minutes=config.dbt_node_timeout_minutes),
        },
    )
    if mode == ExecutionMode.WATCHER:
        _consumers_after_producer(group)
    return group


def _consumers_after_producer(group: DbtTaskGroup) -> None:
    """In watcher mode, start the model tasks once the one `dbt build` has ended, whatever its
    outcome (each then reads its node's result). Cosmos' task group starts them beside the
    build; a task run before the build, as `airflow dags test` may order them, waits for it
    forever (the sensor runs in the same process). Their state shows when the build ends
    rather than as it goes."""
    members = {t.task_id: t for t in _group_tasks(group)}
    producer = next(t for tid, t in members.items() if tid.endswith(".dbt_producer_watcher"))
    for task_id, task in members.items():
        if task is producer or task_id.endswith("_done"):
            continue
        if not set(task.upstream_task_ids) & set(members):
            producer >> task
            task.trigger_rule = TriggerRule.ALL_DONE


def _group_tasks(group: Any) -> list[Any]:
    found = []
    for child in group.children.values():
        found.extend(_group_tasks(child) if hasattr(child, "children") else [child])
    return found


def _python(task_id: str, function: Any, pool: str, **kwargs: Any) -> Any:
    """A task calling ``function``; Airflow passes it the context values its signature names
    (``logical_date``)."""
    return PythonOperator(task_id=task_id, python_callable=function, pool=pool, **kwargs)


def _land_day(logical_date: datetime) -> str:
    return _land(run_cutoff(logical_date, "day"))


def _land_hour(logical_date: datetime) -> str:
    return _land(run_cutoff(logical_date, "hour"))


def _land(cutoff: datetime) -> str:
    config = load_config()
    batch = land_interval(project_dirs(config.project_dir), cutoff)
    return f"batch {batch.batch_id}" if batch else "nothing new"


def _load() -> list[int]:
    config = load_config()
    from warehouse.pgload import load

    return load(project_dirs(config.project_dir).landing)


def _in_project(config: OrchestrationConfig) -> None:
    os.environ["WAREHOUSE_PROJECT_DIR"] = str(config.project_dir)
    os.environ.setdefault("WAREHOUSE_DUCKDB_PATH", _dbt_env(config)["WAREHOUSE_DUCKDB_PATH"])


def _monitor(logical_date: datetime) -> str:
    config = load_config()
    from warehouse.observe import monitor

    _in_project(config)
    if not os.environ.get(WEBHOOK_ENV):
        return f"{WEBHOOK_ENV} is not set: `edr monitor` has nowhere to send alerts"
    return monitor(config.target, env={"WAREHOUSE_AS_OF": _clock(logical_date)})


def _sla(logical_date: datetime) -> str:
    config = load_config()
    from warehouse.observe import sla

    _in_project(config)
    breaches = sla(config.target, env={"WAREHOUSE_AS_OF": _clock(logical_date)})
    errors = [b for b in breaches if b.severity == "error"]
    if errors:
        raise RuntimeError("SLA missed: " + "; ".join(str(b) for b in errors))
    return f"{len(breaches)} warnings, no SLA missed"


def _clock(logical_date: datetime) -> str:
    """The warehouse clock of a daily run (DAILY_AS_OF)."""
    return run_cutoff(logical_date, "day").strftime("%Y-%m-%d %H:%M:%S")


def _publish(logical_date: datetime) -> str:
    config = load_config()
    from warehouse.orchestration.publish import publish

    _in_project(config)
    return str(publish(config, _clock(logical_date)))


class MartsDeadline(BaseSensorOperator):
    """Waits beside the run for its publish task; alerts once when the deadline
    (runs.deadline) passes before the marts are published, or at once when publishing ended
    without publishing (a failed build) before it. Pokes in reschedule mode, holding no worker
    slot between pokes; succeeds either way (the alert is the outcome) and returns its verdict
    (met, missed, will miss) and the due time as its XCom."""

    def __init__(self, *, config: OrchestrationConfig, **kwargs: Any) -> None:
        super().__init__(
            mode="reschedule",
            poke_interval=config.deadline.poke_seconds,
            timeout=timedelta(days=2).total_seconds(),
            **kwargs,
        )
        self.config = config

    def poke(self, context: Any) -> PokeReturnValue:
        ti, run = context["ti"], context["dag_run"]
        due, rule = deadline(
            run_cutoff(context["logical_date"], "day"),
            run_started(run.start_date, run.run_after),
            self.config.deadline.at,
            self.config.deadline.within_minutes,
        )
        verdict = deadline_verdict(datetime.now(UTC), due, _publish_state(ti))
        if verdict == "waiting":
            return PokeReturnValue(is_done=False)
        if verdict != "met":
            when = f"{due.isoformat(sep=' ', timespec='minutes')} UTC ({rule})"
            what = "will not be" if verdict == "will miss" else "are not"
            print(f"{ti.dag_id}: the marts of {context['ds']} {what} published by {when}")
            url = os.environ.get(WEBHOOK_ENV)
            if url:
                facts = [("DAG", ti.dag_id), ("Logical date", context["ds"]), ("Due", when)]
                if verdict == "will miss":
                    facts.append(("Why", f"{PUBLISH_TASK} ended without publishing"))
                title = f"Airflow: {ti.dag_id} missed its deadline"
                if verdict == "will miss":
                    title = f"Airflow: {ti.dag_id} will miss its deadline"
                post_alert(url, alert_message(title, facts, self.config.alert_format, ti.log_url))
        return PokeReturnValue(is_done=True, xcom_value={"verdict": verdict, "due": str(due)})


def _publish_state(ti: Any) -> str | None:
    """'success' once the run's publish task has succeeded, 'failed' once it has ended without
    publishing (failed, upstream_failed, skipped), else None (not ended yet)."""
    for states in (["success"], list(PUBLISH_ENDED_WITHOUT)):
        count = ti.get_ti_count(
            dag_id=ti.dag_id, task_ids=[PUBLISH_TASK], run_ids=[ti.run_id], states=states
        )
        if count:
            return states[0] if len(states) == 1 else "failed"
    return None


def _timetable(cron: str) -> CronDataIntervalTimetable:
    """A run per interval of the schedule, started when the interval has ended: the daily run
    of day D has data_interval_end midnight after D (Airflow 3's default for a cron schedule
    starts it at the interval's start and gives it no interval)."""
    return CronDataIntervalTimetable(cron, timezone="UTC")


def _dag(config: OrchestrationConfig, schedule: DagSchedule, tags: list[str]) -> DAG:
    return DAG(
        dag_id=schedule.dag_id,
        schedule=_timetable(schedule.schedule),
        start_date=schedule.start_date.replace(tzinfo=UTC),
        end_date=schedule.end_date.replace(tzinfo=UTC) if schedule.end_date else None,
        catchup=schedule.catchup,
        max_active_runs=1,
        default_args=_default_args(config),
        tags=["warehouse", *tags, config.target],
        doc_md=__doc__,
    )


def _arrivals(config: OrchestrationConfig, land_function: Any) -> Any:
    """The landing task, then (PostgreSQL) the loading task; returns the last of them."""
    land = _python("land", land_function, config.landing_pool.name)
    if config.target != "postgres":
        return land
    load = _python("load", _load, config.landing_pool.name)
    land >> load
    return load


def daily_dag(config: OrchestrationConfig | None = None) -> DAG:
    config = config or load_config()
    with _dag(config, config.daily, []) as dag:
        dbt = _dbt_group(config, selector=None, exclude=config.dbt_exclude)
        monitor = _python("monitor", _monitor, config.pool.name, trigger_rule=TriggerRule.ALL_DONE)
        sla = _python("sla", _sla, config.pool.name, trigger_rule=TriggerRule.ALL_DONE)
        publish = _python(PUBLISH_TASK, _publish, config.pool.name)
        _arrivals(config, _land_day) >> dbt >> [monitor, sla, publish]
        MartsDeadline(config=config, task_id="deadline", retries=0)
    return dag


def hourly_web_dag(config: OrchestrationConfig | None = None) -> DAG:
    """The hourly web run. Watcher mode only: in local mode Cosmos renders every test of a
    selected model, whatever the YAML selector excludes, so the hourly run would run the
    per-batch reconciliation of every source, which fails until the daily run has staged the
    hour's erp arrivals. Parsing the file then fails, naming the fix."""
    config = config or load_config()
    if config.dbt_mode != "watcher":
        raise ValueError(
            f"warehouse_hourly_web needs dbt.execution_mode: watcher in {config.path} (it is "
            f"{config.dbt_mode!r}): in local mode Cosmos would also render the per-batch "
            "reconciliation, which the hourly selector excludes and which fails in an hourly "
            "run; warehouse_daily runs in either mode"
        )
    with _dag(config, config.hourly_web, ["web"]) as dag:
        dbt = _dbt_group(config, selector=config.hourly_selector, exclude=[])
        _arrivals(config, _land_hour) >> dbt
    return dag
