"""End-to-end checks of the DuckDB warehouse built from SF 0.01 data in irregular batches."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess

import duckdb
import pytest
from conftest import ORACLE_SCALE, BuiltWarehouse
from oracle import check_queries, compiled_analyses

from warehouse.dbt_runner import project_dir, venv_executable
from warehouse.landing import read_web_lines_sql
from warehouse.simulate import ENTITY_KEYS

pytestmark = pytest.mark.slow

# Staging model of each erp entity, and its key columns there.
STAGING = {
    "region": ("stg_erp__regions", ["region_key"]),
    "nation": ("stg_erp__nations", ["nation_key"]),
    "customer": ("stg_erp__customers", ["customer_key"]),
    "supplier": ("stg_erp__suppliers", ["supplier_key"]),
    "part": ("stg_erp__parts", ["part_key"]),
    "partsupp": ("stg_erp__partsupps", ["part_key", "supplier_key"]),
    "orders": ("stg_erp__orders", ["order_key"]),
    "lineitem": ("stg_erp__order_lines", ["order_key", "line_number"]),
}


def test_tpch_queries_on_the_marts_match_the_official_answers(built_warehouse: BuiltWarehouse):
    built_warehouse.dbt("compile", "--select", "analyses/tpch")
    queries = compiled_analyses(built_warehouse.target_dir)
    assert sorted(queries) == list(range(1, 23))
    con = built_warehouse.connect()

    def run(sql: str):
        cursor = con.execute(sql)
        return [d[0] for d in cursor.description], cursor.fetchall()

    problems = check_queries(run, queries, ORACLE_SCALE)
    failing = {q: p for q, p in problems.items() if p}
    assert not failing, "\n".join(f"Q{q}: {p[:3]}" for q, p in sorted(failing.items()))


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = ? "
            "and table_schema = ? and table_type = 'BASE TABLE' order by 1",
            [catalog, schema],
        ).fetchall()
    ]


@pytest.mark.parametrize("schema", ["marts", "staging"])
def test_full_refresh_equals_incremental_sequence(
    built_warehouse: BuiltWarehouse, full_refresh_copy, schema: str
):
    con = duckdb.connect()
    con.execute(f"attach '{built_warehouse.duckdb_path}' as incr (read_only)")
    con.execute(f"attach '{full_refresh_copy}' as rebuilt (read_only)")
    tables = _tables(con, "incr", schema)
    assert tables, f"no tables in {schema}"
    differences = {}
    for table in tables:
        n_incr = con.execute(f"select count(*) from incr.{schema}.{table}").fetchone()[0]
        n_full = con.execute(f"select count(*) from rebuilt.{schema}.{table}").fetchone()[0]
        only_incr = con.execute(
            f"select count(*) from (select * from incr.{schema}.{table} "
            f"except all select * from rebuilt.{schema}.{table})"
        ).fetchone()[0]
        only_full = con.execute(
            f"select count(*) from (select * from rebuilt.{schema}.{table} "
            f"except all select * from incr.{schema}.{table})"
        ).fetchone()[0]
        assert n_incr > 0, f"{table} is empty"
        if (n_incr, only_incr, only_full) != (n_full, 0, 0):
            differences[table] = dict(
                incr=n_incr, full=n_full, only_incr=only_incr, only_full=only_full
            )
    assert not differences, differences


def test_every_landed_record_is_staged_superseded_or_quarantined(built_warehouse: BuiltWarehouse):
    con = built_warehouse.connect()
    landing, sim = built_warehouse.landing_dir, built_warehouse.sim_dir
    for entity, (model, _keys) in STAGING.items():
        landed = con.execute(
            f"select count(*) from read_parquet('{landing}/erp/{entity}/*/data.parquet', "
            "union_by_name = true)"
        ).fetchone()[0]
        staged = con.execute(f"select count(*) from staging.{model}").fetchone()[0]
        quarantined = dict(
            con.execute(
                "select reason, count(*) from staging.stg_erp__quarantine where entity = ? "
                "group by reason",
                [entity],
            ).fetchall()
        )
        # What the simulator says it sent (everything has landed by now).
        truth = dict(
            con.execute(
                f"select _kind, count(*) from read_parquet('{sim}/erp/{entity}.parquet') "
                "group by _kind"
            ).fetchall()
        )
        injected_bad = dict(
            con.execute(
                "select _malformed_reason, count(*) "
                f"from read_parquet('{sim}/erp/{entity}.parquet') "
                "where _kind = 'malformed' group by 1"
            ).fetchall()
        )
        key_list = ", ".join(ENTITY_KEYS[entity])
        distinct_keys = con.execute(
            f"select count(*) from (select distinct {key_list} from "
            f"read_parquet('{sim}/erp/{entity}.parquet') where _kind = 'version')"
        ).fetchone()[0]
        superseded = truth.get("version", 0) - distinct_keys
        assert landed == sum(truth.values()), entity
        assert quarantined == injected_bad, (entity, quarantined, injected_bad)
        assert staged == distinct_keys, (entity, staged, distinct_keys)
        assert landed == staged + superseded + truth.get("duplicate", 0) + sum(quarantined.values())


def test_staging_ends_in_the_tpch_state(built_warehouse: BuiltWarehouse):
    """After the whole history has landed, staging holds exactly dbgen's rows."""
    from warehouse.duck import connect_with_tpch

    con = connect_with_tpch()
    con.execute(f"call dbgen(sf={ORACLE_SCALE})")
    con.execute(f"attach '{built_warehouse.duckdb_path}' as wh (read_only)")
    differing = con.execute(
        """
        select count(*) from (
            select l_orderkey, l_linenumber, l_quantity, l_extendedprice, l_discount, l_tax,
                l_returnflag, l_linestatus, l_shipdate, l_commitdate, l_receiptdate, l_shipmode
            from lineitem
            except
            select order_key, line_number, quantity, extended_price, discount, tax,
                return_flag, line_status, ship_date, commit_date, receipt_date, ship_mode
            from wh.staging.stg_erp__order_lines
        )
        """
    ).fetchone()[0]
    assert differing == 0
    differing = con.execute(
        """
        select count(*) from (
            select c_custkey, c_address, c_phone, c_acctbal, c_mktsegment from customer
            except
            select customer_key, customer_address, customer_phone, account_balance, market_segment
            from wh.staging.stg_erp__customers
        )
        """
    ).fetchone()[0]
    assert differing == 0


