"""crm-impact inspect: what a load would do, before anything is written, and never different from the load.

The exports are the messy ones of test_load_formats.py, made from the demo export.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import TABLES, TABLES_BY_NAME
from orchestration.load import LoadError, load_export
from orchestration.load.inspect import inspect_export
from orchestration.load.limits import DEFAULT_MAX_QUARANTINE_SHARE
from test_load_formats import decimal_comma, declare, demo_copy, read_csv, rewrite, write_csv

CRM_IMPACT = str(Path(sys.executable).parent / "crm-impact")


def _messy(tmp_path: Path) -> Path:
    """Order lines with decimal commas declared as '.', a 2031 order, a ';' file, a few bad ticket statuses."""
    export = demo_copy(tmp_path)
    rewrite(export, "order_items", decimal_comma, delimiter=";")
    declare(export, "decimal_separator: '.'\nexported_at: 2026-01-01T12:00:00\n")
    with open(export / "orders.csv", "a", encoding="utf-8", newline="") as handle:
        handle.write("O9999999,C0000001,E0001,,2031-05-01T10:00:00,pending,UAH,0\n")
    header, rows = read_csv(export / "tickets.csv")
    for i in (4, 9, 14, 19):
        rows[i][header.index("status")] = "escalated"
    write_csv(export / "tickets.csv", header, rows)
    return export


@pytest.mark.slow
def test_inspect_reports_format_columns_quarantine_and_verdict_per_file(tmp_path):
    export = _messy(tmp_path)
    inspection = inspect_export(export, examples=2)
    assert not inspection.would_load

    items = inspection["order_items"]
    assert Path(items.label).name == "order_items.csv"
    assert items.format["delimiter"] == "semicolon (detected)"
    assert items.format["decimal separator"] == "'.' (declared)"
    assert items.format["encoding"] == "UTF-8 (valid UTF-8)"
    assert dict(items.columns)["unit_price"] == "unit_price"
    header, demo_rows = read_csv(demo_copy(tmp_path, "reference") / "order_items.csv")
    assert items.rows_read == len(demo_rows) and items.rows_quarantined > 0.95 * len(demo_rows)
    assert items.causes[0].column == "unit_price" and items.causes[0].rule == "type"
    first = items.examples[("unit_price", "type")]
    assert len(first) == 2 and first[0].row_number == 1
    first_price = demo_rows[0][header.index("unit_price")]
    assert first[0].raw_row["unit_price"] == decimal_comma(TABLES_BY_NAME["order_items"].column("unit_price"),
                                                           first_price)
    assert "decimal comma? set decimal_separator: ','" in items.problem

    orders = inspection["orders"]
    assert orders.rows_quarantined == 1 and orders.problem is None
    [example] = orders.examples[("created_at", "future")]
    last_row = orders.rows_read  # the 2031 order is the file's last row
    assert example.row_number == last_row and "2031-05-01T10:00:00" in example.reason

    tickets = inspection["tickets"]
    assert tickets.rows_quarantined == 4 and tickets.problem is None
    assert [e.row_number for e in tickets.examples[("status", "domain")]] == [5, 10]

    text = inspection.render()
    for words in ("order_items <- order_items.csv", "delimiter semicolon (detected)", f"row {last_row}:",
                  "verdict: would fail", "Verdict: would fail", "tickets <- tickets.csv"):
        assert words in text, words


@pytest.mark.slow
def test_inspect_and_load_agree_row_for_row(tmp_path):
    """Inspect runs the load's own SQL: the same rows, reasons and counts as a load that accepts the quarantine."""
    export = _messy(tmp_path)
    inspection = inspect_export(export, accept_quarantine=True, examples=10_000)
    assert inspection.would_load
    db = tmp_path / "crm.duckdb"
    report = load_export(export, db, max_quarantine_share=DEFAULT_MAX_QUARANTINE_SHARE, accept_quarantine=True)
    for t in TABLES:
        f, r = inspection[t.name], report[t.name]
        assert (f.rows_read, f.rows_quarantined) == (r.rows_read, r.rows_quarantined), t.name
        assert f.causes == r.causes, t.name
    with duckdb.connect(str(db), read_only=True) as con:
        loaded = con.execute("SELECT table_name, row_number, reason, raw_row FROM raw.quarantine").fetchall()
    shown = [(f.table, e.row_number, e.reason, e.raw_row)
             for f in inspection.files for examples in f.examples.values() for e in examples]
    assert sorted(shown, key=lambda x: (x[0], x[1])) == sorted(
        [(t, n, reason, json.loads(raw)) for t, n, reason, raw in loaded], key=lambda x: (x[0], x[1]))


