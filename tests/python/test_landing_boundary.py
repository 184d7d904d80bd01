"""Nothing is lost where files enter the warehouse (DuckDB and PostgreSQL, SF 0.01).

A history is landed and built once; each test copies it, lands the next day, damages the
delivery the way a transfer or an extract tool would (a file cut short, a byte changed, a file
gone, a column renamed, a file sent twice, a batch folder copied in by hand), and checks that
the readers refuse or skip it with a message naming batch, file and difference, that nothing
of the batch reaches staging, and that once the delivery is repaired the batch is processed
whole. The DuckDB reader is dbt's on-run-start check (`verify_landed_files`); the PostgreSQL
reader is `warehouse load` (warehouse.verify).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

import duckdb
import psycopg2
import pytest
from conftest import LandedWarehouse

from warehouse.dbt_runner import run_dbt
from warehouse.landing import Incident, land, read_manifest, record_file, redeliver, watermark
from warehouse.pgload import LoadError, load

pytestmark = pytest.mark.slow

QUIET = {"progress": lambda _: None}
HISTORY_END = date(1995, 6, 30)
# staging only: the boundary's guarantees are about what reaches staging
STAGING = ("build", "--select", "path:models/staging", "--exclude", "tag:elementary-tests")


class Warehouse(LandedWarehouse):
    def build(self) -> str:
        """dbt build of staging; returns dbt's output, raises with it when dbt fails."""
        return run_dbt(list(STAGING), env=self.env, capture=True).stdout

    def refused(self) -> str:
        """dbt build of staging, which must fail; returns its output."""
        with pytest.raises(RuntimeError) as failure:
            self.build()
        return str(failure.value)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as con:
            return con.execute(sql).fetchall()

    def land_next(self, incident: str | None = None, days: int = 1) -> int:
        """Land the next `days` days as one batch; returns its number."""
        batch = land(
            self.sim_dir,
            self.landing_dir,
            through=watermark(self.landing_dir) + timedelta(days=days),
            incident=Incident.parse(incident) if incident else None,
            **QUIET,
        )
        assert batch is not None
        return batch.batch_id

    def file(self, source: str, entity: str, batch_id: int) -> Path:
        (batch,) = [b for b in read_manifest(self.landing_dir) if b.batch_id == batch_id]
        (record,) = [f for f in batch.files if (f.source, f.entity) == (source, entity)]
        return self.landing_dir / record.path


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Warehouse:
    return Warehouse.history(tmp_path_factory.mktemp("boundary"), 0.01, 5, HISTORY_END)


@pytest.fixture
def warehouse(history: Warehouse, tmp_path: Path) -> Warehouse:
    return history.copy(tmp_path)


def _staged_batches(warehouse: Warehouse) -> dict[str, int]:
    """The newest batch in each table that incremental staging and the quarantines hold."""
    tables = ["stg_erp__order_lines", "stg_erp__orders", "stg_web__events", "stg_web__quarantine"]
    return {
        table: warehouse.query(f"select coalesce(max(_batch_id), 0) from staging.{table}")[0][0]
        for table in tables
    }


def _resend_orders(warehouse: Warehouse, original: int, batch_id: int) -> Path:
    """The extract tool sends batch `original`'s order file again as batch `batch_id`'s, and
    records it in the manifest as it would a new file; returns the copy's path."""
    copied = warehouse.file("erp", "orders", batch_id)
    shutil.copy(warehouse.file("erp", "orders", original), copied)
    manifest_path = warehouse.landing_dir / "_manifest.json"
    manifest = json.loads(manifest_path.read_text())
    by_batch = {b["batch_id"]: b for b in manifest["batches"]}
    (source,) = [f for f in by_batch[original]["files"] if f["entity"] == "orders"]
    files = by_batch[batch_id]["files"]
    for number, record in enumerate(files):
        if record["entity"] == "orders":
            files[number] = asdict(
                record_file(warehouse.landing_dir, "erp", "orders", copied, source["rows"])
            )
    manifest_path.write_text(json.dumps(manifest))
    return copied


