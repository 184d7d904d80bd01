"""The `warehouse` command: generate, land, load, demo, query, deps, report, monitor, sla,
coverage."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

DEFAULT_SIM_DIR = "data/sim"
DEFAULT_LANDING_DIR = "data/landing"


def _path_from_env(var: str, default: str) -> Path:
    return Path(os.environ.get(var, default))


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"a rate must be in [0, 1), got {value}")
    return value


def _sessions(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 100.0:
        raise argparse.ArgumentTypeError(f"sessions per order must be in [0, 100], got {value}")
    return value


def _add_dirs(parser: argparse.ArgumentParser, landing: bool = True) -> None:
    parser.add_argument(
        "--sim-dir",
        type=Path,
        default=_path_from_env("WAREHOUSE_SIM_DIR", DEFAULT_SIM_DIR),
        help="where the generated history is (env WAREHOUSE_SIM_DIR; default %(default)s)",
    )
    if landing:
        parser.add_argument(
            "--landing-dir",
            type=Path,
            default=_path_from_env("WAREHOUSE_LANDING_DIR", DEFAULT_LANDING_DIR),
            help="the landing zone dbt reads (env WAREHOUSE_LANDING_DIR; default %(default)s)",
        )


def build_parser() -> argparse.ArgumentParser:
    from warehouse.simulate import FaultConfig, WebConfig

    defaults = FaultConfig()
    web_defaults = WebConfig()
    parser = argparse.ArgumentParser(
        prog="warehouse",
        description="Tooling around the warehouse dbt project: simulate the source systems, "
        "land their extracts batch by batch, install dbt packages offline.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser(
        "generate",
        help="simulate the erp source: a TPC-H history with injected faults",
        description="Generate the full history of the erp source system (TPC-H shaped) for a "
        "scale factor and seed. Deterministic: the same scale and seed give the same files.",
    )
    gen.add_argument("--scale", type=float, default=0.1, help="TPC-H scale factor (default 0.1)")
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument(
        "--late-rate",
        type=_rate,
        default=defaults.late_rate,
        help="share of records that arrive 1..late-max-days late (%(default)s)",
    )
    gen.add_argument(
        "--late-max-days",
        type=int,
        default=defaults.late_max_days,
        help="longest delay of a late record, in days (%(default)s)",
    )
    gen.add_argument(
        "--duplicate-rate",
        type=_rate,
        default=defaults.duplicate_rate,
        help="share of records delivered twice (%(default)s)",
    )
    gen.add_argument(
        "--out-of-order-rate",
        type=_rate,
        default=defaults.out_of_order_rate,
        help="share of versions that arrive after their successor (%(default)s)",
    )
    gen.add_argument(
        "--malformed-rate",
        type=_rate,
        default=defaults.malformed_rate,
        help="share of records followed by a malformed copy (%(default)s)",
    )
    gen.add_argument(
        "--empty-day-rate",
        type=_rate,
        default=defaults.empty_day_rate,
        help="share of days on which nothing arrives (%(default)s)",
    )
    gen.add_argument(
        "--drift-date",
        type=_date,
        default=defaults.drift_date,
        help="date from which the orders extract has a new column (%(default)s)",
    )
    web = gen.add_argument_group("web clickstream")
    web.add_argument(
        "--web-browse-sessions",
        type=_sessions,
        default=web_defaults.browse_sessions_per_order,
        help="non-converting sessions per order, the volume knob: about 13 + 4 x this "
        "events per order (%(default)s)",
    )
    web.add_argument(
        "--web-late-rate",
        type=_rate,
        default=web_defaults.late_rate,
        help="share of events received 1 hour to 3 days after they were sent (%(default)s)",
    )
    web.add_argument(
        "--web-duplicate-rate",
        type=_rate,
        default=web_defaults.duplicate_rate,
        help="share of events delivered twice (%(default)s)",
    )
    web.add_argument(
        "--web-malformed-rate",
        type=_rate,
        default=web_defaults.malformed_rate,
        help="share of events followed by a malformed copy (%(default)s)",
    )
    web.add_argument(
        "--web-unknown-type-rate",
        type=_rate,
        default=web_defaults.unknown_type_rate,
        help="share of events followed by an event of an unknown type (%(default)s)",
    )
    web.add_argument(
        "--web-bot-rate",
        type=_rate,
        default=web_defaults.bot_session_rate,
        help="bot sessions per order (%(default)s)",
    )
    web.add_argument(
        "--web-drift-date",
        type=_date,
        default=web_defaults.property_drift_date,
        help="date from which events carry the new property page_load_ms (%(default)s)",
    )
    _add_dirs(gen, landing=False)

    land = sub.add_parser(
        "land",
        help="land what arrived since the last landing, as one new batch per entity",
        description="Write one new batch per entity holding every record that arrived after "
        "the current watermark and up to the end of the given day. Refuses to go backwards; "
        "repeating the last cut-off changes nothing.",
    )
    when = land.add_mutually_exclusive_group(required=True)
    when.add_argument("--through", type=_date, help="cut-off date (inclusive), YYYY-MM-DD")
    when.add_argument("--next", action="store_true", help="land one more day")
    when.add_argument(
        "--redeliver",
        action="store_true",
        help="the source sends the newest batch again, whole (after a reader refused it: "
        "damaged, cut short, a column missing)",
    )
    when.add_argument(
        "--record-files",
        action="store_true",
        help="record size, SHA-256 and rows of the files of batches landed by an earlier "
        "version (taken as they are now); lands nothing",
    )
    land.add_argument(
        "--incident",
        default=None,
        help="inject a source incident into this batch, to see the monitors catch it: "
        "short:<entity> (a third of the records), drop-column:<entity>.<column>, "
        "rename-column:<entity>.<column>, "
        "nulls:<entity>.<column>, stale:<entity> (nothing arrives)",
    )
    _add_dirs(land)

    load = sub.add_parser(
        "load",
        help="copy the landed batches into PostgreSQL's raw schema, each exactly once",
        description="Copy every landed batch not yet loaded into the raw schema of PostgreSQL "
        "(one transaction per batch, recorded in raw._load_log; concurrent loaders wait for "
        "each other). Connection from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE "
        "(defaults 127.0.0.1, 5432, postgres, none, warehouse); the database is created if "
        "missing.",
    )
    load.add_argument("--up-to-batch", type=int, default=None, help="load no batch after this one")
    _add_dirs(load)

    st = sub.add_parser(
        "status",
        help="show what has landed: batches, entities, row counts, watermark",
        description="Show the landing manifest: batches, rows per entity and the watermark.",
    )
    _add_dirs(st)

    demo = sub.add_parser(
        "demo",
        help="generate, land in batches with a dbt build after each, generate docs",
        description="What `make build` runs after installing: generate the history (unless "
        "it exists), land it at a few irregular cut-offs with `dbt build` after each, leaving "
        "the last weeks unlanded, then `dbt docs generate`. Continues where it stopped.",
    )
    demo.add_argument("--scale", type=float, default=0.1, help="TPC-H scale factor (0.1)")
    demo.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    demo.add_argument("--no-docs", action="store_true", help="skip `dbt docs generate`")
    demo.add_argument(
        "--target",
        choices=["duckdb", "postgres"],
        default="duckdb",
        help="engine to build (default duckdb; postgres loads the batches into raw first, "
        "connection from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)",
    )
    _add_dirs(demo)

    query = sub.add_parser(
        "query",
        help="run SQL against the DuckDB warehouse (read-only) and print the result",
        description="Run one SQL statement against the DuckDB warehouse file, read-only, and "
        "print the result as a table. Tables live in schemas marts, staging, snapshots.",
    )
    query.add_argument("sql", help='the SQL to run, e.g. "select * from marts.dim_dates limit 5"')
    query.add_argument(
        "--database",
        type=Path,
        default=_path_from_env("WAREHOUSE_DUCKDB_PATH", "data/warehouse.duckdb"),
        help="DuckDB file (env WAREHOUSE_DUCKDB_PATH; default %(default)s)",
    )
    query.add_argument("--max-rows", type=int, default=40, help="rows to print (default 40)")

    deps = sub.add_parser(
        "deps",
        help="install the locked dbt packages (from the local mirror or dbt hub)",
        description="Install exactly the dbt package versions in packages.lock.yml. 'auto' "
        "uses the local mirror ($WAREHOUSE_PACKAGE_MIRROR, default "
        "~/.cache/warehouse/package-mirror) when it holds them, else `dbt deps` from hub.",
    )
    deps.add_argument(
        "--mode",
        choices=["auto", "hub", "mirror"],
        default="auto",
        help="where to install from (default %(default)s)",
    )
    deps.add_argument(
        "--mirror",
        type=Path,
        default=None,
        help="mirror directory (default $WAREHOUSE_PACKAGE_MIRROR or "
        "~/.cache/warehouse/package-mirror)",
    )
    deps.add_argument(
        "--project-dir",
        type=Path,
        default=Path("."),
        help="dbt project directory (default: current directory)",
    )
    observe_help = {
        "report": "write Elementary's HTML report (edr report) of the last runs",
        "monitor": "send alerts for new failures and anomalies to a Slack or Teams webhook",
        "sla": "check source freshness and model SLAs; exit 1 naming each breach",
    }
    for name, text in observe_help.items():
        command = sub.add_parser(name, help=text, description=text + ".")
        command.add_argument(
            "--target",
            choices=["duckdb", "postgres"],
            default=os.environ.get("WAREHOUSE_TARGET", "duckdb"),
            help="warehouse engine (env WAREHOUSE_TARGET; default %(default)s)",
        )
        if name == "report":
            command.add_argument(
                "--output",
                type=Path,
                default=Path("target/edr/elementary_report.html"),
                help="HTML file to write (default %(default)s)",
            )
            command.add_argument("--days-back", type=int, default=7, help="default 7")
        if name == "monitor":
            command.add_argument(
                "--webhook",
                default=None,
                help="incoming webhook URL (default: env WAREHOUSE_ALERT_WEBHOOK)",
            )
            command.add_argument(
                "--format",
                choices=["slack", "teams"],
                default=None,
                help="message format (default: env WAREHOUSE_ALERT_FORMAT, else slack)",
            )
    cov = sub.add_parser(
        "coverage",
        help="documentation and test coverage (dbt-coverage) against the recorded levels",
        description="Measure column documentation (all, and marts, which must be 100%%) and "
        "column test coverage with dbt-coverage on the artifacts of `dbt docs generate`, and "
        "fail when a figure is below its level recorded in coverage/.",
    )
    cov.add_argument(
        "--artifacts-dir",
        type=Path,
        default=Path(os.environ.get("DBT_TARGET_PATH", "target")),
        help="where catalog.json and manifest.json are (default: dbt's target path)",
    )
    cov.add_argument(
        "--record",
        action="store_true",
        help="after measuring, make these figures the recorded levels (commit coverage/)",
    )
    passthrough = sub.add_parser(
        "dbt",
        help="run dbt with the warehouse clock set (e.g. `warehouse dbt build`)",
        description="Run the project's dbt with WAREHOUSE_AS_OF set to the simulated time of "
        "the landed data, so freshness checks and anomaly windows see the demo's 1990s as "
        "now. Everything after `dbt` goes to dbt unchanged.",
    )
    passthrough.add_argument("dbt_args", nargs=argparse.REMAINDER, help="dbt's arguments")
    sub.add_parser(
        "as-of",
        help="print the warehouse clock: the simulated time of the landed data",
        description="Print the simulated 'now' of the landed demo data (midnight after the "
        "newest landed day), for `export WAREHOUSE_AS_OF=$(warehouse as-of)` before running "
        "dbt by hand; the warehouse commands set it themselves.",
    ).add_argument(
        "--landing-dir",
        type=Path,
        default=_path_from_env("WAREHOUSE_LANDING_DIR", DEFAULT_LANDING_DIR),
        help="the landing zone (env WAREHOUSE_LANDING_DIR; default %(default)s)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "generate":
            from warehouse.simulate import FaultConfig, WebConfig, generate

            faults = FaultConfig(
                late_rate=args.late_rate,
                late_max_days=args.late_max_days,
                duplicate_rate=args.duplicate_rate,
                out_of_order_rate=args.out_of_order_rate,
                malformed_rate=args.malformed_rate,
                empty_day_rate=args.empty_day_rate,
                drift_date=args.drift_date,
            )
            web = WebConfig(
                browse_sessions_per_order=args.web_browse_sessions,
                late_rate=args.web_late_rate,
                duplicate_rate=args.web_duplicate_rate,
                malformed_rate=args.web_malformed_rate,
                unknown_type_rate=args.web_unknown_type_rate,
                bot_session_rate=args.web_bot_rate,
                property_drift_date=args.web_drift_date,
            )
            generate(args.sim_dir, scale=args.scale, seed=args.seed, faults=faults, web=web)
        elif args.command == "land":
            from warehouse.landing import Incident, land, record_files, redeliver

            if args.redeliver:
                redeliver(args.sim_dir, args.landing_dir)
                return 0
            if args.record_files:
                if not record_files(args.landing_dir):
                    print(f"every batch in {args.landing_dir} has its files recorded")
                return 0
            incident = Incident.parse(args.incident) if args.incident else None
            land(
                args.sim_dir,
                args.landing_dir,
                through=args.through,
                next_day=args.next,
                incident=incident,
            )
        elif args.command == "load":
            from warehouse.pgload import load

            load(args.landing_dir, up_to_batch=args.up_to_batch)
        elif args.command == "status":
            from warehouse.landing import status

            print(status(args.sim_dir, args.landing_dir))
        elif args.command == "demo":
            from warehouse.demo import build_demo

            build_demo(
                args.sim_dir,
                args.landing_dir,
                _path_from_env("WAREHOUSE_DUCKDB_PATH", "data/warehouse.duckdb"),
                scale=args.scale,
                seed=args.seed,
                docs=not args.no_docs,
                target=args.target,
            )
        elif args.command == "query":
            import duckdb

            if not args.database.exists():
                raise FileNotFoundError(f"no warehouse at {args.database}: run `make build` first")
            with duckdb.connect(str(args.database), read_only=True) as con:
                con.sql(args.sql).show(max_rows=args.max_rows, max_width=200)
        elif args.command == "deps":
            from warehouse.packages import install

            install(args.project_dir, mode=args.mode, mirror=args.mirror)
        elif args.command == "report":
            from warehouse.observe import report

            print(f"report written to {report(args.target, args.output, args.days_back)}")
        elif args.command == "monitor":
            from warehouse.observe import monitor

            print(monitor(args.target, args.webhook, args.format))
        elif args.command == "sla":
            from warehouse.observe import sla

            breaches = sla(args.target)
            for breach in breaches:
                print(f"{breach.severity.upper():<5} {breach.kind}: {breach.name}: {breach.detail}")
            missed = [b for b in breaches if b.severity == "error"]
            if missed:
                print(f"{len(missed)} SLA breach(es)", file=sys.stderr)
                return 1
            print("all SLAs met" + (" (late sources above)" if breaches else ""))
        elif args.command == "coverage":
            from warehouse.coverage import measure, record

            output_dir = args.artifacts_dir / "coverage"
            figures = measure(args.artifacts_dir, output_dir)
            for figure in figures:
                print(figure.line())
            if args.record:
                record(output_dir)
                print("recorded in coverage/")
                return 0
            failures = [problem for figure in figures for problem in figure.failures]
            for problem in failures:
                print(f"error: {problem}", file=sys.stderr)
            return 1 if failures else 0
        elif args.command == "dbt":
            import subprocess

            from warehouse.dbt_runner import PROJECT_DIR, dbt_environment, dbt_executable
            from warehouse.observe import run_summary

            command = [dbt_executable(), *args.dbt_args]
            env = dbt_environment(PROJECT_DIR)
            started = time.time()
            code = subprocess.run(command, env=env, check=False).returncode
            if args.dbt_args[:1] == ["build"]:
                summary = run_summary(Path(env.get("DBT_TARGET_PATH", "target")), since=started)
                print(
                    f"\nwarehouse dbt build: {summary or 'stopped before any node ran (see above)'}"
                )
            return code
        elif args.command == "as-of":
            from warehouse.dbt_runner import simulated_now

            as_of = simulated_now(args.landing_dir)
            if as_of is None:
                raise FileNotFoundError(f"nothing landed in {args.landing_dir}")
            print(as_of)
    except (ValueError, RuntimeError, FileNotFoundError, OSError) as exc:
        print(f"warehouse {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