def test_inspect_writes_nothing_and_names_a_fatal_problem(tmp_path):
    export = demo_copy(tmp_path)
    (export / "orders.csv").rename(export / "Orders_2024.csv")
    inspection = inspect_export(export)
    assert not inspection.would_load
    assert "Orders_2024.csv" in inspection.error and "looks like table orders" in inspection.error
    with pytest.raises(LoadError) as info:
        load_export(export, tmp_path / "crm.duckdb")
    assert str(info.value) == inspection.error
    assert list(tmp_path.glob("*.duckdb")) == []


@pytest.mark.slow
def test_inspect_shows_a_mapping_and_sheets(tmp_path):
    from test_load_formats import _xlsx

    export = demo_copy(tmp_path)
    _xlsx(export / "book.xlsx", {"tickets": export / "tickets.csv", "Notes": export / "tickets.csv"})
    (export / "tickets.csv").unlink()
    inspection = inspect_export(export)
    assert inspection.would_load
    assert inspection["tickets"].format["sheet"] == "'tickets'"
    assert "book.xlsx (sheet Notes)" in inspection.ignored


@pytest.mark.slow
def test_cli_inspect_exit_codes_and_no_warehouse(tmp_path):
    clean = demo_copy(tmp_path, "clean")
    messy = _messy(tmp_path / "m")
    env = {"CRM_IMPACT_DB": str(tmp_path / "never" / "crm.duckdb"), "PATH": "/usr/bin:/bin"}
    ok = subprocess.run([CRM_IMPACT, "inspect", str(clean)], capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.rstrip().endswith("Verdict: would load")
    bad = subprocess.run([CRM_IMPACT, "inspect", str(messy), "--examples", "1"], capture_output=True, text=True,
                         env=env)
    assert bad.returncode == 1
    quarantined = inspect_export(messy)["order_items"].rows_quarantined
    assert f"order_items.csv: {quarantined:,}" in bad.stdout and "Verdict: would fail" in bad.stdout
    assert not (tmp_path / "never").exists()
    shutil.rmtree(messy)


def test_inspect_names_each_mapped_column_by_its_source(tmp_path):
    from test_load_formats import _Mapping, _TableMapping

    export = tmp_path / "export"
    shutil.copytree(Path(__file__).parent / "fixtures" / "exports" / "clean_minimal", export)
    (export / "orders.csv").unlink()
    (export / "hubspot-deals-2025.csv").write_text(
        "Deal ID,Contact,Stage,Created\no1,c1,Won,2025-03-01 10:00\n", encoding="utf-8")
    mapping = _Mapping({"orders": _TableMapping("orders", ("*deals*",), {
        "order_id": 'CAST("Deal ID" AS VARCHAR)', "customer_id": '"Contact"', "employee_id": "NULL",
        "lead_id": "CAST(NULL AS VARCHAR)", "created_at": '"Created"',
        "status": "CASE \"Stage\" WHEN 'Won' THEN 'completed' END", "currency": "'UAH'",
        "discount_amount": "NULL"}, keep_extras=False)})
    inspection = inspect_export(export, mapping=mapping)
    assert inspection.would_load and inspection["orders"].mapped
    assert dict(inspection["orders"].columns)["status"] == "CASE \"Stage\" WHEN 'Won' THEN 'completed' END"
    text = inspection.render()
    assert "orders <- hubspot-deals-2025.csv (through the mapping)" in text
    for words in ("order_id <- Deal ID", "customer_id <- Contact", "employee_id <- (empty: not in this export)",
                  "lead_id <- (empty: not in this export)", "status <- derived from Stage",
                  "currency <- constant 'UAH'"):
        assert words in text, words
