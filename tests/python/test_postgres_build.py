"""The same warehouse on PostgreSQL: same landed batches, same build cadence, same marts.

Uses the `built_postgres` fixture (conftest.py): the DuckDB test warehouse's landed batches are
loaded into a PostgreSQL database of this run one batch at a time, with a build after each.
"""

from __future__ import annotations

import pytest
from conftest import BUILD, ORACLE_SCALE, BuiltPostgres, BuiltWarehouse
from fingerprint import fingerprint, render
from oracle import check_queries, compiled_analyses

pytestmark = pytest.mark.slow


# Tables of a schema. Left out: the base models (views, but for the erp ones on PostgreSQL:
# tables of parsed raw rows) and the quarantines, compared by reason below (both keep the raw
# payload rendered as JSON text, which differs between engines).
TABLES = (
    "select table_name from information_schema.tables where table_schema = '{schema}' "
    "and table_type = 'BASE TABLE' and table_name not like '%quarantine' "
    "and table_name not like 'base%' order by 1"
)


@pytest.mark.parametrize("schema", ["marts", "staging"])
def test_both_engines_build_identical_tables(
    built_warehouse: BuiltWarehouse, built_postgres: BuiltPostgres, schema: str
):
    """Marts, and staging (so the reconciliation proven on DuckDB holds on PostgreSQL)."""
    con = built_warehouse.connect()
    tables = [name for (name,) in con.execute(TABLES.format(schema=schema)).fetchall()]
    _, pg_tables = built_postgres.query(TABLES.format(schema=schema))
    assert tables and [name for (name,) in pg_tables] == tables
    differing = {}
    for table in tables:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema = "
                f"'{schema}' and table_name = '{table}' order by ordinal_position"
            ).fetchall()
        ]
        select = f"select {', '.join(columns)} from {schema}.{table}"
        duck = fingerprint(con.execute(select).fetchall())
        pg = fingerprint(built_postgres.query(select)[1])
        assert duck[0] > 0, f"{table} is empty: the comparison would prove nothing"
        if duck != pg:
            differing[table] = (duck, pg)
    assert not differing, differing


def test_fingerprints_see_a_changed_value():
    rows = [(1, "a"), (2, "b")]
    assert fingerprint(rows) == fingerprint(list(reversed(rows)))
    assert fingerprint(rows) != fingerprint([(1, "a"), (2, "c")])
    assert fingerprint([(None,)]) != fingerprint([("",)])
    assert render(1.5) == render(1.5000000001) and render(True) == "true"


def test_tpch_queries_on_the_postgres_marts_match_the_official_answers(
    built_postgres: BuiltPostgres,
):
    built_postgres.dbt("compile", "--select", "analyses/tpch")
    queries = compiled_analyses(built_postgres.target_dir)
    assert sorted(queries) == list(range(1, 23))
    with built_postgres.connect() as conn:

        def run(sql: str):
            with conn.cursor() as cur:
                cur.execute(sql)
                return [d[0] for d in cur.description], cur.fetchall()

        problems = check_queries(run, queries, ORACLE_SCALE)
    failing = {q: p for q, p in problems.items() if p}
    assert not failing, "\n".join(f"Q{q}: {p[:3]}" for q, p in sorted(failing.items()))


def test_postgres_quarantines_the_same_lines_as_duckdb(
    built_warehouse: BuiltWarehouse, built_postgres: BuiltPostgres
):
    sql = (
        "select source_name, entity, reason, count(*) from staging.{table} "
        "group by 1, 2, 3 order by 1, 2, 3"
    )
    con = built_warehouse.connect()
    for table in ["stg_erp__quarantine", "stg_web__quarantine"]:
        duck = con.execute(sql.format(table=table)).fetchall()
        pg = built_postgres.query(sql.format(table=table))[1]
        assert duck and [tuple(row) for row in pg] == [tuple(row) for row in duck]