def _web_lines_accounted(warehouse: Warehouse, batch_id: int) -> tuple[int, int]:
    """(lines the manifest records for a web batch, lines of it staged, duplicate or
    quarantined): staged events of the batch + the batch's lines that repeat an event id +
    its quarantined lines."""
    (batch,) = [b for b in read_manifest(warehouse.landing_dir) if b.batch_id == batch_id]
    (valid, invalid) = warehouse.query(
        "select count(*) filter (where _invalid_reason is null), "
        f"count(*) filter (where _invalid_reason is not null) from staging.base_web__events "
        f"where _batch_id = {batch_id}"
    )[0]
    (quarantined,) = warehouse.query(
        f"select count(*) from staging.stg_web__quarantine where _batch_id = {batch_id}"
    )[0]
    assert quarantined == invalid
    return batch.rows["web_events"], valid + quarantined


def test_a_web_file_cut_short_stops_the_run_and_is_read_whole_once_repaired(
    warehouse: Warehouse,
):
    before = _staged_batches(warehouse)
    batch_id = warehouse.land_next()
    path = warehouse.file("web", "events", batch_id)
    original = path.read_bytes()
    path.write_bytes(original[: len(original) // 2])
    output = warehouse.refused()
    assert f"web.events, batch {batch_id}" in output, output
    assert f"it has {len(original) // 2} bytes, the manifest records {len(original)}" in output
    # nothing of the batch (nor of the batch's erp files) reached staging
    assert _staged_batches(warehouse) == before
    path.write_bytes(original)  # the transfer is repeated
    warehouse.build()
    assert set(_staged_batches(warehouse).values()) == {batch_id}
    recorded, accounted = _web_lines_accounted(warehouse, batch_id)
    assert recorded == accounted > 0
    # it reconciled, but a build of a selection (staging) leaves the batch to the next build
    # of the whole project, whose tests of new batches read it again
    (claimed,) = warehouse.query(
        f"select count(*) from raw._landed_files where batch_id = {batch_id} "
        "and reconciled_by is not null"
    )[0]
    assert claimed == 0


def test_a_changed_byte_and_a_missing_file_are_named(warehouse: Warehouse):
    batch_id = warehouse.land_next()
    orders = warehouse.file("erp", "orders", batch_id)
    data = bytearray(orders.read_bytes())
    data[len(data) // 2] ^= 0xFF
    orders.write_bytes(bytes(data))
    lines = warehouse.file("erp", "lineitem", batch_id)
    lines.unlink()
    output = warehouse.refused()
    assert f"erp.orders, batch {batch_id}" in output and "SHA-256" in output, output
    assert f"erp.lineitem, batch {batch_id}" in output and "the file is missing" in output


@pytest.mark.parametrize(
    ("incident", "column", "found"),
    [
        ("rename-column:lineitem.l_comment", "l_comment", "l_comment_renamed"),
        ("drop-column:lineitem.l_discount", "l_discount", "none"),
    ],
)
def test_a_renamed_or_dropped_column_refuses_the_batch_until_it_is_sent_again(
    warehouse: Warehouse, incident: str, column: str, found: str
):
    before = _staged_batches(warehouse)
    batch_id = warehouse.land_next(incident)
    output = warehouse.refused()
    assert f"erp.lineitem, batch {batch_id}" in output, output
    assert f"declared column {column} is missing (missing_column:{column})" in output
    assert f"the file has columns the contract does not name: {found}" in output
    assert _staged_batches(warehouse) == before
    redeliver(warehouse.sim_dir, warehouse.landing_dir, **QUIET)
    warehouse.build()
    # every line of the batch kept its comment and discount: none is null in staging
    (empty,) = warehouse.query(
        "select count(*) from staging.stg_erp__order_lines "
        f"where _batch_id = {batch_id} and (line_comment is null or discount is null)"
    )[0]
    (staged,) = warehouse.query(
        f"select count(*) from staging.stg_erp__order_lines where _batch_id = {batch_id}"
    )[0]
    assert staged > 0 and empty == 0


def test_a_file_sent_again_as_a_new_batch_is_skipped_naming_both(warehouse: Warehouse):
    first = warehouse.land_next()
    warehouse.build()
    second = warehouse.land_next()
    copied = _resend_orders(warehouse, first, second)
    output = warehouse.build()
    assert (
        f"erp.orders, batch {second} ({copied.relative_to(warehouse.landing_dir)}) has the same "
        f"content as batch {first}"
    ) in output, output
    (read,) = warehouse.query(f"select count(*) from raw.erp_orders where _batch_id = {second}")[0]
    assert read == 0
    # the reconciliation still holds
    warehouse.build()


def test_a_batch_folder_copied_in_by_hand_is_never_read(warehouse: Warehouse):
    batch_id = warehouse.land_next()
    warehouse.build()
    before = warehouse.query("select count(*) from staging.stg_web__quarantine")[0][0]
    landing = warehouse.landing_dir
    entity_dirs = [*(landing / "erp").iterdir(), landing / "web" / "events"]
    for entity_dir in entity_dirs:
        shutil.copytree(
            entity_dir / f"batch={batch_id:06d}", entity_dir / f"batch={batch_id + 1:06d}"
        )
    warehouse.build()
    assert warehouse.query("select count(*) from staging.stg_web__quarantine")[0][0] == before
    assert set(_staged_batches(warehouse).values()) == {batch_id}
    # the next landing removes the folder and lands the real next days (a week, so that some
    # of its lines are invalid), whose invalid lines are all quarantined
    real = warehouse.land_next(days=7)
    assert real == batch_id + 1
    warehouse.build()
    recorded, accounted = _web_lines_accounted(warehouse, real)
    assert recorded == accounted > 0
    (invalid,) = warehouse.query(
        f"select count(*) from staging.stg_web__quarantine where _batch_id = {real}"
    )[0]
    assert invalid > 0


# PostgreSQL: `warehouse load` applies the same checks before it copies a batch.


def _loaded(settings: dict) -> list[tuple]:
    with psycopg2.connect(**settings) as conn, conn.cursor() as cur:
        cur.execute(
            "select batch_id, entity, row_count, duplicate_of_batch from raw._load_log "
            "order by 1, 2"
        )
        return cur.fetchall()


def test_postgres_loader_refuses_damage_and_loads_the_repaired_batch_whole(
    warehouse: Warehouse, database: dict
):
    load(warehouse.landing_dir, database, **QUIET)
    before = _loaded(database)
    batch_id = warehouse.land_next()
    web = warehouse.file("web", "events", batch_id)
    original = web.read_bytes()
    web.write_bytes(original[: len(original) // 2])
    with pytest.raises(LoadError) as refused:
        load(warehouse.landing_dir, database, **QUIET)
    assert f"web.events, batch {batch_id}" in str(refused.value)
    assert "cut short or replaced" in str(refused.value)
    assert _loaded(database) == before  # nothing of the batch
    web.write_bytes(original)
    assert load(warehouse.landing_dir, database, **QUIET) == [batch_id]
    (batch,) = [b for b in read_manifest(warehouse.landing_dir) if b.batch_id == batch_id]
    loaded = {entity: rows for b, entity, rows, _ in _loaded(database) if b == batch_id}
    assert loaded["events"] == batch.rows["web_events"]


def test_postgres_loader_refuses_a_renamed_column_and_skips_a_resent_file(
    warehouse: Warehouse, database: dict
):
    load(warehouse.landing_dir, database, **QUIET)
    batch_id = warehouse.land_next("rename-column:orders.o_comment")
    with pytest.raises(LoadError) as refused:
        load(warehouse.landing_dir, database, **QUIET)
    assert f"erp.orders, batch {batch_id}" in str(refused.value)
    assert "missing_column:o_comment" in str(refused.value)
    redeliver(warehouse.sim_dir, warehouse.landing_dir, **QUIET)
    assert load(warehouse.landing_dir, database, **QUIET) == [batch_id]
    # a re-sent file recorded as a new batch
    second = warehouse.land_next()
    _resend_orders(warehouse, batch_id, second)
    messages: list[str] = []
    assert load(warehouse.landing_dir, database, progress=messages.append) == [second]
    assert any(f"same content as batch {batch_id}" in m for m in messages), messages
    logged = {(e, d) for b, e, _, d in _loaded(database) if b == second}
    assert ("orders", batch_id) in logged


def test_a_batch_that_does_not_reconcile_fails_naming_table_batch_and_counts(
    warehouse: Warehouse,
):
    batch_id = warehouse.land_next(days=7)
    # a run without tests reads the batch but leaves its reconciliation to the next run
    run_dbt(["run", "--select", "path:models/staging"], env=warehouse.env, capture=True)
    with duckdb.connect(str(warehouse.duckdb_path)) as con:
        (reconciled,) = con.execute(
            f"select count(*) from raw._landed_files where batch_id = {batch_id} "
            "and reconciled_by is not null"
        ).fetchone()
        assert reconciled == 0
        # an order of the batch goes missing from staging
        con.execute(
            "delete from staging.stg_erp__orders where order_key = (select min(order_key) "
            f"from staging.stg_erp__orders where _batch_id = {batch_id})"
        )
    with pytest.raises(RuntimeError) as failure:
        run_dbt(["test", "--select", "assert_batches_reconcile"], env=warehouse.env, capture=True)
    message = str(failure.value)
    assert f"erp.orders, batch {batch_id} does not reconcile" in message, message
    assert "valid keys missing from staging 1" in message


def _rename_json_key(warehouse: Warehouse, batch_id: int, key: str) -> None:
    """The collector renames a key in every line of a batch; the EL tool records the file."""
    path = warehouse.file("web", "events", batch_id)
    renamed = path.with_name("renamed.parquet")
    with duckdb.connect() as con:
        con.execute(
            f"copy (select replace(raw_line, '\"{key}\":', '\"{key}_renamed\":') as raw_line "
            f"from read_parquet('{path}')) to '{renamed}' (format parquet)"
        )
    renamed.replace(path)
    manifest_path = warehouse.landing_dir / "_manifest.json"
    manifest = json.loads(manifest_path.read_text())
    (batch,) = [b for b in manifest["batches"] if b["batch_id"] == batch_id]
    for number, record in enumerate(batch["files"]):
        if record["source"] == "web":
            batch["files"][number] = asdict(
                record_file(warehouse.landing_dir, "web", "events", path, record["rows"])
            )
    manifest_path.write_text(json.dumps(manifest))


def test_a_renamed_json_key_refuses_the_web_batch_on_both_engines(
    warehouse: Warehouse, database: dict
):
    load(warehouse.landing_dir, database, **QUIET)
    before = _staged_batches(warehouse)
    batch_id = warehouse.land_next()
    _rename_json_key(warehouse, batch_id, "user_agent")
    expected = "declared column user_agent is missing (missing_column:user_agent)"
    output = warehouse.refused()
    assert f"web.events, batch {batch_id}" in output and expected in output, output
    assert "contract does not name: user_agent_renamed" in output
    assert _staged_batches(warehouse) == before
    with pytest.raises(LoadError) as refused:
        load(warehouse.landing_dir, database, **QUIET)
    assert f"web.events, batch {batch_id}" in str(refused.value)
    assert expected in str(refused.value)
    redeliver(warehouse.sim_dir, warehouse.landing_dir, **QUIET)
    warehouse.build()
    assert load(warehouse.landing_dir, database, **QUIET) == [batch_id]
    (agents,) = warehouse.query(
        "select count(user_agent) = count(*) from staging.stg_web__events "
        f"where _batch_id = {batch_id}"
    )[0]
    assert agents