def test_customer_scd2_history_matches_the_snapshot(built_warehouse: BuiltWarehouse):
    con = built_warehouse.connect()
    # A customer the snapshot saw change at least twice.
    customer_key = con.execute(
        "select customer_key from snapshots.snap_erp__customers group by 1 "
        "having count(*) >= 3 order by 1 limit 1"
    ).fetchone()[0]
    captured = con.execute(
        "select dbt_valid_from, dbt_valid_to, account_balance, market_segment "
        "from snapshots.snap_erp__customers where customer_key = ? order by dbt_valid_from",
        [customer_key],
    ).fetchall()
    versions = con.execute(
        "select valid_from, valid_to, is_current, account_balance, market_segment "
        "from marts.dim_customers where customer_key = ? order by valid_from",
        [customer_key],
    ).fetchall()
    assert len(versions) == len(captured)
    assert [v[3:] for v in versions] == [c[2:] for c in captured]
    assert sum(1 for v in versions if v[2]) == 1 and versions[-1][2]
    for earlier, later in itertools.pairwise(versions):
        assert earlier[1] == later[0], "validity ranges must touch without overlapping"
        assert earlier[0] < earlier[1]
    # Facts point to the version valid on their order date.
    wrong = con.execute(
        """
        select count(*) from marts.fct_order_lines as f
        join marts.dim_customers as c on f.customer_sk = c.customer_sk
        where f.customer_key = ?
            and not (cast(f.order_date as timestamp) >= c.valid_from
                     and cast(f.order_date as timestamp) < c.valid_to)
        """,
        [customer_key],
    ).fetchone()[0]
    assert wrong == 0