def _can_read(settings: dict, table: str) -> bool:
    import psycopg2

    conn = psycopg2.connect(**settings)
    try:
        with conn.cursor() as cur:
            cur.execute(f"select count(*) from {table}")
            return True
    except psycopg2.errors.InsufficientPrivilege:
        return False
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("role", "readable", "unreadable"),
    [
        (
            "analyst",
            ["marts.fct_orders", "marts.dim_customers", "marts.fct_sessions"],
            [
                "marts.dim_customers_pii",
                "staging.stg_erp__customers",
                "intermediate.int_web__sessions_aggregated",
                "snapshots.snap_erp__customers",
                "raw.erp_customer",
            ],
        ),
        (
            "pii_reader",
            ["marts.fct_orders", "marts.dim_customers_pii"],
            ["staging.stg_erp__customers", "raw.erp_customer", "raw.web_events"],
        ),
    ],
)
def test_each_role_reads_what_it_may_and_nothing_else(
    built_postgres: BuiltPostgres, role: str, readable: list[str], unreadable: list[str]
):
    """A login user that holds only the role connects and tries each table."""
    import uuid

    user = f"test_{role}_{uuid.uuid4().hex[:8]}"
    with built_postgres.connect() as conn, conn.cursor() as cur:
        cur.execute(f"create role {user} login in role {role}")
    try:
        as_user = {**built_postgres.settings, "user": user}
        assert {t: _can_read(as_user, t) for t in readable} == dict.fromkeys(readable, True)
        assert {t: _can_read(as_user, t) for t in unreadable} == dict.fromkeys(unreadable, False)
    finally:
        with built_postgres.connect() as conn, conn.cursor() as cur:
            cur.execute(f"drop role {user}")


def _declared_keys(target_dir) -> tuple[set, set]:
    """Primary keys (table, column) and foreign keys (table, column, parent table) that the
    mart contracts in the manifest declare."""
    import json

    manifest = json.loads((target_dir / "manifest.json").read_text())
    primary, foreign = set(), set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or not node["config"]["contract"]["enforced"]:
            continue
        for column in node["columns"].values():
            for constraint in column.get("constraints", []):
                if constraint["type"] == "primary_key":
                    primary.add((node["name"], column["name"]))
                elif constraint["type"] == "foreign_key":
                    parent = constraint["to"].split("'")[1]
                    foreign.add((node["name"], column["name"], parent))
    return primary, foreign


def test_postgres_holds_every_contract_key_after_incremental_runs(
    built_postgres: BuiltPostgres,
):
    """After several builds (dimensions rebuilt, facts appended to), every primary and
    foreign key the contracts declare exists in the catalog, and a fact row that points at no
    dimension row is refused."""
    primary, foreign = _declared_keys(built_postgres.target_dir)
    assert len(primary) >= 10 and len(foreign) >= 10
    _, rows = built_postgres.query(
        """
        select child.relname, attribute.attname, con.contype, parent.relname
        from pg_constraint as con
        join pg_class as child on child.oid = con.conrelid
        join pg_namespace as ns on ns.oid = child.relnamespace
        join pg_attribute as attribute
            on attribute.attrelid = con.conrelid and attribute.attnum = con.conkey[1]
        left join pg_class as parent on parent.oid = con.confrelid
        where ns.nspname = 'marts' and con.contype in ('p', 'f')
        """,
    )
    assert {(t, c) for t, c, kind, _ in rows if kind == "p"} == primary
    assert {(t, c, parent) for t, c, kind, parent in rows if kind == "f"} == foreign

    import psycopg2

    conn = built_postgres.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("create temp table orphan as select * from marts.fct_orders limit 1")
            cur.execute("update orphan set order_key = -42, customer_sk = -42")
            with pytest.raises(psycopg2.errors.ForeignKeyViolation, match="customer_sk"):
                cur.execute("insert into marts.fct_orders select * from orphan")
    finally:
        conn.rollback()
        conn.close()


