"""Fast tests of the erp simulator and the landing zone (tiny scale factor, no dbt)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from warehouse.dbt_runner import simulated_now
from warehouse.duck import connect_with_tpch
from warehouse.landing import (
    LandingError,
    hour_cutoff,
    land,
    read_manifest,
    status,
    watermark,
)
from warehouse.simulate import DRIFT_COLUMN, ENTITIES, ENTITY_KEYS, FaultConfig, generate

SCALE = 0.01  # smaller scales give duplicate partsupp keys in dbgen
QUIET = {"progress": lambda _: None}


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sim")
    generate(path, scale=SCALE, seed=3, **QUIET)
    return path


def _read(path: Path, sql: str):
    return duckdb.connect().execute(sql.replace("{p}", str(path))).fetchall()


def test_generation_is_deterministic(sim_dir: Path, tmp_path: Path):
    generate(tmp_path, scale=SCALE, seed=3, **QUIET)
    for entity in ENTITIES:
        a = _read(sim_dir, f"select * from '{{p}}/erp/{entity}.parquet' order by all")
        b = _read(tmp_path, f"select * from '{{p}}/erp/{entity}.parquet' order by all")
        assert a == b, entity


def test_another_seed_gives_another_history(sim_dir: Path, tmp_path: Path):
    generate(tmp_path, scale=SCALE, seed=4, **QUIET)
    a = _read(sim_dir, "select _arrived_at from '{p}/erp/lineitem.parquet' order by all")
    b = _read(tmp_path, "select _arrived_at from '{p}/erp/lineitem.parquet' order by all")
    assert a != b


def test_the_last_version_of_every_key_is_the_tpch_row(sim_dir: Path):
    con = connect_with_tpch()
    con.execute(f"call dbgen(sf={SCALE})")
    for entity in ENTITIES:
        columns = [r[0] for r in con.execute(f"describe {entity}").fetchall()]
        text_cols = ", ".join(f"cast({c} as varchar)" for c in columns)
        finals = f"""select {", ".join(columns)} from '{sim_dir}/erp/{entity}.parquet'
                     where _kind = 'version' and _is_final"""
        missing = con.execute(
            f"select count(*) from (select {text_cols} from {entity} except ({finals}))"
        ).fetchone()[0]
        extra = con.execute(
            f"select count(*) from (({finals}) except select {text_cols} from {entity})"
        ).fetchone()[0]
        n_final = con.execute(f"select count(*) from ({finals})").fetchone()[0]
        n_tpch = con.execute(f"select count(*) from {entity}").fetchone()[0]
        assert (missing, extra, n_final) == (0, 0, n_tpch), entity


def test_versions_of_a_key_are_ordered_in_time(sim_dir: Path):
    for entity, keys in ENTITY_KEYS.items():
        (bad,) = _read(
            sim_dir,
            f"""select count(*) from (
                select updated_at, lag(updated_at) over (
                    partition by {", ".join(keys)} order by _version) as previous
                from '{{p}}/erp/{entity}.parquet' where _kind = 'version')
            where previous >= updated_at""",
        )[0:1][0]
        assert bad == 0, entity


def test_every_fault_kind_is_injected_with_the_default_rates(sim_dir: Path):
    kinds = dict(
        _read(sim_dir, "select _kind, count(*) from '{p}/erp/lineitem.parquet' group by 1")
    )
    assert kinds["duplicate"] > 0 and kinds["malformed"] > 0
    reasons = {
        r[0]
        for r in _read(
            sim_dir,
            "select distinct _malformed_reason from '{p}/erp/lineitem.parquet' "
            "where _kind = 'malformed'",
        )
    }
    # the reason staging gives each: the rule and the raw column it judges
    assert reasons == {"missing_key:l_orderkey", "bad_type:l_quantity", "unknown_code:l_returnflag"}
    (late, ooo) = _read(
        sim_dir,
        "select count(*) filter (where _late), count(*) filter (where _out_of_order) "
        "from '{p}/erp/lineitem.parquet'",
    )[0]
    assert late > 0 and ooo > 0
    # Out of order means: arrives after the next version of the same key (or with it, when
    # both are pushed past the same run of empty days).
    (overtaken,) = _read(
        sim_dir,
        """
        select count(*) from (
            select _out_of_order, _arrived_at,
                lead(_arrived_at) over (partition by l_orderkey, l_linenumber
                                        order by _version) as next_arrival
            from '{p}/erp/lineitem.parquet' where _kind = 'version')
        where _out_of_order and _arrived_at < next_arrival""",
    )[0]
    assert overtaken == 0


def test_faults_can_be_switched_off(tmp_path: Path):
    none = FaultConfig(
        late_rate=0, duplicate_rate=0, out_of_order_rate=0, malformed_rate=0, empty_day_rate=0
    )
    meta = generate(tmp_path, scale=0.001, seed=1, faults=none, **QUIET)
    assert all(set(counts) == {"version"} for counts in meta.records.values())


def test_bad_fault_configuration_fails_fast(tmp_path: Path):
    with pytest.raises(ValueError, match="duplicate_rate"):
        generate(tmp_path, scale=0.001, faults=FaultConfig(duplicate_rate=1.5), **QUIET)


def test_empty_days_receive_nothing(sim_dir: Path):
    (on_empty_days,) = _read(
        sim_dir,
        """
        with arrivals as (
            select cast(_arrived_at as date) as day from '{p}/erp/lineitem.parquet'
            union all select cast(_arrived_at as date) from '{p}/erp/orders.parquet')
        select count(distinct day) from arrivals""",
    )[0]
    meta = json.loads((sim_dir / "meta.json").read_text())
    span = (date.fromisoformat(meta["last_arrival"]) - date(1992, 1, 1)).days
    assert on_empty_days < span  # some days in the span had no arrivals at all


def test_landing_in_batches_delivers_every_record_exactly_once(sim_dir: Path, tmp_path: Path):
    landing = tmp_path / "landing"
    for cutoff in ["1992-03-01", "1994-07-15", "1994-07-16", "1999-12-31"]:
        land(sim_dir, landing, through=date.fromisoformat(cutoff), **QUIET)
    batches = read_manifest(landing)
    assert [b.batch_id for b in batches] == [1, 2, 3, 4]
    for entity in ENTITIES:
        sim = _read(sim_dir, f"select count(*) from '{{p}}/erp/{entity}.parquet'")[0][0]
        landed = _read(
            landing,
            f"select count(*), count(distinct _batch_id) from read_parquet("
            f"'{{p}}/erp/{entity}/*/data.parquet', union_by_name = true)",
        )[0]
        assert landed[0] == sim == sum(b.rows[entity] for b in batches), entity
    # Each batch holds only what arrived in its window.
    (outside,) = _read(
        landing,
        """
        select count(*) from read_parquet('{p}/erp/lineitem/*/data.parquet')
        where (_batch_id = 2 and (_arrived_at < '1992-03-02' or _arrived_at >= '1994-07-16'))
           or (_batch_id = 3 and cast(_arrived_at as date) <> '1994-07-16')""",
    )[0]
    assert outside == 0


def test_drift_column_appears_only_from_the_drift_date(sim_dir: Path, tmp_path: Path):
    landing = tmp_path / "landing"
    land(sim_dir, landing, through=date(1995, 12, 30), **QUIET)
    land(sim_dir, landing, through=date(1996, 3, 1), **QUIET)
    con = duckdb.connect()
    first = [
        r[0]
        for r in con.execute(
            f"describe select * from '{landing}/erp/orders/batch=000001/data.parquet'"
        ).fetchall()
    ]
    second = [
        r[0]
        for r in con.execute(
            f"describe select * from '{landing}/erp/orders/batch=000002/data.parquet'"
        ).fetchall()
    ]
    assert DRIFT_COLUMN not in first and DRIFT_COLUMN in second
    (filled,) = con.execute(
        f"select count({DRIFT_COLUMN}) from '{landing}/erp/orders/batch=000002/data.parquet'"
    ).fetchone()
    assert filled > 0


def test_landing_refuses_to_go_backwards_and_repeats_are_no_ops(sim_dir: Path, tmp_path: Path):
    landing = tmp_path / "landing"
    land(sim_dir, landing, through=date(1993, 1, 1), **QUIET)
    before = sorted(p.name for p in landing.rglob("*"))
    assert land(sim_dir, landing, through=date(1993, 1, 1), **QUIET) is None
    assert sorted(p.name for p in landing.rglob("*")) == before
    with pytest.raises(LandingError, match="refusing to land backwards"):
        land(sim_dir, landing, through=date(1992, 12, 31), **QUIET)
    batch = land(sim_dir, landing, next_day=True, **QUIET)
    assert batch is not None and batch.through == "1993-01-02"
    assert watermark(landing) == date(1993, 1, 1) + timedelta(days=1)
    assert "watermark: 1993-01-02 (2 batches)" in status(sim_dir, landing)


def test_next_needs_a_first_landing(sim_dir: Path, tmp_path: Path):
    with pytest.raises(LandingError, match="nothing has landed yet"):
        land(sim_dir, tmp_path / "landing", next_day=True, **QUIET)


def test_an_interrupted_landing_is_cleaned_up(sim_dir: Path, tmp_path: Path):
    landing = tmp_path / "landing"
    land(sim_dir, landing, through=date(1993, 1, 1), **QUIET)
    # A crash after writing files but before the manifest: files of batch 2 without a record.
    orphan = landing / "erp" / "orders" / "batch=000002"
    orphan.mkdir()
    (orphan / "data.parquet").write_bytes(b"partial")
    batch = land(sim_dir, landing, through=date(1993, 2, 1), **QUIET)
    assert batch.batch_id == 2
    rows = _read(landing, "select count(*) from '{p}/erp/orders/batch=000002/data.parquet'")
    assert rows[0][0] == batch.rows["orders"]


def test_land_without_a_generated_history_says_what_to_do(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="warehouse generate"):
        land(tmp_path / "nothing", tmp_path / "landing", through=date(1993, 1, 1), **QUIET)


def _batch_rows(landing: Path, entity: str, batch: int, sql: str = "count(*)"):
    path = landing / "erp" / entity / f"batch={batch:06d}" / "data.parquet"
    return _read(path, f"select {sql} from read_parquet('{{p}}')")[0][0]


def test_incidents_change_only_their_batch_and_entity(sim_dir: Path, tmp_path: Path):
    """Each incident kind, landed as one batch after the same normal history, against the
    same batch landed normally."""
    from warehouse.landing import Incident

    day = date(1994, 3, 1)
    normal = tmp_path / "normal"
    land(sim_dir, normal, through=day, **QUIET)
    # ten days in the incident batch: at SF 0.01 a single day holds about ten orders
    land(sim_dir, normal, through=day + timedelta(days=10), **QUIET)
    landed = {}
    for text in [
        "short:orders",
        "drop-column:orders.o_comment",
        "nulls:lineitem.l_tax",
        "stale:part",
    ]:
        target = tmp_path / text.replace(":", "_").replace(".", "_")
        land(sim_dir, target, through=day, **QUIET)
        batch = land(
            sim_dir,
            target,
            through=day + timedelta(days=10),
            incident=Incident.parse(text),
            **QUIET,
        )
        assert batch.incident == text and read_manifest(target)[-1].incident == text
        landed[text] = target
    orders, lines = _batch_rows(normal, "orders", 2), _batch_rows(normal, "lineitem", 2)
    assert orders > 30 and lines > 100
    short = landed["short:orders"]
    assert 0.2 * orders < _batch_rows(short, "orders", 2) < 0.5 * orders
    assert 0.2 * lines < _batch_rows(short, "lineitem", 2) < 0.5 * lines
    assert _batch_rows(short, "customer", 2) == _batch_rows(normal, "customer", 2)
    assert _batch_rows(short, "orders", 1) == _batch_rows(normal, "orders", 1)
    dropped = landed["drop-column:orders.o_comment"]
    columns = [
        r[0]
        for r in _read(
            dropped / "erp" / "orders" / "batch=000002" / "data.parquet",
            "describe select * from read_parquet('{p}')",
        )
    ]
    assert "o_comment" not in columns and "o_orderstatus" in columns
    assert _batch_rows(dropped, "orders", 2) == orders
    nulls = landed["nulls:lineitem.l_tax"]
    assert _batch_rows(nulls, "lineitem", 2, "count(l_tax)") == 0
    assert _batch_rows(nulls, "lineitem", 2) == lines
    assert _batch_rows(nulls, "lineitem", 1, "count(l_tax)") > 0
    stale = landed["stale:part"]
    assert _batch_rows(stale, "part", 2) == 0 and _batch_rows(stale, "orders", 2) == orders


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("flood:orders", "unknown incident"),
        ("short:shipments", "names no entity"),
        ("nulls:lineitem", "needs <entity>.<column>"),
        ("stale:part.p_name", "takes an entity only"),
        ("short:region", "no key to thin out"),
    ],
)
def test_a_bad_incident_says_what_to_write(text: str, message: str):
    from warehouse.landing import Incident

    with pytest.raises(LandingError, match=message):
        Incident.parse(text)


def test_an_incident_on_a_missing_column_lists_the_columns(sim_dir: Path, tmp_path: Path):
    from warehouse.landing import Incident

    land(sim_dir, tmp_path, through=date(1994, 3, 1), **QUIET)
    with pytest.raises(LandingError, match=r"has no column 'o_price'.*o_totalprice"):
        land(
            sim_dir,
            tmp_path,
            next_day=True,
            incident=Incident.parse("nulls:orders.o_price"),
            **QUIET,
        )
    assert len(read_manifest(tmp_path)) == 1


def test_hourly_cutoffs_split_a_day_into_batches_that_add_up_to_the_whole_day(
    sim_dir: Path, tmp_path: Path
):
    hourly, daily = tmp_path / "hourly", tmp_path / "daily"
    for landing in (hourly, daily):
        land(sim_dir, landing, through=date(1995, 6, 14), **QUIET)
    # Airflow hands the cut-off with an offset; the arrivals' clock is UTC.
    land(sim_dir, hourly, until=hour_cutoff("1995-06-15T08:00:00+02:00"), **QUIET)
    land(sim_dir, hourly, until=hour_cutoff("1995-06-15T13:00"), **QUIET)
    assert land(sim_dir, hourly, until=hour_cutoff("1995-06-15T13:00"), **QUIET) is None
    assert "until 1995-06-15T13:00" not in status(sim_dir, hourly)
    assert "< 1995-06-15 13:00" in status(sim_dir, hourly)
    assert simulated_now(hourly) == "1995-06-15 13:00:00"
    # --next completes the day that is partly landed.
    land(sim_dir, hourly, next_day=True, **QUIET)
    land(sim_dir, daily, through=date(1995, 6, 15), **QUIET)
    cut = read_manifest(hourly)
    assert [(b.through, b.until) for b in cut[1:]] == [
        ("1995-06-15", "1995-06-15T06:00"),
        ("1995-06-15", "1995-06-15T13:00"),
        ("1995-06-15", "1995-06-16T00:00"),
    ]
    assert watermark(hourly) == watermark(daily) == date(1995, 6, 15)
    (whole,) = read_manifest(daily)[1:]
    assert whole.rows["web_events"] > 0 and whole.rows["lineitem"] > 0
    for key, total in whole.rows.items():
        assert sum(b.rows[key] for b in cut[1:]) == total, key
    # Every erp record is in the batch of its hours.
    windows = _read(
        hourly,
        "select _batch_id, min(_arrived_at), max(_arrived_at) "
        "from read_parquet('{p}/erp/lineitem/*/data.parquet') where _batch_id > 1 "
        "group by all order by all",
    )
    bounds = [datetime(1995, 6, 15, hour) for hour in (0, 6, 13)] + [datetime(1995, 6, 16)]
    for batch_id, first, last in windows:
        assert bounds[batch_id - 2] <= first <= last < bounds[batch_id - 1], batch_id
    # The web lines of the three batches are the whole day's, in the same order.
    lines = (
        "select raw_line from read_parquet('{p}/web/events/%s/lines.parquet', "
        "filename = true, file_row_number = true) order by filename, file_row_number"
    )
    assert [r[0] for r in _read(hourly, lines % "batch=00000[234]")] == [
        r[0] for r in _read(daily, lines % "batch=000002")
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1995-06-15T13:30", "not on the hour"),
        ("yesterday", "not a timestamp"),
    ],
)
def test_a_bad_hourly_cutoff_says_how_to_write_it(text: str, message: str):
    with pytest.raises(LandingError, match=message):
        hour_cutoff(text)


def test_an_hourly_cutoff_before_the_watermark_is_refused(sim_dir: Path, tmp_path: Path):
    landing = tmp_path / "landing"
    land(sim_dir, landing, until=hour_cutoff("1993-01-01T10:00"), **QUIET)
    with pytest.raises(LandingError, match=r"refusing to land backwards.*until 1993-01-01T09:00"):
        land(sim_dir, landing, until=hour_cutoff("1993-01-01T09:00"), **QUIET)
    with pytest.raises(LandingError, match="one of --through DATE, --until TIMESTAMP or --next"):
        land(sim_dir, landing, through=date(1993, 1, 2), next_day=True, **QUIET)


def test_entities_worked_out_in_buckets_of_keys_give_the_same_records(
    sim_dir: Path, tmp_path: Path, monkeypatch
):
    from warehouse.simulate import erp

    # SF 0.01 has 60,175 order lines (180,525 versions): four buckets.
    monkeypatch.setattr(erp, "BUCKET_VERSIONS", 50_000)
    messages: list[str] = []
    generate(tmp_path, scale=SCALE, seed=3, progress=messages.append)
    assert any("lineitem" in m and "(4 buckets of keys)" in m for m in messages), messages
    for entity in ENTITIES:
        a = _read(sim_dir, f"select * from '{{p}}/erp/{entity}.parquet' order by all")
        b = _read(tmp_path, f"select * from '{{p}}/erp/{entity}.parquet' order by all")
        assert a == b, entity
    # The file is in arrival order, as the landing expects.
    (unordered,) = _read(
        tmp_path,
        """select count(*) from (
            select _arrived_at < lag(_arrived_at) over (order by file_row_number) as back
            from read_parquet('{p}/erp/lineitem.parquet', file_row_number = true))
        where back""",
    )[0]
    assert unordered == 0
    assert not list((tmp_path / "erp").glob(".*parts"))


def test_a_batch_with_a_file_too_large_to_verify_is_refused_and_nothing_lands(
    sim_dir: Path, tmp_path: Path, monkeypatch
):
    from warehouse import landing as landing_module

    landing = tmp_path / "landing"
    land(sim_dir, landing, through=date(1992, 1, 31), **QUIET)
    before = sorted(str(p.relative_to(landing)) for p in landing.rglob("*"))
    manifest = (landing / "_manifest.json").read_text()
    monkeypatch.setattr(landing_module, "MAX_FILE_BYTES", 50_000)
    with pytest.raises(LandingError, match=r"erp\.\w+ would be a 0\.0 GiB file.*a year at a time"):
        land(sim_dir, landing, through=date(1995, 12, 31), **QUIET)
    assert sorted(str(p.relative_to(landing)) for p in landing.rglob("*")) == before
    assert (landing / "_manifest.json").read_text() == manifest