def test_no_fact_row_points_to_the_unknown_member_once_everything_landed(
    built_warehouse: BuiltWarehouse,
):
    con = built_warehouse.connect()
    unknown = con.execute(
        "select count(*) from marts.fct_order_lines where -1 in (customer_sk, part_sk, supplier_sk)"
    ).fetchone()[0]
    assert unknown == 0


def test_personal_data_reaches_only_the_restricted_mart(built_warehouse: BuiltWarehouse):
    """No mart but dim_customers_pii holds customer names, addresses or phone numbers."""
    con = built_warehouse.connect()
    pii = con.execute(
        "select customer_name, customer_address, customer_phone "
        "from staging.stg_erp__customers order by customer_key limit 50"
    ).fetchall()
    text_columns = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' and data_type = 'VARCHAR' "
        "and table_name <> 'dim_customers_pii'"
    ).fetchall()
    assert text_columns
    values = [v for row in pii for v in row]
    leaks = []
    for table, column in text_columns:
        (found,) = con.execute(
            f"select count(*) from marts.{table} where {column} in (select unnest(?::varchar[]))",
            [values],
        ).fetchone()
        if found or column.startswith(("customer_name", "customer_address", "customer_phone")):
            leaks.append((table, column, found))
    assert not leaks
    (restricted,) = con.execute(
        "select count(*) from marts.dim_customers_pii where customer_name like 'Customer#%'"
    ).fetchone()
    assert restricted > 0


# --- web clickstream -------------------------------------------------------------------------

QUARANTINE_REASON = {
    "bot": "bot_traffic",
    "unknown_type": "unknown_event_type",
    "not_json": "not_json",
    "missing_event_id": "missing_event_id",
    "bad_timestamp": "bad_timestamp",
}


def test_every_order_has_one_purchase_event_and_one_converting_session(
    built_warehouse: BuiltWarehouse,
):
    con = built_warehouse.connect()
    (orders,) = con.execute("select count(*) from marts.fct_orders").fetchone()
    purchases = con.execute(
        "select count(*), count(distinct order_key) from marts.fct_events "
        "where event_type = 'purchase'"
    ).fetchone()
    converting = con.execute(
        "select count(*), count(distinct order_key) from marts.fct_sessions where converted"
    ).fetchone()
    assert purchases == (orders, orders)
    assert converting == (orders, orders)
    (orphans,) = con.execute(
        "select count(*) from marts.fct_sessions as s "
        "left join marts.fct_orders as o using (order_key) "
        "where s.converted and o.order_key is null"
    ).fetchone()
    assert orphans == 0


def test_session_revenue_equals_order_revenue_per_day(built_warehouse: BuiltWarehouse):
    con = built_warehouse.connect()
    differing = con.execute(
        """
        with by_sessions as (
            select o.order_date, sum(s.order_revenue) as revenue
            from marts.fct_sessions as s
            join marts.fct_orders as o on s.order_key = o.order_key
            where s.converted
            group by 1
        ),
        by_orders as (
            select order_date, sum(net_amount) as revenue from marts.fct_orders group by 1
        )
        select count(*) from by_orders
        full outer join by_sessions using (order_date)
        where by_orders.revenue is distinct from by_sessions.revenue
        """
    ).fetchone()[0]
    assert differing == 0


def test_every_landed_line_is_an_event_a_duplicate_or_quarantined(
    built_warehouse: BuiltWarehouse,
):
    con = built_warehouse.connect()
    landing, sim = built_warehouse.landing_dir, built_warehouse.sim_dir
    (landed,) = con.execute(
        f"select count(*) from {read_web_lines_sql(f'{landing}/web/events/*/lines.parquet')}"
    ).fetchone()
    (staged,) = con.execute("select count(*) from staging.stg_web__events").fetchone()
    quarantined = dict(
        con.execute(
            # the rule, without the field it names (bad_timestamp:client_ts)
            "select split_part(reason, ':', 1), count(*) from staging.stg_web__quarantine "
            "group by 1"
        ).fetchall()
    )
    truth = f"read_parquet('{sim}/web/events.parquet')"
    (valid_events,) = con.execute(
        f"select count(*) from {truth} where _kind = 'event' "
        "and (_fault is null or _fault = 'late')"
    ).fetchone()
    (valid_duplicates,) = con.execute(
        f"select count(*) from {truth} where _kind = 'duplicate' "
        "and (_fault is null or _fault = 'late')"
    ).fetchone()
    injected = {
        QUARANTINE_REASON[fault]: n
        for fault, n in con.execute(
            f"select _fault, count(*) from {truth} "
            "where _fault is not null and _fault <> 'late' group by 1"
        ).fetchall()
    }
    (total,) = con.execute(f"select count(*) from {truth}").fetchone()
    assert landed == total
    assert staged == valid_events
    assert quarantined == injected
    assert landed == staged + valid_duplicates + sum(quarantined.values())


