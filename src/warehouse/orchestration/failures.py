"""What a failed task means and who is told: transient or not, and the alert it sends.

``is_transient`` decides from the error's text, because the failures that pass by themselves
reach a task through dbt, edr or the loader as text, whatever exception class carries them:
- a held DuckDB lock: another process writes the file (an analyst's session, a run outside
  Airflow); DuckDB says "Could not set lock on file";
- a PostgreSQL connection refused, dropped or reset (a restart, a failover, a network blip);
- a webhook or HTTP call that timed out or was refused.
Everything else is not transient: a failing data test, an SQL or compilation error, a refused
landing batch. Retrying those changes nothing, so the task fails at once and the alert goes
out on its first try.

``failure_message`` and ``post_alert`` send the on-call message to the webhook `warehouse
monitor` uses (Slack or Teams), naming DAG, task, logical date, try, the error's last line and
the log's address. Nothing here imports Airflow.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

TRANSIENT_PATTERNS: tuple[tuple[str, str], ...] = (
    ("duckdb lock held", r"could not set lock on file"),
    ("postgres connection refused", r"connection refused|could not connect to server"),
    (
        "postgres connection dropped",
        r"server closed the connection unexpectedly|connection reset by peer"
        r"|terminating connection due to administrator command|ssl syscall error"
        r"|connection already closed",
    ),
    ("postgres starting or stopping", r"the database system is (starting up|shutting down)"),
    ("timeout", r"timed out|read timeout|connecttimeout"),
)
_TRANSIENT = [(name, re.compile(pattern, re.IGNORECASE)) for name, pattern in TRANSIENT_PATTERNS]


def transient_reason(error: BaseException | str) -> str | None:
    """The name of the transient failure the error's text shows, None when it shows none.
    Exceptions are read with their causes and contexts (dbt wraps the driver's error)."""
    text = error if isinstance(error, str) else _chain_text(error)
    for name, pattern in _TRANSIENT:
        if pattern.search(text):
            return name
    return None


def is_transient(error: BaseException | str) -> bool:
    return transient_reason(error) is not None


@dataclass(frozen=True)
class WatcherFailure:
    """What a Cosmos watcher-mode model task's failure says: the node's result is unknown
    because the one `dbt build` stopped first (``node`` None: a retry runs the node alone), or
    the build reported the node failed (the build's own message for it says why)."""

    node: str | None
    producer_task: str | None


_NOT_RUN = re.compile(
    r"failed before reporting results|The dbt build command failed in producer task"
)
_NODE_FAILED = re.compile(r"dbt .+? '([^']+)' failed\. Review the producer task '([^']+)'")


def watcher_failure(error: BaseException | str) -> WatcherFailure | None:
    """The failure of a watcher-mode model or test task, None for any other failure. Those
    tasks raise a generic message that names the node and the build's task, not dbt's error."""
    text = error if isinstance(error, str) else _chain_text(error)
    if _NOT_RUN.search(text):
        return WatcherFailure(node=None, producer_task=None)
    match = _NODE_FAILED.search(text)
    if match:
        return WatcherFailure(node=match.group(1), producer_task=match.group(2))
    return None


# dbt's statuses of a test that did not fail (a warning passes the build)
_TEST_DID_NOT_FAIL = frozenset({"pass", "success", "warn", "skipped"})


def skipped_not_failed(events: Iterable[Mapping[str, object] | None]) -> bool:
    """Whether a watcher test task failed only because dbt skipped its tests. Cosmos fails a
    model's test task when any of its tests did not pass, and counts a test that dbt skipped
    (a relationship test to a fact that was not built after another model's test failed) as
    failed. events: the build's last event for each of the model's tests, None where it has
    none. A test that failed leaves dbt's failure event (its message, "Got 1 result,
    configured to fail if != 0", and no status or "fail"); a skipped or passing test leaves
    none. True when no test has the event of a failure."""
    return not any(
        event is not None and str(event.get("status")) not in _TEST_DID_NOT_FAIL for event in events
    )


def _chain_text(error: BaseException) -> str:
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(f"{type(current).__name__}: {current}")
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def last_line(error: BaseException | str) -> str:
    """The error's last non-empty line (where dbt and Python put the cause), at most 500
    characters."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines[-1] if lines else text.strip() or "(no message)")[:500]


@dataclass(frozen=True)
class FailedTask:
    dag_id: str
    task_id: str
    logical_date: str
    try_number: int
    max_tries: int
    error: str
    log_url: str | None


def failure_message(failed: FailedTask, kind: str) -> dict[str, object]:
    """The webhook payload of a failed task: Slack (kind 'slack') or a Teams adaptive card
    ('teams')."""
    facts = [
        ("DAG", failed.dag_id),
        ("Task", failed.task_id),
        ("Logical date", failed.logical_date),
        ("Try", f"{failed.try_number} of {failed.max_tries}"),
        ("Error", failed.error),
    ]
    title = f"Airflow: {failed.dag_id}.{failed.task_id} failed"
    return alert_message(title, facts, kind, failed.log_url)


def alert_message(
    title: str, facts: list[tuple[str, str]], kind: str, link: str | None = None
) -> dict[str, object]:
    """A webhook payload: a title, named facts and a link to the log, as Slack text (kind
    'slack') or a Teams adaptive card ('teams')."""
    if kind == "slack":
        lines = [f"*{title}*", *(f"*{name}:* {value}" for name, value in facts)]
        if link:
            lines.append(f"<{link}|Log>")
        return {"text": "\n".join(lines)}
    if kind == "teams":
        body: list[dict[str, object]] = [
            {"type": "TextBlock", "text": title, "weight": "Bolder", "wrap": True},
            {"type": "FactSet", "facts": [{"title": n, "value": v} for n, v in facts]},
        ]
        card: dict[str, object] = {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.4",
            "body": body,
        }
        if link:
            card["actions"] = [{"type": "Action.OpenUrl", "title": "Log", "url": link}]
        return {
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ],
        }
    raise ValueError(f"alert format must be 'slack' or 'teams', not {kind!r}")


class AlertError(RuntimeError):
    """The webhook did not take the alert."""


def post_alert(url: str, payload: dict[str, object], timeout_seconds: float = 10) -> None:
    """POST the payload as JSON; raise AlertError when the webhook refuses it or cannot be
    reached (a timeout's message says "timed out", so a caller's retry policy retries it)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise AlertError(f"webhook {url} refused the alert: HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise AlertError(f"webhook {url} could not be reached: {exc}") from exc
    if status >= 300:
        raise AlertError(f"webhook {url} answered HTTP {status}")
