"""The serving file: a complete, read-only copy of the marts for BI tools.

Built from the real AOV warehouse (conftest.aov_warehouse). The concurrency
test runs a reader in a second process, as a BI tool would be, while the
main process publishes again and again and rebuilds the warehouse.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, copy_warehouse, load_and_build, query
from orchestration.publish import PublishError, publish
from orchestration.publish.atomic import wal_path

COPIED = "table_schema in ('marts', 'reference')"


def _tables(db: Path) -> dict[str, int]:
    names = query(db, f"select table_schema, table_name from information_schema.tables where {COPIED}")
    return {f"{s}.{t}": query(db, f'select count(*) from "{s}"."{t}"')[0][0] for s, t in names}


EXTRA_MART = "marts.mart_added_later"


def _with_extra_mart(source: Path, target: Path) -> Path:
    """A copy of a built warehouse with one more mart that no code here knows of."""
    shutil.copy(source, target)
    with duckdb.connect(str(target)) as con:
        con.execute(
            f"""
            create table {EXTRA_MART} as
            select month_start, count(*) as metrics from marts.mart_kpi_monthly group by month_start
            """
        )
    return target


def _is_record_table(name: str) -> bool:
    return name.startswith("marts.kpi_") and name.endswith("__records")


def _is_fact(name: str) -> bool:
    return name.startswith("marts.fct_")


def test_publish_copies_the_kpi_marts_dimensions_and_reference_but_not_the_facts_or_records(aov_warehouse, tmp_path):
    serving = tmp_path / "bi" / "serving.duckdb"
    result = publish(aov_warehouse, serving)

    everything = _tables(aov_warehouse)
    expected = {name: rows for name, rows in everything.items() if not _is_record_table(name) and not _is_fact(name)}
    assert "marts.mart_kpi_before_after" in expected and "reference.kpi_definitions" in expected
    assert "marts.dim_crm_rollout" in expected and "marts.mart_kpi_monthly" in expected
    assert sum(_is_record_table(name) for name in everything) == 6  # one records table per KPI family, left out
    assert "marts.fct_orders" in everything and "marts.fct_orders" not in expected
    assert _tables(serving) == expected
    assert result.tables == expected
    assert result.serving_path == serving.resolve()
    assert result.duration_seconds > 0
    assert str(result.latest_month) == "2025-03-01"  # a pending order in March makes it a month of the data (totals are 0 there)
    # nothing of the build's inner layers reaches BI
    schemas = {r[0] for r in query(serving, "select distinct table_schema from information_schema.tables")}
    assert schemas == {"marts", "reference", "bi"}
    # a complete file and nothing beside it: no WAL, no temporary file
    assert sorted(p.name for p in serving.parent.iterdir()) == ["serving.duckdb"]
    assert not wal_path(serving).exists()


@pytest.mark.slow
def test_publish_with_records_and_facts_copies_everything(aov_warehouse, tmp_path):
    result = publish(aov_warehouse, tmp_path / "serving.duckdb", with_records=True, with_facts=True)
    assert result.tables == _tables(aov_warehouse)
    assert sum(_is_record_table(name) for name in result.tables) == 6


def test_publish_with_facts_copies_the_facts_and_not_the_records(aov_warehouse, tmp_path):
    result = publish(aov_warehouse, tmp_path / "serving.duckdb", with_facts=True)
    everything = _tables(aov_warehouse)
    assert result.tables == {name: rows for name, rows in everything.items() if not _is_record_table(name)}
    assert result.tables["marts.fct_orders"] == everything["marts.fct_orders"] > 0


@pytest.mark.slow
def test_friendly_views_carry_labels_and_verdicts(aov_warehouse, tmp_path):
    serving = publish(aov_warehouse, tmp_path / "serving.duckdb").serving_path

    rows = query(serving, "select count(*) from bi.kpi_scorecard")[0][0]
    assert rows == query(aov_warehouse, "select count(*) from marts.mart_kpi_before_after")[0][0]
    aov = query(
        serving,
        """select label_en, label_uk, unit, direction, baseline_value, post_value, verdict
           from bi.kpi_scorecard where metric_id = 'average_order_value' and scope_type = 'company'""",
    )
    # 225 -> 405 with two months a side: no model can tell an effect from that
    assert aov == [("Average order value", "Середній чек", "money", "up", 225.0, 405.0, "too little data")]
    # the view's verdict is the mart's, never recomputed
    assert query(serving, "select metric_id, scope_type, scope_value, verdict from bi.kpi_scorecard order by all") == \
        query(aov_warehouse, "select metric_id, scope_type, scope_value, verdict from marts.mart_kpi_before_after "
                             "order by all")
    verdicts = {r[0] for r in query(serving, "select distinct verdict from bi.kpi_scorecard")}
    assert verdicts <= {"better", "worse", "no clear change", "too little data", "unreliable", "not available"}
    assert query(serving, "select count(*) from bi.kpi_scorecard where verdict = 'not available' and status_reason is null") == [(0,)]

    monthly = query(
        serving,
        "select metric_id, label_en, label_uk from bi.kpi_monthly where metric_id = 'average_order_value'",
    )
    assert {(r[1], r[2]) for r in monthly} == {("Average order value", "Середній чек")}
    assert query(serving, "select count(*) from bi.kpi_monthly") == query(
        aov_warehouse, "select count(*) from marts.mart_kpi_monthly"
    )
    assert query(serving, "select count(*) from bi.kpi_monthly where label_en is null or label_uk is null") == [(0,)]

    info = query(serving, "select table_schema || '.' || table_name, row_count, source_path, latest_month from bi.publish_info")
    assert {r[0]: r[1] for r in info} == {n: rows for n, rows in _tables(aov_warehouse).items()
                                          if not _is_record_table(n) and not _is_fact(n)}
    assert {(r[2], str(r[3])) for r in info} == {(str(aov_warehouse.resolve()), "2025-03-01")}


def test_serving_file_opens_read_only_under_any_name(aov_warehouse, tmp_path):
    serving = publish(aov_warehouse, tmp_path / "serving.duckdb").serving_path
    monthly_rows = query(aov_warehouse, "select count(*) from marts.mart_kpi_monthly")[0][0]
    scorecard_rows = query(aov_warehouse, "select count(*) from marts.mart_kpi_before_after")[0][0]
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select count(*) from bi.kpi_monthly").fetchone()[0] == monthly_rows
        with pytest.raises(duckdb.Error):
            con.execute("create table bi.scratch as select 1")
    # attached under another name, the views still find their marts
    with duckdb.connect() as con:
        con.execute(f"attach '{serving}' as crm (read_only)")
        assert con.execute("select count(*) from crm.bi.kpi_scorecard").fetchone()[0] == scorecard_rows
        tags = con.execute("select tags['storage_version'] from duckdb_databases() where database_name = 'crm'")
        assert tags.fetchone()[0].startswith("v1.0.0")  # readable by DuckDB 1.x drivers of BI tools


def test_new_marts_are_published_without_code_changes(aov_warehouse, tmp_path):
    source = _with_extra_mart(aov_warehouse, tmp_path / "crm.duckdb")
    months = query(source, "select count(distinct month_start) from marts.mart_kpi_monthly")[0][0]
    result = publish(source, tmp_path / "serving.duckdb")
    assert result.tables[EXTRA_MART] == months > 0
    assert query(result.serving_path, f"select count(*) from {EXTRA_MART}") == [(months,)]
    assert query(result.serving_path, f"select row_count from bi.publish_info "
                                      f"where table_schema || '.' || table_name = '{EXTRA_MART}'") == [(months,)]


def test_publish_refuses_an_unbuilt_warehouse_and_keeps_the_old_file(aov_warehouse, tmp_path):
    serving = tmp_path / "serving.duckdb"
    publish(aov_warehouse, serving)
    before = serving.read_bytes()

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(PublishError, match="mart_kpi_before_after"):
        publish(empty, serving)
    with pytest.raises(PublishError, match="No warehouse"):
        publish(tmp_path / "missing.duckdb", serving)
    assert serving.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.duckdb", "serving.duckdb"]


READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import duckdb

    serving, ready, stop = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    reads, errors, versions = 0, [], set()
    deadline = time.monotonic() + 300  # bounded even if the test dies
    while not stop.exists() and time.monotonic() < deadline:
        try:
            with duckdb.connect(serving, read_only=True, config={"threads": 1}) as con:
                info = con.execute(
                    "select published_at, source_path, table_schema || '.' || table_name, row_count from bi.publish_info"
                ).fetchall()
                listed = {name: rows for _, _, name, rows in info}
                present = {
                    f"{s}.{t}" for s, t in con.execute(
                        "select table_schema, table_name from information_schema.tables "
                        "where table_schema in ('marts', 'reference')"
                    ).fetchall()
                }
                if present != set(listed) or not listed:
                    raise AssertionError(f"tables {sorted(present)} but publish_info lists {sorted(listed)}")
                for name, rows in listed.items():
                    schema, table = name.split(".", 1)
                    actual = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
                    if actual != rows:
                        raise AssertionError(f"{name}: {actual} rows, publish_info says {rows}")
                scorecard = con.execute("select count(*) from bi.kpi_scorecard").fetchone()[0]
                if scorecard != listed["marts.mart_kpi_before_after"]:
                    raise AssertionError(f"bi.kpi_scorecard has {scorecard} rows")
                if len({(p, s) for p, s, _, _ in info}) != 1:
                    raise AssertionError("publish_info mixes two publishes")
                versions.add(f"{info[0][0]} {info[0][1]}")
            reads += 1
            ready.touch()
            time.sleep(0.05)  # as a dashboard polls; leaves the CPU to the build
        except Exception as error:  # every kind of failure is what this test counts
            errors.append(f"{type(error).__name__}: {error}")
            if len(errors) > 50:
                break
    print(json.dumps({"reads": reads, "errors": errors, "versions": sorted(versions)}))
    """
)