def test_no_raw_ip_address_downstream_of_staging(built_warehouse: BuiltWarehouse):
    con = built_warehouse.connect()
    (ip_columns,) = con.execute(
        "select count(*) from information_schema.columns "
        "where table_schema in ('marts', 'intermediate', 'staging') "
        "and column_name = 'ip_address' and table_name not like 'base_%'"
    ).fetchone()
    assert ip_columns == 0
    (raw_looking,) = con.execute(
        "select count(*) from marts.fct_events "
        "where ip_hash like '192.0.2.%' or ip_hash like '198.51.100.%' "
        "or ip_hash like '203.0.113.%'"
    ).fetchone()
    assert raw_looking == 0


def test_a_record_key_names_one_landed_record(built_warehouse: BuiltWarehouse):
    """(_batch_id, _record_number) of a base model finds the record in its landed file: an erp
    record by its position in the batch's Parquet file (read here in file order), a collector
    line by its rank among the batch's lines in byte order (sorted here in Python)."""
    con = built_warehouse.connect()
    landing = built_warehouse.landing_dir
    for model, entity, raw_key, key in [
        ("base_erp__orders", "orders", "o_orderkey", "order_key"),
        ("base_erp__lineitem", "lineitem", "l_orderkey", "order_key"),
    ]:
        numbers = con.execute(
            f"select _batch_id, count(*), min(_record_number), max(_record_number), "
            f"count(distinct _record_number) from staging.{model} group by 1 order by 1"
        ).fetchall()
        assert len(numbers) > 1 and all(
            (low, high, distinct) == (1, rows, rows) for _, rows, low, high, distinct in numbers
        ), numbers
        keyed = con.execute(
            f"select _batch_id, _record_number, {key} from staging.{model} "
            "where _invalid_reason is null using sample 200 rows (reservoir, 1)"
        ).fetchall()
        for batch_id, number, value in keyed:
            file = landing / "erp" / entity / f"batch={batch_id:06d}" / "data.parquet"
            in_file_order = con.execute(f"select {raw_key} from read_parquet('{file}')").fetchall()
            assert int(in_file_order[number - 1][0]) == value, (model, batch_id, number)

    sample = con.execute(
        "select _batch_id, _record_number, event_id from staging.base_web__events "
        "where _invalid_reason is null using sample 300 rows (reservoir, 1)"
    ).fetchall()
    lines_by_batch: dict[int, list[str]] = {}
    for batch_id, number, event_id in sample:
        if batch_id not in lines_by_batch:
            file = landing / "web" / "events" / f"batch={batch_id:06d}" / "lines.parquet"
            rows = con.execute(f"select raw_line from read_parquet('{file}')").fetchall()
            lines_by_batch[batch_id] = [line for (line,) in rows]
        line = lines_by_batch[batch_id][number - 1]
        assert json.loads(line)["event_id"] == event_id, (batch_id, number)
    assert len(lines_by_batch) > 1


