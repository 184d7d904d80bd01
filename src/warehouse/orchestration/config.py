"""The orchestration configuration (orchestration/config.yml), read and checked.

Everything a platform owner tunes without editing Python: schedules, the demo's date range,
the deadline, retries, timeouts, pools and the alert format. A missing or wrong key raises
ConfigError naming the key and what to write; Airflow shows that as the DAG file's import error,
so a bad change never half-applies. Nothing here imports Airflow, so the checks run anywhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml

TARGET_ENV = "WAREHOUSE_AIRFLOW_TARGET"
# where the daily run publishes (overrides publish_dir; relative to the project, or absolute)
PUBLISH_DIR_ENV = "WAREHOUSE_PUBLISH_DIR"
TARGETS = ("duckdb", "postgres")
ALERT_FORMATS = ("slack", "teams")
DBT_MODES = ("watcher", "local")
PRESETS = ("@hourly", "@daily", "@weekly", "@monthly", "@yearly")
_CRON_FIELD = re.compile(r"^[0-9*/,\-A-Za-z?LW#]+$")
DEFAULT_PATH = Path(__file__).resolve().parents[3] / "orchestration" / "config.yml"
# another configuration file than DEFAULT_PATH (e.g. one per deployment environment)
CONFIG_ENV = "WAREHOUSE_AIRFLOW_CONFIG"


class ConfigError(ValueError):
    """A configuration that cannot be used: the message names the key and what to write."""


@dataclass(frozen=True)
class DagSchedule:
    dag_id: str
    schedule: str
    start_date: datetime
    end_date: datetime | None
    catchup: bool


@dataclass(frozen=True)
class Retries:
    retries: int
    delay_seconds: int
    max_delay_seconds: int

    def delay(self, try_number: int) -> int:
        """Seconds to wait before try ``try_number + 1`` after try ``try_number`` failed:
        delay_seconds doubled per earlier failure, capped at max_delay_seconds."""
        doubled: int = self.delay_seconds * 2 ** max(try_number - 1, 0)
        return min(doubled, self.max_delay_seconds)


@dataclass(frozen=True)
class Deadline:
    at: time
    within_minutes: int
    poke_seconds: int


@dataclass(frozen=True)
class Pool:
    name: str
    slots: int


@dataclass(frozen=True)
class OrchestrationConfig:
    path: Path
    project_dir: Path
    target: str
    daily: DagSchedule
    deadline: Deadline
    hourly_web: DagSchedule
    hourly_selector: str
    retries: Retries
    dbt_node_timeout_minutes: int
    task_timeout_minutes: int
    pools: dict[str, Pool]
    alert_format: str
    publish_dir: Path
    dbt_mode: str
    dbt_exclude: list[str]

    @property
    def pool(self) -> Pool:
        """The pool of the configured target."""
        return self.pools[self.target]

    @property
    def landing_pool(self) -> Pool:
        """The pool of landing and loading (one slot: one manifest writer)."""
        return self.pools["landing"]


def load_config(
    path: Path | None = None, env: Mapping[str, str] | None = None
) -> OrchestrationConfig:
    """Read and check the configuration (default: orchestration/config.yml of this checkout).
    ``env`` (default os.environ) may name another file with WAREHOUSE_AIRFLOW_CONFIG and
    override the target with WAREHOUSE_AIRFLOW_TARGET."""
    environment = os.environ if env is None else env
    path = Path(path or environment.get(CONFIG_ENV) or DEFAULT_PATH).resolve()
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"no orchestration configuration at {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    doc = _Section(raw, path.name)
    project_dir = (path.parent / doc.text("project_dir")).resolve()
    if not (project_dir / "dbt_project.yml").is_file():
        raise ConfigError(
            f"{path.name}: project_dir {doc.text('project_dir')!r} resolves to {project_dir}, "
            "which holds no dbt_project.yml: give the dbt project's folder, relative to the file"
        )
    selectors = _selector_names(project_dir)
    target = environment.get(TARGET_ENV) or doc.text("target")
    if target not in TARGETS:
        where = TARGET_ENV if environment.get(TARGET_ENV) else f"{path.name}: target"
        raise ConfigError(f"{where} must be one of {', '.join(TARGETS)}, not {target!r}")
    daily, hourly = doc.section("daily"), doc.section("hourly_web")
    retries = doc.section("retries")
    timeouts = doc.section("timeouts_minutes")
    pools = doc.section("pools")
    alerts = doc.section("alerts")
    retry = Retries(
        retries=retries.integer("retries", minimum=0),
        delay_seconds=retries.integer("delay_seconds", minimum=1),
        max_delay_seconds=retries.integer("max_delay_seconds", minimum=1),
    )
    if retry.max_delay_seconds < retry.delay_seconds:
        raise ConfigError(
            f"{retries.where}.max_delay_seconds ({retry.max_delay_seconds}) is below "
            f"delay_seconds ({retry.delay_seconds}): the cap must be at least the first delay"
        )
    dbt = doc.section("dbt")
    dbt_mode = dbt.text("execution_mode")
    if dbt_mode not in DBT_MODES:
        raise ConfigError(
            f"{dbt.where}.execution_mode must be one of {', '.join(DBT_MODES)}, not {dbt_mode!r}"
        )
    alert_format = alerts.text("format")
    if alert_format not in ALERT_FORMATS:
        raise ConfigError(
            f"{alerts.where}.format must be one of {', '.join(ALERT_FORMATS)}, not {alert_format!r}"
        )
    hourly_selector = hourly.text("selector")
    if hourly_selector not in selectors:
        raise ConfigError(
            f"{hourly.where}.selector {hourly_selector!r} is not a selector of "
            f"{project_dir / 'selectors.yml'} (it has {', '.join(sorted(selectors))})"
        )
    return OrchestrationConfig(
        path=path,
        project_dir=project_dir,
        target=target,
        daily=_schedule(daily),
        deadline=Deadline(
            at=daily.section("deadline").clock("at"),
            within_minutes=daily.section("deadline").integer("within_minutes", minimum=0),
            poke_seconds=daily.section("deadline").integer("poke_seconds", minimum=1),
        ),
        hourly_web=_schedule(hourly),
        hourly_selector=hourly_selector,
        retries=retry,
        dbt_node_timeout_minutes=timeouts.integer("dbt_node", minimum=1),
        task_timeout_minutes=timeouts.integer("task", minimum=1),
        pools={
            name: Pool(
                name=pools.section(name).text("name"),
                slots=pools.section(name).integer("slots", minimum=1),
            )
            for name in (*TARGETS, "landing")
        },
        alert_format=alert_format,
        publish_dir=project_dir / environment.get(PUBLISH_DIR_ENV, doc.text("publish_dir")),
        dbt_mode=dbt_mode,
        dbt_exclude=dbt.text_list("exclude"),
    )


def _selector_names(project_dir: Path) -> set[str]:
    path = project_dir / "selectors.yml"
    if not path.is_file():
        return set()
    content = yaml.safe_load(path.read_text()) or {}
    return {str(s["name"]) for s in content.get("selectors", []) if "name" in s}


def _schedule(section: _Section) -> DagSchedule:
    schedule = section.text("schedule")
    fields = schedule.split()
    if not (
        schedule in PRESETS or (len(fields) == 5 and all(_CRON_FIELD.match(f) for f in fields))
    ):
        raise ConfigError(
            f"{section.where}.schedule {schedule!r} is neither a cron expression of five fields "
            f"(e.g. '0 2 * * *') nor a preset ({', '.join(PRESETS)})"
        )
    start = section.moment("start_date")
    end = section.moment("end_date", optional=True)
    assert start is not None  # not optional: moment raised
    if end is not None and end < start:
        raise ConfigError(f"{section.where}.end_date {end} is before start_date {start}")
    return DagSchedule(
        dag_id=section.text("dag_id"),
        schedule=schedule,
        start_date=start,
        end_date=end,
        catchup=section.boolean("catchup"),
    )


class _Section:
    """One mapping of the YAML document, with typed getters whose errors name the key."""

    def __init__(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a mapping of keys to values")
        self.value = value
        self.where = where

    def _get(self, key: str, optional: bool = False) -> Any:
        if key not in self.value or self.value[key] is None:
            if optional:
                return None
            raise ConfigError(f"{self.where}.{key} is missing")
        return self.value[key]

    def section(self, key: str) -> _Section:
        return _Section(self._get(key), f"{self.where}.{key}")

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{self.where}.{key} must be a non-empty text, not {value!r}")
        return value.strip()

    def integer(self, key: str, minimum: int) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ConfigError(
                f"{self.where}.{key} must be a whole number >= {minimum}, not {value!r}"
            )
        return int(value)

    def text_list(self, key: str) -> list[str]:
        value = self._get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f"{self.where}.{key} must be a list of texts, not {value!r}")
        return list(value)

    def boolean(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise ConfigError(f"{self.where}.{key} must be true or false, not {value!r}")
        return value

    def moment(self, key: str, optional: bool = False) -> datetime | None:
        value = self._get(key, optional)
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        if isinstance(value, date):
            return datetime.combine(value, time())
        try:
            return datetime.fromisoformat(str(value)).replace(tzinfo=None)
        except ValueError:
            raise ConfigError(
                f"{self.where}.{key} must be a date or a UTC timestamp (1998-06-01 or "
                f"1998-06-01T00:00), not {value!r}"
            ) from None

    def clock(self, key: str) -> time:
        value = self._get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads an unquoted 06:00 as a sexagesimal number (360)
            raise ConfigError(f'{self.where}.{key}: quote the time, e.g. "06:00"')
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            raise ConfigError(
                f"{self.where}.{key} must be a time of day HH:MM (UTC), not {value!r}"
            ) from None