@pytest.mark.parametrize("rebuild", [False, pytest.param(True, marks=pytest.mark.slow)],
                         ids=["publishes", "publishes-and-a-build"])
@pytest.mark.slow
def test_readers_never_see_a_partial_file_or_a_lock(aov_warehouse, tmp_path, rebuild):
    serving = tmp_path / "serving" / "serving.duckdb"
    other_source = _with_extra_mart(aov_warehouse, tmp_path / "with_payback.duckdb")
    publish(aov_warehouse, serving)

    script = tmp_path / "reader.py"
    script.write_text(READER)
    ready, stop = tmp_path / "reader.ready", tmp_path / "reader.stop"
    reader = subprocess.Popen(
        [sys.executable, str(script), str(serving), str(ready), str(stop)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert reader.poll() is None, reader.communicate()
            assert time.monotonic() < deadline, "the reader never read the serving file"
            time.sleep(0.05)

        # publish again and again, alternating two warehouses with different table sets
        for i in range(8):
            publish(other_source if i % 2 == 0 else aov_warehouse, serving)
            time.sleep(0.15)
        # a new warehouse, then publish it, with the reader still running: in the slow variant a full load
        # and build of a fresh warehouse, as the daily run does beside a dashboard
        if rebuild:
            fresh = load_and_build(FIXTURES / "kpi_aov", tmp_path / "rebuilt" / "crm.duckdb")
        else:
            fresh = copy_warehouse(aov_warehouse, tmp_path / "copied")
        publish(fresh, serving)
        time.sleep(0.3)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=120)

    assert reader.returncode == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    assert report["errors"] == []
    assert report["reads"] >= 10
    # the reader saw several publishes, so it was reading while they were swapped in
    assert len(report["versions"]) >= 3, report["versions"]
    assert not wal_path(serving).exists()
    assert sorted(p.name for p in serving.parent.iterdir()) == ["serving.duckdb"]