@pytest.mark.parametrize("fault", ["repeated", "missing"])
def test_the_record_key_test_fails_on_a_bad_key(built_warehouse: BuiltWarehouse, fault: str):
    """The compiled key test of the last build passes on base_erp__orders, and returns one row
    when one record of the batches it checks is repeated or has no number."""
    compiled = next(
        (built_warehouse.target_dir / "run").rglob(
            "unique_in_new_batches_base_erp__orders__record_number__erp.sql"
        )
    ).read_text()
    relation = '"warehouse"."staging"."base_erp__orders"'
    batches = re.search(r"where _batch_id in \(([0-9, ]+)\)", compiled)
    assert relation in compiled and batches, compiled
    con = built_warehouse.connect()
    assert con.execute(compiled).fetchone()[0] == 0
    (batch_id, number) = con.execute(
        f"select _batch_id, min(_record_number) from {relation} "
        f"where _batch_id in ({batches.group(1)}) group by 1 order by 1 limit 1"
    ).fetchone()
    record = f"_batch_id = {batch_id} and _record_number = {number}"
    if fault == "repeated":
        bad = f"(select * from {relation} union all select * from {relation} where {record})"
    else:
        bad = (
            f"(select * replace (case when {record} then null else _record_number end "
            f"as _record_number) from {relation})"
        )
    assert con.execute(compiled.replace(relation, bad)).fetchone()[0] == 1


FACT = '"warehouse"."marts"."fct_order_lines"'


def _executed_test(
    built: BuiltWarehouse,
    con: duckdb.DuckDBPyConnection,
    name: str,
    relation: str = FACT,
    batch_column: str = "_batch_id",
) -> str:
    """The statement the fixture's last build ran for a test of `relation` (it counts the
    failing rows), after checking that it read the last batch and found none."""
    (last,) = con.execute("select max(batch_id) from raw._landed_files").fetchone()
    executed = next((built.target_dir / "run").rglob(f"{name}.sql")).read_text()
    assert f"where {batch_column} in ({last})" in executed, executed
    assert relation in executed, executed
    assert con.execute(executed).fetchone()[0] == 0
    return executed


def _failures(
    con: duckdb.DuckDBPyConnection, executed: str, replacement: str, relation: str = FACT
) -> int:
    """Failing rows the test finds when `replacement` is the relation it reads instead."""
    return con.execute(executed.replace(relation, replacement)).fetchone()[0]


def test_a_build_tests_the_rows_of_its_new_batches(built_warehouse: BuiltWarehouse):
    """The fixture's last build read one new batch: its row tests of incremental models check
    that batch's rows only (a bad row of it fails the test, a bad row of an older batch is
    left to the full checks), and a test of a model that is not incremental reads it all."""
    with built_warehouse.connect() as con:
        executed = _executed_test(built_warehouse, con, "not_null_fct_order_lines_customer_sk")
        (last,) = con.execute("select max(batch_id) from raw._landed_files").fetchone()
        for batch, expected in ((f"= {last}", 1), (f"< {last}", 0)):
            (key,) = con.execute(
                f"select min(order_line_sk) from {FACT} where _batch_id {batch}"
            ).fetchone()
            bad = (
                f"(select * replace (case when order_line_sk = {key} then null "
                f"else customer_sk end as customer_sk) from {FACT})"
            )
            assert _failures(con, executed, bad) == expected, batch
    whole = next(
        (built_warehouse.target_dir / "run").rglob("not_null_dim_customers_customer_sk.sql")
    ).read_text()
    assert "_batch_id" not in whole, whole


SESSIONS = '"warehouse"."marts"."fct_sessions"'
EVENTS = '"warehouse"."marts"."fct_events"'
SESSIONIZED = '"warehouse"."intermediate"."int_web__events_sessionized"'


def test_a_key_test_of_new_batches_catches_a_new_row_that_repeats_an_old_key(
    built_warehouse: BuiltWarehouse,
):
    """fct_sessions writes by visitor (anonymous_id) and nothing ties an order to one visitor,
    so its order_key test also reads the older rows that share a key with the new rows."""
    with built_warehouse.connect() as con:
        executed = _executed_test(built_warehouse, con, "unique_fct_sessions_order_key", SESSIONS)
        (last,) = con.execute("select max(batch_id) from raw._landed_files").fetchone()
        (old_key,) = con.execute(
            f"select min(order_key) from {SESSIONS} where _batch_id < {last}"
        ).fetchone()
        (new_session,) = con.execute(
            f"select min(session_sk) from {SESSIONS} where _batch_id = {last}"
        ).fetchone()
        assert old_key is not None and new_session is not None
        repeated = (
            f"(select * from {SESSIONS} union all select * replace ({old_key} as order_key) "
            f"from {SESSIONS} where session_sk = {new_session})"
        )
        assert _failures(con, executed, repeated, SESSIONS) == 1
        # two old rows with one key: no row of the new batch has it, the full checks find it
        old_only = (
            f"(select * from {SESSIONS} union all select * from {SESSIONS} "
            f"where order_key = {old_key})"
        )
        assert _failures(con, executed, old_only, SESSIONS) == 0


