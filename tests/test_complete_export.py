"""A complete export (export.yml ``complete: true``, as `crm-impact extract` writes) deletes from raw the
records the CRM deleted, and the incremental facts follow; a plain export only upserts.

The hand-made export tests/fixtures/core_small is loaded, then loaded again without order o4 (and its two
lines) and ticket t2, and with o2 given an unknown status (quarantined)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, query
from orchestration.dbt_runner import build, run_dbt
from orchestration.load import load_export

# slow (make test-slow; CI runs it): this file loads and builds an export several times, incrementally and in full
pytestmark = pytest.mark.slow


def _drop_rows(path: Path, keep) -> None:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(row for row in map(keep, rows) if row is not None)


def newer_export(folder: Path, complete: bool | None) -> Path:
    export = folder / f"export-{complete}"
    shutil.copytree(FIXTURES / "core_small", export)
    _drop_rows(export / "orders.csv",
               lambda r: None if r["order_id"] == "o4" else {**r, "status": "bogus"} if r["order_id"] == "o2" else r)
    _drop_rows(export / "order_items.csv", lambda r: None if r["order_id"] == "o4" else r)
    _drop_rows(export / "tickets.csv", lambda r: None if r["ticket_id"] == "t2" else r)
    if complete is not None:
        (export / "export.yml").write_text(f"complete: {str(complete).lower()}\n", encoding="utf-8")
    return export


def _count(db: Path, table: str, where: str) -> int:
    return query(db, f"select count(*) from raw.{table} where {where}")[0][0]


@pytest.mark.parametrize("complete", [True, False, None])
def test_a_complete_export_deletes_what_it_no_longer_holds(tmp_path, complete):
    db = tmp_path / "crm.duckdb"
    load_export(FIXTURES / "core_small", db)
    before = {t: query(db, f"select count(*) from raw.{t}")[0][0] for t in ("orders", "order_items", "tickets")}
    report = load_export(newer_export(tmp_path, complete), db, accept_quarantine=True)

    deleted = {t.table: t.rows_deleted for t in report.tables if t.rows_deleted}
    # o2's new version is quarantined (unknown status): its stored version stays, in every case
    assert _count(db, "orders", "order_id = 'o2' and status = 'completed'") == 1
    if complete:
        assert deleted == {"orders": 1, "order_items": 2, "tickets": 1}
        assert _count(db, "orders", "order_id = 'o4'") == _count(db, "order_items", "order_id = 'o4'") == 0
        assert _count(db, "tickets", "ticket_id = 't2'") == 0
        assert "deleted (no longer in the complete export): orders 1, order_items 2, tickets 1" in report.summary()
        logged = dict(query(db, "select table_name, rows_deleted from raw.load_log "
                                "where load_id = (select max(load_id) from raw.load_log) and rows_deleted > 0"))
        assert logged == deleted
    else:  # an export that is not declared complete may be partial: nothing is deleted
        assert deleted == {}
        assert {t: query(db, f"select count(*) from raw.{t}")[0][0] for t in before} == before


def test_incremental_facts_follow_the_deletes(tmp_path):
    """After the deleting load, an incremental build gives the facts of a full refresh (the deleted records
    gone, o1's purchase sequence unchanged, c1's repeat contacts recounted without t2), and the next build
    is incremental again."""
    db = tmp_path / "incremental.duckdb"
    load_export(FIXTURES / "core_small", db)
    build(db_path=db, select=["+marts.core"])
    load_export(newer_export(tmp_path, complete=True), db, accept_quarantine=True)

    full = tmp_path / "full.duckdb"
    shutil.copyfile(db, full)
    run_dbt(["build", "--select", "+marts.core"], db_path=db)
    run_dbt(["build", "--full-refresh", "--select", "+marts.core"], db_path=full)
    for fact, keys in {"fct_orders": "order_id", "fct_order_items": "order_id, line_number",
                       "fct_tickets": "ticket_id", "fct_leads": "lead_id", "fct_activities": "activity_id"}.items():
        columns = f"* exclude (_build_settings)"
        assert query(db, f"select {columns} from marts.{fact} order by {keys}") == \
            query(full, f"select {columns} from marts.{fact} order by {keys}"), fact
    assert query(db, "select count(*) from marts.fct_orders where order_id = 'o4'") == [(0,)]
    assert query(db, "select count(*) from marts.fct_order_items where order_id = 'o4'") == [(0,)]
    assert query(db, "select count(*) from marts.fct_tickets where ticket_id = 't2'") == [(0,)]

    # the deletions are accounted for: a build with nothing new reprocesses nothing
    query_mark = "update marts.fct_orders set lead_id = 'untouched' where order_id = 'o6'"
    import duckdb

    with duckdb.connect(str(db)) as con:
        con.execute(query_mark)
    run_dbt(["build", "--select", "+marts.core"], db_path=db)
    assert query(db, "select lead_id from marts.fct_orders where order_id = 'o6'") == [("untouched",)]
