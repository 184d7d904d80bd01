"""The `warehouse` command: generate, land, load, status, demo, query, deps, report, monitor,
sla, coverage, dbt, as-of.

One small handler per command, bound with ``set_defaults(func=...)``; the simulator's options
come from its configuration dataclasses (``FaultConfig``, ``WebConfig``). Commands that work
on the dbt project find it from the current directory, or take ``--project-dir``."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import MISSING, Field, fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from warehouse.dbt_runner import PROJECT_DIR_ENV, project_dir

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

DEFAULT_SIM_DIR = "data/sim"
DEFAULT_LANDING_DIR = "data/landing"
DEFAULT_DUCKDB_PATH = "data/warehouse.duckdb"
TARGETS = ["duckdb", "postgres"]

Handler = Callable[[argparse.Namespace], int]
Config = TypeVar("Config", bound="DataclassInstance")
# what add_subparsers returns (argparse names its class privately; generic for the checker)
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _path_from_env(var: str, default: str) -> Path:
    return Path(os.environ.get(var, default))


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _number_in(low: float, high: float, what: str, closed: bool) -> Callable[[str], float]:
    """An argparse type: a number in [low, high] (``closed``) or [low, high) (a rate)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not (low <= value <= high if closed else low <= value < high):
            bounds = f"[{low:g}, {high:g}]" if closed else f"[{low:g}, {high:g})"
            raise argparse.ArgumentTypeError(f"{what} must be in {bounds}, got {value}")
        return value

    return parse


def _field_flag(config_field: Field[Any], prefix: str) -> str:
    flag = config_field.metadata.get("flag")
    return str(flag) if flag else f"--{prefix}{config_field.name.replace('_', '-')}"


def _field_type(config_field: Field[Any]) -> Callable[[str], Any]:
    kind = config_field.type
    if kind in (date, "date"):
        return _date
    if kind in (int, "int"):
        return int
    # A rate is in [0, 1); a field that names its range takes both ends.
    if "range" in config_field.metadata:
        low, high = config_field.metadata["range"]
        return _number_in(low, high, config_field.name.replace("_", " "), closed=True)
    return _number_in(0.0, 1.0, "a rate", closed=False)


def _add_config_options(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    config_class: type[DataclassInstance],
    prefix: str = "",
) -> None:
    """One option per field of a configuration dataclass: its flag, type, default and help
    come from the field (``flag`` and ``help`` in its metadata)."""
    for config_field in fields(config_class):
        assert config_field.default is not MISSING, config_field.name
        parser.add_argument(
            _field_flag(config_field, prefix),
            type=_field_type(config_field),
            default=config_field.default,
            help=f"{config_field.metadata['help']} (%(default)s)",
        )


def _config_from_args(config_class: type[Config], args: argparse.Namespace, prefix: str) -> Config:
    values = {
        f.name: getattr(args, _field_flag(f, prefix).lstrip("-").replace("-", "_"))
        for f in fields(config_class)
    }
    return config_class(**values)


def _add_dirs(parser: argparse.ArgumentParser, sim: bool = True, landing: bool = True) -> None:
    if sim:
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


def _add_project_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        help="the dbt project (default: the nearest folder at or above the current directory "
        "holding a dbt_project.yml)",
    )


def _command(
    sub: Subparsers, name: str, handler: Handler, help: str, description: str | None = None
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=help, description=description or help[:1].upper() + help[1:] + "."
    )
    parser.set_defaults(func=handler)
    return parser


# --- generate ------------------------------------------------------------------------------


def run_generate(args: argparse.Namespace) -> int:
    from warehouse.simulate import FaultConfig, WebConfig, generate

    faults = _config_from_args(FaultConfig, args, prefix="")
    web = _config_from_args(WebConfig, args, prefix="web-")
    generate(args.sim_dir, scale=args.scale, seed=args.seed, faults=faults, web=web)
    return 0