@pytest.fixture(scope="module")
def postgres_full_refresh(built_postgres: BuiltPostgres):
    """A copy of the PostgreSQL warehouse rebuilt with --full-refresh (snapshots kept)."""
    import psycopg2

    source = built_postgres.settings["dbname"]
    copy = BuiltPostgres(
        {**built_postgres.settings, "dbname": f"{source}_full"},
        built_postgres.target_dir.parent / "target_full",
        {**built_postgres.env, "PGDATABASE": f"{source}_full"},
    )
    admin = psycopg2.connect(**{**built_postgres.settings, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s",
            [source],
        )
        cur.execute(f'create database "{source}_full" template "{source}"')
    copy.env["DBT_TARGET_PATH"] = str(copy.target_dir)
    try:
        copy.dbt(*BUILD, "--full-refresh")
        yield copy
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{source}_full" with (force)')
        admin.close()


def test_postgres_full_refresh_equals_the_incremental_sequence(
    built_postgres: BuiltPostgres, postgres_full_refresh: BuiltPostgres
):
    for schema in ["marts", "staging"]:
        _, tables = built_postgres.query(TABLES.format(schema=schema))
        assert tables
        for (table,) in tables:
            select = f"select * from {schema}.{table}"
            incremental = fingerprint(built_postgres.query(select)[1])
            full = fingerprint(postgres_full_refresh.query(select)[1])
            assert incremental == full, f"{schema}.{table}"


def test_postgres_tables_have_planner_statistics(built_postgres: BuiltPostgres):
    """Every table the build writes (models, snapshots) has been analyzed: without statistics
    PostgreSQL guesses a third of a table for every filter (it took a snapshot's 50 new rows
    for 41,745 at SF 1) and plans the incremental runs from that guess."""
    _, missing = built_postgres.query(
        "select schemaname || '.' || relname from pg_stat_user_tables "
        "where schemaname in ('staging', 'intermediate', 'marts', 'snapshots') "
        "and last_analyze is null and last_autoanalyze is null",
    )
    assert missing == []


def test_postgres_incremental_fct_events_looks_up_staged_events_by_index(
    built_postgres: BuiltPostgres,
):
    """An incremental run of fct_events reads the staged attributes of the events it rebuilds
    by index lookups, not by joining all staged events (which at SF 1 wrote over 10 GB of
    temporary files for one day). Checked on the plan of the SQL the last incremental build
    compiled."""
    compiled = built_postgres.target_dir / "compiled/warehouse/models/marts/web/fct_events.sql"
    _, [(plan,)] = built_postgres.query("explain (format json) " + compiled.read_text())
    nodes = []

    def walk(node: dict) -> None:
        nodes.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    lookups = [
        node
        for node in nodes
        if node.get("Relation Name") == "stg_web__events"
        and node["Node Type"] == "Index Scan"
        and "event_id" in node.get("Index Cond", "")
    ]
    assert lookups, [(node["Node Type"], node.get("Relation Name")) for node in nodes]


def test_postgres_full_refresh_keeps_the_unique_key_indexes(postgres_full_refresh: BuiltPostgres):
    """Every incremental model whose unique key is not its primary key has an index on that
    key after a full refresh too (the old copy of the table, still holding its index while
    the new one is built, once made the hook skip the new table)."""
    _, rows = postgres_full_refresh.query(
        "select tablename, indexdef from pg_indexes "
        "where schemaname in ('staging', 'intermediate', 'marts')",
    )
    indexed = {(table, definition.split(" USING btree ")[1]) for table, definition in rows}
    for table, key in (
        ("stg_web__events", "(event_id)"),
        ("int_web__events_sessionized", "(anonymous_id)"),
        ("int_web__sessions_aggregated", "(anonymous_id)"),
        ("fct_events", "(anonymous_id)"),
        ("int_sales__orders_last_changed", "(order_key)"),
        ("int_web__visitors_last_changed", "(anonymous_id)"),
    ):
        assert (table, key) in indexed, (table, key)


def test_postgres_parses_each_raw_row_once_and_streams_it(postgres_full_refresh: BuiltPostgres):
    """The base models parse a raw row once (not once per column read from the result) and
    stream it: no temporary file with PostgreSQL's default work_mem (4 MB), which a parse step
    stored as a materialised CTE overflows at once (at SF 1 such CTEs wrote over 40 GB).
    Counted with PostgreSQL's function statistics while the largest erp base model (a table)
    is rebuilt in the copy made for the full-refresh test."""
    import dataclasses
    import time

    def temp_bytes() -> int:
        return postgres_full_refresh.query(
            "select temp_bytes from pg_stat_database where datname = current_database()",
        )[1][0][0]

    before = temp_bytes()
    tracked = dataclasses.replace(
        postgres_full_refresh,
        env={
            **postgres_full_refresh.env,
            "PGOPTIONS": "-c track_functions=pl -c work_mem=4MB",
        },
    )
    tracked.dbt("run", "--select", "base_erp__lineitem", "--full-refresh")
    # a session's statistics arrive when it ends, which may be just after dbt exits
    for _ in range(50):
        calls = dict(
            postgres_full_refresh.query(
                "select funcname, calls from pg_stat_user_functions "
                "where schemaname = 'warehouse_util'",
            )[1]
        )
        if "try_decimal_15_2" in calls:
            break
        time.sleep(0.2)
    _, [(lineitems,)] = postgres_full_refresh.query("select count(*) from raw.erp_lineitem")
    # enough rows that a stored parse step would need more than work_mem
    assert lineitems > 10_000
    # four decimal columns per order line
    assert calls["try_decimal_15_2"] == 4 * lineitems
    assert temp_bytes() == before


def test_postgres_web_events_view_parses_only_the_batches_read_once_each(
    built_postgres: BuiltPostgres,
):
    """base_web__events is a view on PostgreSQL too (no stored copy of every parsed event): a
    reader's filter on the batch must reach the raw lines, so that an incremental run parses
    the new batches only, and each line read must be parsed once and streamed (no temporary
    file with work_mem 4 MB). Counted in one transaction with the function statistics, for
    the newest batch and then for the whole history."""
    conn = built_postgres.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("set track_functions = 'pl'")
            cur.execute("set work_mem = '4MB'")
            cur.execute("select max(_batch_id) from raw.web_event_chunks")
            (newest,) = cur.fetchone()
            expected = {}
            for label, since in (("newest", newest - 1), ("all", 0)):
                cur.execute("select count(*) from raw.web_events where _batch_id > %s", [since])
                (lines,) = cur.fetchone()
                expected[label] = lines
                cur.execute(
                    "explain (analyze, buffers, format json) "
                    "select count(*), count(_invalid_reason), "
                    "max(page_load_ms), max(collector_ts), sum(customer_key) "
                    "from staging.base_web__events where _batch_id > %s",
                    [since],
                )
                ((plan,),) = cur.fetchall()
                cur.execute(
                    "select calls from pg_stat_xact_user_functions where funcname = 'try_jsonb'"
                )
                (calls,) = cur.fetchone()
                # cumulative within the transaction: this read added one parse per line read
                read_so_far = sum(expected.values())
                assert calls == read_so_far, (label, calls, read_so_far)

                def written(node: dict) -> int:
                    return node.get("Temp Written Blocks", 0) + sum(
                        written(child) for child in node.get("Plans", [])
                    )

                assert written(plan[0]["Plan"]) == 0, label
            # there is history before the newest batch, so the filter did skip lines
            assert 0 < expected["newest"] < expected["all"]
    finally:
        conn.rollback()
        conn.close()


def _elementary_run(built_postgres: BuiltPostgres) -> tuple[dict, list[dict]]:
    """Runs every Elementary-tagged test; returns the manifest's nodes and the tests' results
    (dbt exits 1 when a test fails, which is fine here)."""
    import contextlib
    import json

    with contextlib.suppress(RuntimeError):
        built_postgres.dbt("test", "--select", "tag:elementary-tests")
    target = built_postgres.target_dir
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    results = [
        result
        for result in json.loads((target / "run_results.json").read_text())["results"]
        if result["unique_id"].startswith("test.")  # hooks are there too
    ]
    return nodes, results


def test_monitors_run_and_alert_on_postgres(built_postgres: BuiltPostgres):
    """Elementary's monitors (volume, freshness and column anomalies, schema changes, null
    thresholds) compile and run on PostgreSQL, and `warehouse monitor` sends an alert naming
    each test that failed or warned. A first run records the sources' schemas; then a column
    is added to raw.erp_region, as a changed extract would, and the second run must flag it
    (schema_changes) and alert in the Teams format. Other tests may flag too at SF 0.01 (a day
    holds a dozen orders, and the history runs past the end of ordering)."""
    import json

    from webhook_receiver import WebhookReceiver

    from warehouse.observe import monitor

    nodes, results = _elementary_run(built_postgres)
    declared = {
        uid
        for uid, node in nodes.items()
        if node["resource_type"] == "test" and "elementary-tests" in node.get("tags", [])
    }
    assert len(declared) > 20
    assert {result["unique_id"] for result in results} == declared
    assert [(r["unique_id"], r["message"]) for r in results if r["status"] == "error"] == []

    conn = built_postgres.connect()
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("alter table raw.erp_region add column r_extra text")
        nodes, results = _elementary_run(built_postgres)
    finally:
        with conn.cursor() as cur:
            cur.execute("alter table raw.erp_region drop column if exists r_extra")
        conn.close()
    assert [(r["unique_id"], r["message"]) for r in results if r["status"] == "error"] == []
    flagged = set()
    for result in results:
        if result["status"] in ("fail", "warn"):
            node = nodes[result["unique_id"]]
            attached = node["sources"][0][1] if node.get("sources") else node["attached_node"]
            flagged.add((node["test_metadata"]["name"], attached.split(".")[-1]))
    assert ("schema_changes", "region") in flagged

    with WebhookReceiver("teams") as receiver:
        monitor("postgres", webhook=receiver.url, kind="teams", env=built_postgres.env)
    assert receiver.messages
    for message in receiver.messages:
        (attachment,) = message["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = [json.dumps(message) for message in receiver.messages]
    for test_name, table in flagged:
        assert any(test_name in text and table in text for text in texts), (test_name, table)
