"""The metrics layer answers what hand-written SQL on the marts answers, on both engines.

Every metric of models/marts/*/_*__metrics.yml is asked through MetricFlow (mf_batch.py: the
engine of the `mf` CLI, one process for all questions) grouped by the dimensions analysts use,
and compared with a query written here from the marts' columns: the reference is SQL on the
marts, never MetricFlow's own SQL. The saved queries are compared with the reporting models
whose questions they answer, and the README's `mf query` example is run as a user runs it.
"""

from __future__ import annotations

import csv
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT_DIR, BuiltPostgres, BuiltWarehouse

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
Row = dict[str, str | None]


@dataclass(frozen=True)
class Case:
    """Metrics grouped by dimensions, and the SQL on the marts that computes the same table
    (its columns named as MetricFlow names them)."""

    name: str
    metrics: tuple[str, ...]
    group_by: tuple[str, ...]
    sql: str


LINES_BY_SEGMENT_AS_WAS = Case(
    "revenue and orders by year and segment as it was",
    (
        "net_revenue",
        "gross_revenue",
        "gross_sales",
        "quantity",
        "line_count",
        "order_count",
        "ordering_customers",
        "average_order_value",
    ),
    ("metric_time__year", "customer_version__market_segment"),
    """
    select cast(date_trunc('year', f.order_date) as date) as metric_time__year,
        c.market_segment as customer_version__market_segment,
        sum(f.net_amount) as net_revenue,
        sum(f.gross_amount) as gross_revenue,
        sum(f.extended_price) as gross_sales,
        sum(f.quantity) as quantity,
        count(*) as line_count,
        count(distinct f.order_key) as order_count,
        count(distinct f.customer_key) as ordering_customers,
        1.0 * sum(f.net_amount) / nullif(count(distinct f.order_key), 0) as average_order_value
    from marts.fct_order_lines as f
    left join marts.dim_customers as c on f.customer_sk = c.customer_sk
    group by 1, 2
    """,
)

