"""Time metric queries beside the same question written as SQL on the marts.

For each question: the `mf query` command end to end (what a user waits for: starting dbt and
MetricFlow, planning, running), MetricFlow's engine alone once started (planning and running
its SQL), and the hand-written SQL on the marts through the same dbt adapter connection. Run
it in a built project (`make build`):

    .venv/bin/python bench/metrics.py [--target duckdb|postgres] [--repeat 5]

Prints the median of `--repeat` runs, in seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]

# (metrics, group-by, the same question as SQL on the marts)
QUESTIONS = [
    (
        "net_revenue,order_count,average_order_value",
        "metric_time__year,customer__market_segment",
        """
        select date_trunc('year', f.order_date), c.market_segment, sum(f.net_amount),
            count(distinct f.order_key), sum(f.net_amount) / count(distinct f.order_key)
        from marts.fct_order_lines as f
        left join marts.dim_customers as c on f.customer_key = c.customer_key and c.is_current
        group by 1, 2
        """,
    ),
    (
        "net_revenue",
        "metric_time__month,customer_version__geography__region_name",
        """
        select date_trunc('month', f.order_date), g.region_name, sum(f.net_amount)
        from marts.fct_order_lines as f
        left join marts.dim_customers as c on f.customer_sk = c.customer_sk
        left join marts.dim_geography as g on c.geography_sk = g.geography_sk
        group by 1, 2
        """,
    ),
    (
        "sessions,conversion_rate",
        "metric_time__month,channel__channel_group",
        """
        select date_trunc('month', s.session_date), ch.channel_group, count(*),
            1.0 * sum(case when s.converted then 1 else 0 end) / count(*)
        from marts.fct_sessions as s
        left join marts.dim_channels as ch on s.channel_sk = ch.channel_sk
        group by 1, 2
        """,
    ),
]


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["DBT_TARGET"] = args.target
    mf_cli = shutil.which("mf", path=str(Path(sys.executable).parent)) or "mf"

    # the engine of the metric tests (tests/python/mf_batch.py), the `mf` CLI's own engine
    sys.path.insert(0, str(PROJECT_DIR / "tests/python"))
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest
    from mf_batch import engine, sql_client

    # the CLI first: on DuckDB the engine below holds the file, which another process then
    # cannot open
    cli_seconds = []
    for metrics, group_by, _ in QUESTIONS:
        command = [mf_cli, "query", "--metrics", metrics, "--group-by", group_by]
        cli_seconds.append(
            median_seconds(
                lambda c=command: subprocess.run(
                    c, cwd=PROJECT_DIR, check=True, capture_output=True
                ),
                args.repeat,
            )
        )

    started = time.perf_counter()
    client = sql_client(PROJECT_DIR)
    mf = engine(client, PROJECT_DIR / "target/semantic_manifest.json")
    startup = time.perf_counter() - started

    print(f"target {args.target}, median of {args.repeat}; MetricFlow engine start {startup:.2f} s")
    print(f"{'metrics':45} {'group by':60} {'mf query':>9} {'engine':>7} {'SQL':>7}")
    for (metrics, group_by, sql), cli_s in zip(QUESTIONS, cli_seconds, strict=True):
        request = MetricFlowQueryRequest.create(
            metric_names=metrics.split(","), group_by_names=group_by.split(",")
        )
        engine_s = median_seconds(lambda r=request: mf.query(r), args.repeat)
        sql_s = median_seconds(lambda q=sql: client.query(q), args.repeat)
        print(f"{metrics:45} {group_by:60} {cli_s:9.2f} {engine_s:7.2f} {sql_s:7.3f}")


if __name__ == "__main__":
    main()