@pytest.mark.parametrize(
    ("name", "relation", "key", "batch_column"),
    [
        ("unique_fct_order_lines_order_line_sk", FACT, "order_line_sk", "_batch_id"),
        ("unique_fct_events_event_id", EVENTS, "event_id", "_batch_id"),
        (
            "unique_int_web__events_sessionized_event_id",
            SESSIONIZED,
            "event_id",
            "_sessionized_batch",
        ),
    ],
)
def test_a_key_test_reads_the_new_rows_only_when_the_writes_replace_the_key(
    built_warehouse: BuiltWarehouse, name: str, relation: str, key: str, batch_column: str
):
    """A model's writes replace the old rows of a key when it writes by that key
    (fct_order_lines by order_line_sk) or by a key that each of its keys stays within (the
    web models write by visitor, and an event never changes visitor): the key test reads the
    rows the last build wrote without looking up older rows, and still finds a key repeated
    within them. The sessionized events mark a re-sessionized visitor's rows with
    `_sessionized_batch`, which the test reads instead of `_batch_id`."""
    with built_warehouse.connect() as con:
        executed = _executed_test(built_warehouse, con, name, relation, batch_column)
        assert " in (select " not in executed, executed
        looks_up_older_rows = next(
            (built_warehouse.target_dir / "run").rglob("unique_fct_sessions_order_key.sql")
        ).read_text()
        assert " in (select " in looks_up_older_rows, looks_up_older_rows
        (last,) = con.execute("select max(batch_id) from raw._landed_files").fetchone()
        (new_key,) = con.execute(
            f"select min({key}) from {relation} where {batch_column} = {last}"
        ).fetchone()
        assert new_key is not None
        literal = f"'{new_key}'" if isinstance(new_key, str) else str(new_key)
        repeated = (
            f"(select * from {relation} union all select * from {relation} where {key} = {literal})"
        )
        assert _failures(con, executed, repeated, relation) == 1
        (total, keys) = con.execute(
            f"select count(*), count(distinct {key}) from {relation}"
        ).fetchone()
        assert total == keys


def test_the_full_checks_test_every_row_and_pass(built_warehouse: BuiltWarehouse, tmp_path):
    """`dbt test` (make full-checks) reads whole models, the whole-history checks included,
    and passes on the built warehouse (a copy: the tests record their results in it)."""
    target = tmp_path / "target"
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse.duckdb_path, copy)
    built_warehouse.dbt(
        "test",
        "--exclude",
        "tag:elementary-tests",
        env={
            "WAREHOUSE_DUCKDB_PATH": str(copy),
            "DBT_TARGET_PATH": str(target),
            "DBT_LOG_PATH": str(target / "logs"),
        },
    )
    for name in ("not_null_fct_order_lines_customer_sk", "unique_fct_order_lines_order_line_sk"):
        compiled = next((target / "compiled").rglob(f"{name}.sql")).read_text()
        assert "_batch_id" not in compiled, compiled
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert len(results) > 200
    assert {r["status"] for r in results} <= {"pass", "warn", "success"}
    # the whole-history check that a build leaves out (selectors.yml: daily)
    assert "test.warehouse.assert_erp_records_reconcile" in {r["unique_id"] for r in results}


