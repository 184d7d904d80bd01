"""What the DAGs' own tasks do, as plain functions (no Airflow): land a run's data interval,
and decide a run's deadline.

Landing for a run is idempotent: a run lands what arrived before the end of what it covers
(run_cutoff: the daily run of day D: through D; the hourly run of 14:00: until 15:00), and when that
has landed already (a re-run, a daily run after the hourly runs of the same day, a run cleared
after a crash) it lands nothing and says so. So re-running a logical date changes nothing, and a
backfill of N days lands N batches whose union is what one landing of the N days holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from warehouse.landing import Batch, hour_cutoff, land, landed_until

SIM_DIR_ENV = "WAREHOUSE_SIM_DIR"
LANDING_DIR_ENV = "WAREHOUSE_LANDING_DIR"


@dataclass(frozen=True)
class Dirs:
    sim: Path
    landing: Path


def project_dirs(project: Path, env: Mapping[str, str] | None = None) -> Dirs:
    """The simulated history and the landing zone of a project: WAREHOUSE_SIM_DIR and
    WAREHOUSE_LANDING_DIR when set (relative to the project), else data/sim and data/landing
    (the CLI's defaults)."""
    environment = os.environ if env is None else env
    sim = Path(environment.get(SIM_DIR_ENV, "data/sim"))
    landing = Path(environment.get(LANDING_DIR_ENV, "data/landing"))
    return Dirs(sim=project / sim, landing=project / landing)


def naive_utc(moment: datetime) -> datetime:
    """A timestamp on the arrivals' clock: UTC without a time zone."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def run_cutoff(logical_date: datetime, period: str) -> datetime:
    """The end (exclusive) of what a run covers: the daily run of logical date D covers day D
    (midnight after D, as `warehouse land --through D`), the hourly run of logical date H the
    hour from H (H + 1 hour). Scheduled, manual and `airflow dags test` runs alike."""
    moment = naive_utc(logical_date)
    if period == "day":
        return datetime.combine(moment.date() + timedelta(days=1), time())
    if period == "hour":
        return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    raise ValueError(f"period must be 'day' or 'hour', not {period!r}")


def land_interval(
    dirs: Dirs, cutoff: datetime, progress: Callable[[str], None] = print
) -> Batch | None:
    """Land what arrived before ``cutoff`` (run_cutoff), unless it has landed already;
    returns the new batch, or None when there was nothing to land."""
    until = hour_cutoff(naive_utc(cutoff).isoformat())
    current = landed_until(dirs.landing)
    if current is not None and current >= until:
        progress(
            f"arrivals before {until.isoformat(sep=' ')} have landed already (the landing "
            f"zone is cut at {current.isoformat(sep=' ')}): nothing to land"
        )
        return None
    return land(dirs.sim, dirs.landing, until=until, progress=progress)


def deadline(
    interval_end: datetime, started_at: datetime, at: time, within_minutes: int
) -> tuple[datetime, str]:
    """When the run's marts must be published, and the rule that set it.

    A run started in time is due at ``at`` (UTC) on the day its data interval ends (the daily
    run of D, whose interval ends at midnight after D, at 06:00 on D + 1). A run started after
    that moment (a catch-up, a backfill of past days) is late from the start: judging it by
    the clock would alert at once for every such run, so it is due ``within_minutes`` after it
    started."""
    end, started = naive_utc(interval_end), naive_utc(started_at)
    by_clock = datetime.combine(end.date(), at)
    if by_clock < end:
        by_clock += timedelta(days=1)
    if started < by_clock:
        return by_clock, f"{at.strftime('%H:%M')} UTC after the data interval"
    return started + timedelta(minutes=within_minutes), (
        f"{within_minutes} minutes after the run started (started after "
        f"{by_clock.isoformat(sep=' ', timespec='minutes')})"
    )


# The states in which the publish task has ended without publishing: the run cannot meet its
# deadline any more (a cleared and re-run task is a new try, which the next check sees).
PUBLISH_ENDED_WITHOUT = ("failed", "upstream_failed", "skipped", "removed")


def run_started(start_date: datetime | None, run_after: datetime) -> datetime:
    """When a run really started, for its deadline: the later of its recorded start and the
    moment it could first run. A scheduled run starts at or after its run_after; a run of
    `airflow dags test` is recorded as started at its logical date (Airflow 3.3's dag.test),
    its run_after being the moment it was started."""
    if start_date is None:
        return naive_utc(run_after)
    return max(naive_utc(start_date), naive_utc(run_after))


def deadline_verdict(now: datetime, due: datetime, publish_state: str | None) -> str:
    """'met' once the publish task has succeeded; 'will miss' when it has ended without
    publishing (a failed build upstream) before the deadline; 'missed' when the deadline
    passed without it; else 'waiting'."""
    if publish_state == "success":
        return "met"
    if naive_utc(now) >= naive_utc(due):
        return "missed"
    return "will miss" if publish_state in PUBLISH_ENDED_WITHOUT else "waiting"
