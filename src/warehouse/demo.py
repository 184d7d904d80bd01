"""The demo build behind `make build`: generate, land in batches, dbt build after each."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from warehouse.build_scope import run_scoped
from warehouse.dbt_runner import dbt_environment, project_dir, run_dbt
from warehouse.landing import land, watermark
from warehouse.pgload import connection_settings, describe, load
from warehouse.simulate import generate, load_meta

# Irregular cut-offs. The last one is the end of May 1998, so that two months of a live order
# system (June and July 1998) stay unlanded for the daily run (`warehouse land --next`, one
# day at a time): orders are placed until 1998-08-02 (TPC-H's last order date) and only
# updates arrive after that, until January 1999, where the monitors rightly see stale sources
# and falling volumes (they alert; docs/operations.md).
DEMO_CUTOFFS = (
    date(1993, 6, 30),
    date(1995, 3, 31),
    date(1996, 12, 31),
    date(1998, 4, 30),
    date(1998, 5, 31),
)

EXAMPLE_QUERY = """select
    g.region_name,
    c.market_segment,
    sum(f.net_amount) as net_revenue
from marts.fct_order_lines as f
join marts.dim_customers as c on f.customer_sk = c.customer_sk
join marts.dim_geography as g on c.geography_sk = g.geography_sk
where f.order_date >= date '1997-01-01'
group by g.region_name, c.market_segment
order by net_revenue desc
limit 5;"""


def build_demo(
    sim_dir: Path,
    landing_dir: Path,
    duckdb_path: Path,
    scale: float,
    seed: int,
    cutoffs: Sequence[date] = DEMO_CUTOFFS,
    docs: bool = True,
    progress: Callable[[str], None] = print,
    target: str = "duckdb",
) -> None:
    """Generate (if needed), land every cut-off beyond the watermark with a dbt build after
    each, and generate the docs. Safe to run again: it continues where it stopped.

    target "postgres": before each build the landed batches not yet loaded are copied into
    the raw schema (`warehouse load`), and dbt builds with `--target postgres`.
    """
    started = time.perf_counter()
    # dbt reads the landing zone and the DuckDB file given here, not the defaults
    dbt_env = {"WAREHOUSE_LANDING_DIR": str(landing_dir.resolve())}
    if target == "duckdb":
        dbt_env["WAREHOUSE_DUCKDB_PATH"] = str(duckdb_path.resolve())
        # DuckDB creates the file, not its folder (data/ is made by generate only when the
        # history goes there too)
        duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        meta = load_meta(sim_dir)
        if meta.scale != scale or meta.seed != seed:
            raise RuntimeError(
                f"{sim_dir} holds a history for scale {meta.scale}, seed {meta.seed}, not "
                f"scale {scale}, seed {seed}: run `make clean-data` first, or keep "
                f"SCALE={meta.scale} SEED={meta.seed}"
            )
        progress(f"reusing the generated history in {sim_dir}")
    except FileNotFoundError:
        generate(sim_dir, scale=scale, seed=seed, progress=progress)
    current = watermark(landing_dir)
    pending = [c for c in cutoffs if current is None or c > current]
    if not pending:
        progress(f"landing zone already past the demo cut-offs (watermark {current})")
        pending_builds: list[date | None] = [None]
    else:
        pending_builds = list(pending)
    for cutoff in pending_builds:
        if cutoff is not None:
            land(sim_dir, landing_dir, through=cutoff, progress=progress)
        if target == "postgres":
            load(landing_dir, progress=progress)
        progress(f"dbt build --target {target}")
        t0 = time.perf_counter()
        _build(["build", "--target", target], dbt_env, progress)
        progress(f"dbt build finished in {time.perf_counter() - t0:.1f}s")
    if docs:
        run_dbt(["docs", "generate", "--target", target], env=dbt_env)
    if target == "postgres":
        settings = connection_settings()
        progress(
            f"\nwarehouse built in {time.perf_counter() - started:.0f}s in PostgreSQL "
            f"({describe(settings)}), schemas marts, staging, snapshots. Query it with "
            f"`psql -h {settings['host']} -p {settings['port']} -U {settings['user']} "
            f"{settings['dbname']}`, e.g.:\n\n{EXAMPLE_QUERY}\n\n"
            "Next day's data: `.venv/bin/warehouse land --next && .venv/bin/warehouse load "
            "&& .venv/bin/warehouse dbt build --target postgres`"
        )
        return
    progress(
        f"\nwarehouse built in {time.perf_counter() - started:.0f}s: {duckdb_path.resolve()}\n"
        'Query it with `.venv/bin/warehouse query "SQL"`, the DuckDB CLI '
        f"(`duckdb {duckdb_path}`) or any DuckDB client, e.g.:\n\n"
        f"{EXAMPLE_QUERY}\n\n"
        "Next day's data: `.venv/bin/warehouse land --next && .venv/bin/warehouse dbt build`"
    )


def _build(dbt_args: list[str], env: dict[str, str], progress: Callable[[str], None]) -> None:
    """A build as `warehouse dbt build` runs it (build_scope.run_scoped: Elementary's
    artifacts uploaded when the project changed, the state the next build compares with
    recorded); raises with dbt's output when it fails."""

    def run(args: list[str]) -> int:
        run_dbt(args, env=env)
        return 0

    project = project_dir()
    run_scoped(dbt_args, project, dbt_environment(project, env), run, progress)