CASES = (
    LINES_BY_SEGMENT_AS_WAS,
    Case(
        "revenue by quarter and segment as it is",
        ("net_revenue", "order_count"),
        ("metric_time__quarter", "customer__market_segment"),
        """
        select cast(date_trunc('quarter', f.order_date) as date) as metric_time__quarter,
            c.market_segment as customer__market_segment,
            sum(f.net_amount) as net_revenue,
            count(distinct f.order_key) as order_count
        from marts.fct_order_lines as f
        left join marts.dim_customers as c on f.customer_key = c.customer_key and c.is_current
        group by 1, 2
        """,
    ),
    Case(
        "revenue by month and the customer's region and nation as they were",
        ("net_revenue",),
        (
            "metric_time__month",
            "customer_version__geography__region_name",
            "customer_version__geography__nation_name",
        ),
        """
        select cast(date_trunc('month', f.order_date) as date) as metric_time__month,
            g.region_name as customer_version__geography__region_name,
            g.nation_name as customer_version__geography__nation_name,
            sum(f.net_amount) as net_revenue
        from marts.fct_order_lines as f
        left join marts.dim_customers as c on f.customer_sk = c.customer_sk
        left join marts.dim_geography as g on c.geography_sk = g.geography_sk
        group by 1, 2, 3
        """,
    ),
    Case(
        "quantity by week and brand",
        ("quantity",),
        ("metric_time__week", "part__brand"),
        """
        select cast(date_trunc('week', f.order_date) as date) as metric_time__week,
            p.brand as part__brand,
            sum(f.quantity) as quantity
        from marts.fct_order_lines as f
        left join marts.dim_parts as p on f.part_key = p.part_key and p.is_current
        group by 1, 2
        """,
    ),
    Case(
        "orders by day",
        ("order_count",),
        ("metric_time__day",),
        """
        select cast(date_trunc('day', order_date) as date) as metric_time__day,
            count(distinct order_key) as order_count
        from marts.fct_order_lines
        group by 1
        """,
    ),
    Case(
        "orders by year and order priority",
        ("order_count",),
        ("metric_time__year", "order__order_priority"),
        """
        select cast(date_trunc('year', f.order_date) as date) as metric_time__year,
            o.order_priority as order__order_priority,
            count(distinct f.order_key) as order_count
        from marts.fct_order_lines as f
        left join marts.fct_orders as o on f.order_key = o.order_key
        group by 1, 2
        """,
    ),
    Case(
        "late deliveries by year of receipt and the supplier's region",
        ("lines_received", "lines_late", "late_delivery_rate"),
        ("metric_time__year", "supplier__geography__region_name"),
        """
        select cast(date_trunc('year', f.receipt_date) as date) as metric_time__year,
            g.region_name as supplier__geography__region_name,
            sum(case when f.receipt_date is not null then 1 else 0 end) as lines_received,
            sum(case when f.is_late_delivery then 1 else 0 end) as lines_late,
            1.0 * sum(case when f.is_late_delivery then 1 else 0 end)
                / nullif(sum(case when f.receipt_date is not null then 1 else 0 end), 0)
                as late_delivery_rate
        from marts.fct_order_lines as f
        left join marts.dim_suppliers as s on f.supplier_key = s.supplier_key and s.is_current
        left join marts.dim_geography as g on s.geography_sk = g.geography_sk
        group by 1, 2
        """,
    ),
    Case(
        "the funnel by month and channel group",
        (
            "sessions",
            "sessions_with_add_to_cart",
            "converted_sessions",
            "conversion_rate",
            "cart_conversion_rate",
            "session_revenue",
            "revenue_per_session",
        ),
        ("metric_time__month", "channel__channel_group"),
        """
        select cast(date_trunc('month', s.session_date) as date) as metric_time__month,
            ch.channel_group as channel__channel_group,
            count(*) as sessions,
            sum(case when s.add_to_carts > 0 then 1 else 0 end) as sessions_with_add_to_cart,
            sum(case when s.converted then 1 else 0 end) as converted_sessions,
            1.0 * sum(case when s.converted then 1 else 0 end) / count(*) as conversion_rate,
            1.0 * sum(case when s.converted then 1 else 0 end)
                / nullif(sum(case when s.add_to_carts > 0 then 1 else 0 end), 0)
                as cart_conversion_rate,
            sum(coalesce(s.order_revenue, 0)) as session_revenue,
            1.0 * sum(coalesce(s.order_revenue, 0)) / count(*) as revenue_per_session
        from marts.fct_sessions as s
        left join marts.dim_channels as ch on s.channel_sk = ch.channel_sk
        group by 1, 2
        """,
    ),
    Case(
        "sessions by year, device type and the customer's segment as it is",
        ("sessions", "conversion_rate"),
        ("metric_time__year", "device__device_type", "customer__market_segment"),
        """
        select cast(date_trunc('year', s.session_date) as date) as metric_time__year,
            d.device_type as device__device_type,
            c.market_segment as customer__market_segment,
            count(*) as sessions,
            1.0 * sum(case when s.converted then 1 else 0 end) / count(*) as conversion_rate
        from marts.fct_sessions as s
        left join marts.dim_devices as d on s.device_sk = d.device_sk
        left join marts.dim_customers as c on s.customer_key = c.customer_key and c.is_current
        group by 1, 2, 3
        """,
    ),
)


@dataclass(frozen=True)
class SavedQuery:
    """A saved query and the reporting model it answers: the model's columns by the saved
    query's column names, and the rows of the model the saved query covers."""

    name: str
    model: str
    columns: dict[str, str]
    where: str = "true"