def test_a_build_with_nothing_new_builds_what_changed_and_runs_the_clock_checks(
    built_warehouse: BuiltWarehouse, tmp_path
):
    """`warehouse dbt build` after a complete build, with nothing landed since: the selector
    nothing_new runs the nodes the project changed (here dim_dates, marked changed in the
    last build's manifest) with their children, and the clock-dependent checks; nothing
    else. A second build on the same day of the clock runs only what changed: nothing (on a
    copy of the warehouse)."""
    target = tmp_path / "target"
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse.duckdb_path, copy)
    state = target / "last-build" / "duckdb"
    state.mkdir(parents=True)
    manifest = json.loads((built_warehouse.target_dir / "manifest.json").read_text())
    # dbt compares a model's code (raw_code), its configuration, description and contract
    manifest["nodes"]["model.warehouse.dim_dates"]["raw_code"] += "\n-- an earlier version"
    (state / "manifest.json").write_text(json.dumps(manifest))
    env = {
        **os.environ,
        **built_warehouse.env,
        "WAREHOUSE_DUCKDB_PATH": str(copy),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target / "logs"),
    }

    def build() -> str:
        result = subprocess.run(
            [venv_executable("warehouse"), "dbt", "build"],
            cwd=project_dir(),
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-4000:]
        return result.stdout

    assert "nothing new since the last complete build: building what the project changed" in (
        build()
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    ran = {r["unique_id"] for r in results}
    # what depends on dim_dates in dbt's graph (the facts do, by their foreign keys)
    changed = {"model.warehouse.dim_dates"}
    frontier = list(changed)
    while frontier:
        for child in manifest["child_map"].get(frontier.pop(), []):
            if child not in changed:
                changed.add(child)
                frontier.append(child)
    models = {name for name in ran if name.startswith("model.")}
    assert "model.warehouse.dim_dates" in models and models <= changed, models - changed
    tests = {name for name in ran if name.startswith("test.")}
    # the changed model's own tests, and the deadline checks of unchanged marts
    assert any(name.startswith("test.warehouse.unique_dim_dates") for name in tests), tests
    assert any(".sla_max_age_fct_order_lines" in name for name in tests), tests
    clock_checks = ("sla_max_age", "freshness_anomalies", "volume_anomalies")
    # anything else that ran (tests, unit tests, hooks) depends on dim_dates or is a hook
    unexpected = {
        n
        for n in ran - changed
        if not n.startswith("operation.") and not any(c in n for c in clock_checks)
    }
    assert not unexpected, unexpected
    assert "model.warehouse.stg_erp__orders" not in ran
    # saved queries and exposures report no-op
    assert {r["status"] for r in results} <= {"pass", "warn", "success", "no-op"}
    # it left its manifest for the next build to compare with, and the clock's day
    kept = json.loads((state / "manifest.json").read_text())["nodes"]
    assert "an earlier version" not in kept["model.warehouse.dim_dates"]["raw_code"]
    (run_results := target / "run_results.json").unlink()
    output = build()
    assert "the clock-dependent checks ran on today's date" in output, output[-3000:]
    assert not run_results.exists() or not json.loads(run_results.read_text())["results"]


def test_duckdb_memory_limit_comes_from_the_environment(built_warehouse: BuiltWarehouse, tmp_path):
    """WAREHOUSE_DUCKDB_MEMORY_LIMIT sets DuckDB's memory ceiling at the start of a run; a
    value that is not a memory size fails the run before any model, naming the variable."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse.duckdb_path, copy)
    target = tmp_path / "target"
    env = {
        "WAREHOUSE_DUCKDB_PATH": str(copy),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target / "logs"),
    }
    built_warehouse.dbt(
        "run", "--select", "dim_dates", env={**env, "WAREHOUSE_DUCKDB_MEMORY_LIMIT": "1.5GiB"}
    )
    log = (target / "logs" / "dbt.log").read_text()
    assert "set memory_limit = '1.5GiB'" in log

    def dim_dates_runs() -> int:
        with duckdb.connect(str(copy), read_only=True) as con:
            sql = "select count(*) from elementary.dbt_run_results where name = 'dim_dates'"
            return int(con.execute(sql).fetchone()[0])

    runs = dim_dates_runs()
    with pytest.raises(RuntimeError) as failed:
        built_warehouse.dbt(
            "run", "--select", "dim_dates", env={**env, "WAREHOUSE_DUCKDB_MEMORY_LIMIT": "80%"}
        )
    assert "WAREHOUSE_DUCKDB_MEMORY_LIMIT=80% is not a memory size" in str(failed.value)
    assert dim_dates_runs() == runs, "a run with a bad limit stops before any model"