def add_generate(sub: Subparsers) -> None:
    from warehouse.simulate import FaultConfig, WebConfig

    parser = _command(
        sub,
        "generate",
        run_generate,
        "simulate the erp source: a TPC-H history with injected faults",
        "Generate the full history of the erp source system (TPC-H shaped) for a scale factor "
        "and seed. Deterministic: the same scale and seed give the same files.",
    )
    parser.add_argument("--scale", type=float, default=0.1, help="TPC-H scale factor (default 0.1)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    _add_config_options(parser, FaultConfig)
    _add_config_options(parser.add_argument_group("web clickstream"), WebConfig, prefix="web-")
    _add_dirs(parser, landing=False)


# --- land, load, status ------------------------------------------------------------------


def run_land(args: argparse.Namespace) -> int:
    from warehouse.landing import Incident, hour_cutoff, land, record_files, redeliver

    if args.redeliver:
        redeliver(args.sim_dir, args.landing_dir)
    elif args.record_files:
        if not record_files(args.landing_dir):
            print(f"every batch in {args.landing_dir} has its files recorded")
    else:
        incident = Incident.parse(args.incident) if args.incident else None
        land(
            args.sim_dir,
            args.landing_dir,
            through=args.through,
            until=hour_cutoff(args.until) if args.until else None,
            next_day=args.next,
            incident=incident,
        )
    return 0


def add_land(sub: Subparsers) -> None:
    parser = _command(
        sub,
        "land",
        run_land,
        "land what arrived since the last landing, as one new batch per entity",
        "Write one new batch per entity holding every record that arrived after the current "
        "cut-off and up to the end of the given day (or, for micro-batches, up to the given "
        "hour). Refuses to go backwards; repeating the last cut-off changes nothing.",
    )
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--through", type=_date, help="cut-off date (inclusive), YYYY-MM-DD")
    when.add_argument(
        "--until",
        metavar="TIMESTAMP",
        help="cut-off hour (exclusive), YYYY-MM-DDTHH:00 in UTC or with an offset, e.g. "
        "Airflow's data_interval_end: an hourly micro-batch",
    )
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
    parser.add_argument(
        "--incident",
        default=None,
        help="inject a source incident into this batch, to see the monitors catch it: "
        "short:<entity> (a third of the records), drop-column:<entity>.<column>, "
        "rename-column:<entity>.<column>, "
        "nulls:<entity>.<column>, stale:<entity> (nothing arrives)",
    )
    _add_dirs(parser)


def run_load(args: argparse.Namespace) -> int:
    from warehouse.pgload import load

    load(args.landing_dir, up_to_batch=args.up_to_batch)
    return 0


def add_load(sub: Subparsers) -> None:
    parser = _command(
        sub,
        "load",
        run_load,
        "copy the landed batches into PostgreSQL's raw schema, each exactly once",
        "Copy every landed batch not yet loaded into the raw schema of PostgreSQL (one "
        "transaction per batch, recorded in raw._load_log; concurrent loaders wait for each "
        "other). Connection from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (defaults "
        "127.0.0.1, 5432, postgres, none, warehouse); the database is created if missing.",
    )
    parser.add_argument(
        "--up-to-batch", type=int, default=None, help="load no batch after this one"
    )
    _add_dirs(parser)
    _add_project_dir(parser)


def run_status(args: argparse.Namespace) -> int:
    from warehouse.landing import status

    print(status(args.sim_dir, args.landing_dir))
    return 0


def add_status(sub: Subparsers) -> None:
    parser = _command(
        sub,
        "status",
        run_status,
        "show what has landed: batches, entities, row counts, watermark",
        "Show the landing manifest: batches, rows per entity and the watermark.",
    )
    _add_dirs(parser)


# --- demo, query ---------------------------------------------------------------------------


def run_demo(args: argparse.Namespace) -> int:
    from warehouse.demo import build_demo

    build_demo(
        args.sim_dir,
        args.landing_dir,
        _path_from_env("WAREHOUSE_DUCKDB_PATH", DEFAULT_DUCKDB_PATH),
        scale=args.scale,
        seed=args.seed,
        docs=not args.no_docs,
        target=args.target,
    )
    return 0


def add_demo(sub: Subparsers) -> None:
    parser = _command(
        sub,
        "demo",
        run_demo,
        "generate, land in batches with a dbt build after each, generate docs",
        "What `make build` runs after installing: generate the history (unless it exists), "
        "land it at a few irregular cut-offs with `dbt build` after each, leaving the last "
        "weeks unlanded, then `dbt docs generate`. Continues where it stopped.",
    )
    parser.add_argument("--scale", type=float, default=0.1, help="TPC-H scale factor (0.1)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--no-docs", action="store_true", help="skip `dbt docs generate`")
    parser.add_argument(
        "--target",
        choices=TARGETS,
        default="duckdb",
        help="engine to build (default duckdb; postgres loads the batches into raw first, "
        "connection from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)",
    )
    _add_dirs(parser)
    _add_project_dir(parser)


def run_query(args: argparse.Namespace) -> int:
    import duckdb

    if not args.database.exists():
        raise FileNotFoundError(f"no warehouse at {args.database}: run `make build` first")
    with duckdb.connect(str(args.database), read_only=True) as con:
        con.sql(args.sql).show(max_rows=args.max_rows, max_width=200)
    return 0


def add_query(sub: Subparsers) -> None:
    parser = _command(
        sub,
        "query",
        run_query,
        "run SQL against the DuckDB warehouse (read-only) and print the result",
        "Run one SQL statement against the DuckDB warehouse file, read-only, and print the "
        "result as a table. Tables live in schemas marts, staging, snapshots.",
    )
    parser.add_argument("sql", help='the SQL to run, e.g. "select * from marts.dim_dates limit 5"')
    parser.add_argument(
        "--database",
        type=Path,
        default=_path_from_env("WAREHOUSE_DUCKDB_PATH", DEFAULT_DUCKDB_PATH),
        help="DuckDB file (env WAREHOUSE_DUCKDB_PATH; default %(default)s)",
    )
    parser.add_argument("--max-rows", type=int, default=40, help="rows to print (default 40)")


# --- deps ----------------------------------------------------------------------------------


def run_deps(args: argparse.Namespace) -> int:
    from warehouse.packages import install

    # a folder with a packages.yml: the project (found as usual) or the one named
    install(args.project_dir or project_dir(), mode=args.mode, mirror=args.mirror)
    return 0


def add_deps(sub: Subparsers) -> None:
    parser = _command(
        sub,
        "deps",
        run_deps,
        "install the locked dbt packages (from the local mirror or dbt hub)",
        "Install exactly the dbt package versions in packages.lock.yml. 'auto' uses the local "
        "mirror ($WAREHOUSE_PACKAGE_MIRROR, default ~/.cache/warehouse/package-mirror) when it "
        "holds them, else `dbt deps` from hub.",
    )
    parser.add_argument(
        "--mode",
        choices=["auto", "hub", "mirror"],
        default="auto",
        help="where to install from (default %(default)s)",
    )
    parser.add_argument(
        "--mirror",
        type=Path,
        default=None,
        help="mirror directory (default $WAREHOUSE_PACKAGE_MIRROR or "
        "~/.cache/warehouse/package-mirror)",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        help="folder with the packages.yml and packages.lock.yml (default: the dbt project, "
        "found from the current directory)",
    )


# --- report, monitor, sla ------------------------------------------------------------------


def run_report(args: argparse.Namespace) -> int:
    from warehouse.observe import report

    print(f"report written to {report(args.target, args.output, args.days_back)}")
    return 0


def run_monitor(args: argparse.Namespace) -> int:
    from warehouse.observe import monitor

    print(monitor(args.target, args.webhook, args.format))
    return 0


def run_sla(args: argparse.Namespace) -> int:
    from warehouse.observe import sla

    breaches = sla(args.target)
    for breach in breaches:
        print(f"{breach.severity.upper():<5} {breach}")
    missed = [b for b in breaches if b.severity == "error"]
    if missed:
        print(f"{len(missed)} SLA breach(es)", file=sys.stderr)
        return 1
    print("all SLAs met" + (" (late sources above)" if breaches else ""))
    return 0


def _observe_command(
    sub: Subparsers, name: str, handler: Handler, help: str
) -> argparse.ArgumentParser:
    parser = _command(sub, name, handler, help, help + ".")
    parser.add_argument(
        "--target",
        choices=TARGETS,
        default=os.environ.get("WAREHOUSE_TARGET", "duckdb"),
        help="warehouse engine (env WAREHOUSE_TARGET; default %(default)s)",
    )
    _add_project_dir(parser)
    return parser


def add_observe(sub: Subparsers) -> None:
    report = _observe_command(
        sub, "report", run_report, "write Elementary's HTML report (edr report) of the last runs"
    )
    report.add_argument(
        "--output",
        type=Path,
        default=Path("target/edr/elementary_report.html"),
        help="HTML file to write (default %(default)s)",
    )
    report.add_argument("--days-back", type=int, default=7, help="default 7")
    monitor = _observe_command(
        sub,
        "monitor",
        run_monitor,
        "send alerts for new failures and anomalies to a Slack or Teams webhook",
    )
    monitor.add_argument(
        "--webhook",
        default=None,
        help="incoming webhook URL (default: env WAREHOUSE_ALERT_WEBHOOK)",
    )
    monitor.add_argument(
        "--format",
        choices=["slack", "teams"],
        default=None,
        help="message format (default: env WAREHOUSE_ALERT_FORMAT, else slack)",
    )
    _observe_command(
        sub, "sla", run_sla, "check source freshness and model SLAs; exit 1 naming each breach"
    )


# --- coverage ------------------------------------------------------------------------------


def run_coverage(args: argparse.Namespace) -> int:
    from warehouse.coverage import measure, record

    artifacts_dir = args.artifacts_dir or project_dir() / os.environ.get(
        "DBT_TARGET_PATH", "target"
    )
    output_dir = artifacts_dir / "coverage"
    figures = measure(artifacts_dir, output_dir)
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


def add_coverage(sub: Subparsers) -> None:
    parser = _command(
        sub,
        "coverage",
        run_coverage,
        "documentation and test coverage (dbt-coverage) against the recorded levels",
        "Measure column documentation (all, and marts, which must be 100%%) and column test "
        "coverage with dbt-coverage on the artifacts of `dbt docs generate`, and fail when a "
        "figure is below its level recorded in coverage/.",
    )
    parser.add_argument(
        "--artifacts-dir",
        type=Path,
        default=None,
        help="where catalog.json and manifest.json are (default: dbt's target path in the project)",
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="after measuring, make these figures the recorded levels (commit coverage/)",
    )
    _add_project_dir(parser)


# --- dbt, as-of ----------------------------------------------------------------------------


def run_dbt_passthrough(args: argparse.Namespace) -> int:
    from warehouse.build_scope import run_scoped, target_path
    from warehouse.dbt_runner import dbt_environment, dbt_executable
    from warehouse.observe import run_summary

    project = project_dir()
    env = dbt_environment(project)
    started = time.time()
    dbt_args = list(args.dbt_args)
    code = run_scoped(
        dbt_args,
        project,
        env,
        lambda command: (
            subprocess.run(
                [dbt_executable(), *command], cwd=project, env=env, check=False
            ).returncode
        ),
        lambda line: print(line, flush=True),
    )
    if dbt_args[:1] == ["build"]:
        summary = run_summary(target_path(project, env), since=started)
        print(f"\nwarehouse dbt build: {summary or 'stopped before any node ran (see above)'}")
    return code


def add_dbt(sub: Subparsers) -> None:
    parser = _command(
        sub,
        "dbt",
        run_dbt_passthrough,
        "run dbt with the warehouse clock set (e.g. `warehouse dbt build`)",
        "Run dbt in the project (found from the current directory, or --project-dir before "
        "`dbt`) with WAREHOUSE_AS_OF set to the simulated time of the landed data, so "
        "freshness checks and anomaly windows see the demo's 1990s as now. Everything after "
        "`dbt` goes to dbt unchanged, except that a `build` without a selection, when every "
        "landed batch is already built and checked, runs the selector nothing_new: what the "
        "project changed since the last complete build, and the clock-dependent checks. "
        "Elementary's artifact tables are uploaded only when the project changed since their "
        "last upload (selector elementary_artifacts).",
    )
    _add_project_dir(parser)
    parser.add_argument("dbt_args", nargs=argparse.REMAINDER, help="dbt's arguments")


def run_as_of(args: argparse.Namespace) -> int:
    from warehouse.dbt_runner import simulated_now

    as_of = simulated_now(args.landing_dir)
    if as_of is None:
        raise FileNotFoundError(f"nothing landed in {args.landing_dir}")
    print(as_of)
    return 0


def add_as_of(sub: Subparsers) -> None:
    parser = _command(
        sub,
        "as-of",
        run_as_of,
        "print the warehouse clock: the simulated time of the landed data",
        "Print the simulated 'now' of the landed demo data (midnight after the newest landed "
        "day), for `export WAREHOUSE_AS_OF=$(warehouse as-of)` before running dbt by hand; the "
        "warehouse commands set it themselves.",
    )
    _add_dirs(parser, sim=False)


COMMANDS: list[Callable[[Subparsers], None]] = [
    add_generate,
    add_land,
    add_load,
    add_status,
    add_demo,
    add_query,
    add_deps,
    add_observe,
    add_coverage,
    add_dbt,
    add_as_of,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warehouse",
        description="Tooling around the warehouse dbt project: simulate the source systems, "
        "land their extracts batch by batch, install dbt packages offline.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    named = getattr(args, "project_dir", None) if args.command != "deps" else None
    before = os.environ.get(PROJECT_DIR_ENV)
    try:
        if named is not None:
            # the modules that work on the project read it from there (dbt_runner), and so
            # do the commands they start
            os.environ[PROJECT_DIR_ENV] = str(named.resolve())
            project_dir()  # a clear error now if it is not a dbt project
        code: int = args.func(args)
        return code
    except (ValueError, RuntimeError, FileNotFoundError, OSError) as exc:
        print(f"warehouse {args.command}: error: {exc}", file=sys.stderr)
        return 1
    finally:
        if named is not None:
            if before is None:
                os.environ.pop(PROJECT_DIR_ENV, None)
            else:
                os.environ[PROJECT_DIR_ENV] = before


if __name__ == "__main__":
    sys.exit(main())