SAVED_QUERIES = (
    SavedQuery(
        "daily_revenue_by_region_segment",
        "rpt_daily_revenue_by_region_segment",
        {
            "metric_time__day": "order_date",
            "customer_version__geography__region_name": "region_name",
            "customer_version__market_segment": "market_segment",
            "order_count": "order_count",
            "line_count": "line_count",
            "quantity": "total_quantity",
            "gross_sales": "gross_sales",
            "net_revenue": "net_revenue",
        },
    ),
    SavedQuery(
        "supplier_late_delivery",
        "rpt_supplier_late_delivery",
        {
            "supplier": "supplier_key",
            "metric_time__month": "receipt_month",
            "supplier__supplier_name": "supplier_name",
            "supplier__geography__region_name": "region_name",
            "lines_received": "lines_received",
            "lines_late": "lines_late",
            "late_delivery_rate": "late_rate",
        },
    ),
    SavedQuery(
        "daily_funnel_by_channel",
        "rpt_daily_funnel_by_channel",
        {
            "metric_time__day": "session_date",
            "channel__channel_group": "channel_group",
            "sessions": "sessions",
            "sessions_with_add_to_cart": "sessions_with_add_to_cart",
            "converted_sessions": "sessions_converted",
            "conversion_rate": "conversion_rate",
            "cart_conversion_rate": "cart_conversion_rate",
            "session_revenue": "revenue",
        },
    ),
    SavedQuery(
        "last_touch_revenue_by_channel",
        "rpt_revenue_attribution",
        {
            "metric_time__month": "purchase_month",
            "channel__channel_group": "channel_group",
            "converted_sessions": "last_touch_orders",
            "session_revenue": "last_touch_revenue",
        },
        where="last_touch_orders > 0",
    ),
)

# The reporting models round their rates to 6 decimals (exact_ratio); sums are exact.
RATE_TOLERANCE = Decimal("0.0000005")


def metric_names() -> set[str]:
    names = set()
    for path in PROJECT_DIR.glob("models/**/_*__metrics.yml"):
        names |= {metric["name"] for metric in yaml.safe_load(path.read_text())["metrics"]}
    return names


def saved_query_names() -> set[str]:
    names = set()
    for path in PROJECT_DIR.glob("models/**/_*__saved_queries.yml"):
        names |= {query["name"] for query in yaml.safe_load(path.read_text())["saved_queries"]}
    return names


def ask(target_dir: Path, env: dict[str, str], requests: list[dict]) -> list[dict]:
    """MetricFlow's answers to requests, from the semantic manifest in target_dir."""
    completed = subprocess.run(
        [
            sys.executable,
            str(HERE / "mf_batch.py"),
            "--project-dir",
            str(PROJECT_DIR),
            "--semantic-manifest",
            str(target_dir / "semantic_manifest.json"),
        ],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
        cwd=PROJECT_DIR,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    answers: list[dict] = json.loads(completed.stdout)
    return answers


def normal(value: object) -> str | None:
    """A cell as text that both engines and MetricFlow agree on: days without their midnight
    time (date_trunc gives a date on DuckDB, a timestamp on PostgreSQL)."""
    if value is None:
        return None
    text = str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[10:] in ("", " 00:00:00"):
        return text[:10]
    return text


def merged(columns: Sequence[str], rows: Iterable[Sequence[object]], keys: Sequence[str]) -> dict:
    """Rows by their key columns, each key once."""
    out: dict[tuple, Row] = {}
    for values in rows:
        row = {c: normal(v) for c, v in zip(columns, values, strict=True)}
        key = tuple(row[k] for k in keys)
        assert key not in out, f"two rows for the group {key}"
        out[key] = row
    return out


def number(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def same(a: str | None, b: str | None, tolerance: Decimal) -> bool:
    x, y = number(a), number(b)
    if x is None or y is None:
        return a == b
    return abs(x - y) <= tolerance + abs(y) * Decimal("1e-12")


def assert_same_tables(actual: dict, expected: dict, tolerance: Decimal = Decimal("1e-9")):
    assert actual.keys() == expected.keys(), (
        f"groups only in MetricFlow: {sorted(actual.keys() - expected.keys(), key=str)[:5]}; "
        f"only in the SQL: {sorted(expected.keys() - actual.keys(), key=str)[:5]}"
    )
    differences = [
        (key, column, row[column], expected[key][column])
        for key, row in actual.items()
        for column in row
        if not same(row[column], expected[key][column], tolerance)
    ]
    assert not differences, f"{len(differences)} cells differ, e.g. {differences[:5]}"


@dataclass
class Engine:
    name: str
    target_dir: Path
    env: dict[str, str]
    query: Callable[[str], tuple[list[str], list[tuple]]]


def duckdb_engine(built: BuiltWarehouse) -> Engine:
    def query(sql: str) -> tuple[list[str], list[tuple]]:
        with built.connect() as conn:
            cursor = conn.execute(sql)
            return [d[0] for d in cursor.description], cursor.fetchall()

    return Engine("duckdb", built.target_dir, {**built.env, "DBT_TARGET": "duckdb"}, query)


def postgres_engine(built: BuiltPostgres) -> Engine:
    env = {**built.env, "DBT_TARGET": "postgres"}
    return Engine("postgres", built.target_dir, env, built.query)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def engine(request) -> Engine:
    if request.param == "duckdb":
        return duckdb_engine(request.getfixturevalue("built_warehouse"))
    return postgres_engine(request.getfixturevalue("built_postgres"))


@pytest.fixture(scope="module")
def answers(engine: Engine) -> dict[str, dict]:
    """MetricFlow's answer to every case and saved query, asked in one process."""
    requests = [{"metrics": list(c.metrics), "group_by": list(c.group_by)} for c in CASES]
    requests += [{"saved_query": q.name} for q in SAVED_QUERIES]
    names = [c.name for c in CASES] + [q.name for q in SAVED_QUERIES]
    return dict(zip(names, ask(engine.target_dir, engine.env, requests), strict=True))


def test_every_metric_and_saved_query_is_checked():
    asked = {metric for case in CASES for metric in case.metrics}
    assert asked == metric_names()
    assert {q.name for q in SAVED_QUERIES} == saved_query_names()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_metric_equals_the_sql_on_the_marts(engine: Engine, answers: dict, case: Case):
    answer = answers[case.name]
    assert set(answer["columns"]) == {*case.group_by, *case.metrics}
    assert answer["rows"], "MetricFlow returned no rows"
    actual = merged(answer["columns"], answer["rows"], case.group_by)
    expected = merged(*engine.query(case.sql), case.group_by)
    assert_same_tables(actual, expected)


@pytest.mark.parametrize("saved", SAVED_QUERIES, ids=[q.name for q in SAVED_QUERIES])
def test_a_saved_query_answers_its_reporting_model(engine: Engine, answers: dict, saved):
    answer = answers[saved.name]
    assert set(answer["columns"]) == set(saved.columns)
    keys = [c for c in saved.columns if c.startswith(("metric_time", "supplier", "channel"))]
    keys += [c for c in saved.columns if c.startswith("customer_version")]
    actual = merged(answer["columns"], answer["rows"], keys)
    select = ", ".join(f"{model} as {mf}" for mf, model in saved.columns.items())
    sql = f"select {select} from marts.{saved.model} where {saved.where}"
    expected = merged(*engine.query(sql), keys)
    assert actual
    assert_same_tables(actual, expected, RATE_TOLERANCE)


def test_the_readme_example_runs_with_the_mf_cli(built_warehouse: BuiltWarehouse, tmp_path):
    """`mf query` as the README shows it, in a project whose target/ holds the test
    warehouse's semantic manifest (the CLI reads it from there only)."""
    readme = (PROJECT_DIR / "README.md").read_text()
    example = next(line for line in readme.splitlines() if "mf query --metrics" in line)
    project = tmp_path / "project"
    (project / "target").mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT_DIR / name, project / name)
    shutil.copy(built_warehouse.target_dir / "semantic_manifest.json", project / "target")
    out = tmp_path / "answer.csv"
    mf = Path(sys.executable).parent / "mf"
    completed = subprocess.run(
        [str(mf), "query", *shlex.split(example.split("mf query", 1)[1]), "--csv", str(out)],
        env={**os.environ, **built_warehouse.env, "DBT_TARGET": "duckdb"},
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    with out.open() as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert header == [
        "metric_time__year",
        "customer__market_segment",
        "net_revenue",
        "order_count",
        "average_order_value",
    ]
    keys = ["metric_time__year", "customer__market_segment"]
    actual = merged(header, [[v or None for v in row] for row in body], keys)
    sql = """
        select cast(date_trunc('year', f.order_date) as date) as metric_time__year,
            c.market_segment as customer__market_segment,
            sum(f.net_amount) as net_revenue,
            count(distinct f.order_key) as order_count,
            1.0 * sum(f.net_amount) / count(distinct f.order_key) as average_order_value
        from marts.fct_order_lines as f
        left join marts.dim_customers as c on f.customer_key = c.customer_key and c.is_current
        group by 1, 2
    """
    expected = merged(*duckdb_engine(built_warehouse).query(sql), keys)
    assert_same_tables(actual, expected, Decimal("0.000001"))
