"""The loader: raw contract rules, quarantine, fatal errors, idempotency, upserts.

Fixtures are hand-made export folders in tests/fixtures/exports/ (see their
READMEs); variants (gzip, Parquet, broken files) are made from them in tmp_path.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from load_checks import assert_rows_accounted
from orchestration.contract import DUCKDB_TYPES, TABLES, TABLES_BY_NAME
from orchestration.load import LoadError, LoadReport, load_export

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
LINEAGE = [("_source_file", "VARCHAR"), ("_loaded_at", "TIMESTAMP")]


# --------------------------------------------------------------------------- helpers

def copy_export(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(EXPORTS / name, target)
    return target


def query(db: Path, sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def snapshot(db: Path) -> dict[str, object]:
    """Every table of the warehouse with its columns and all its rows."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables ORDER BY ALL").fetchall()
        snap: dict[str, object] = {}
        for schema, name in tables:
            cols = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = $s AND table_name = $n ORDER BY ordinal_position",
                {"s": schema, "n": name}).fetchall()
            rows = con.execute(f'SELECT * FROM "{schema}"."{name}" ORDER BY ALL').fetchall()
            snap[f"{schema}.{name}"] = (cols, rows)
        return snap
    finally:
        con.close()


def data_snapshot(db: Path) -> dict[str, object]:
    """Like snapshot, without raw.load_log (which records every load, also no-ops)."""
    return {k: v for k, v in snapshot(db).items() if k != "raw.load_log"}


def business_rows(db: Path, table: str) -> list[tuple]:
    """The contract columns of raw.<table>, in primary-key order."""
    t = TABLES_BY_NAME[table]
    cols = ", ".join(t.column_names)
    return query(db, f"SELECT {cols} FROM raw.{table} ORDER BY {', '.join(t.primary_key)}")


def quarantined(db: Path, table: str | None = None) -> dict[tuple[str, int], tuple[str, str]]:
    rows = query(db, "SELECT table_name, row_number, column_name, reason FROM raw.quarantine")
    return {(t, r): (c, reason) for t, r, c, reason in rows if table is None or t == table}


def file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- clean export

@pytest.fixture(scope="module")
def clean_db(tmp_path_factory) -> tuple[Path, LoadReport]:
    db = tmp_path_factory.mktemp("clean") / "warehouse" / "crm.duckdb"  # parent dir does not exist yet
    return db, load_export(EXPORTS / "clean_minimal", db)


def test_clean_export_loads_every_row(clean_db):
    db, report = clean_db
    assert [(t.table, t.status, t.rows_read, t.rows_loaded, t.rows_quarantined)
            for t in report.tables if t.status != "absent"] == [
        ("customers", "loaded", 3, 3, 0),
        ("orders", "loaded", 3, 3, 0),
        ("order_items", "loaded", 4, 4, 0),
    ]
    assert report.total.rows_read == report.total.rows_loaded == 10
    assert query(db, "SELECT count(*) FROM raw.quarantine") == [(0,)]
    summary = report.summary()
    assert "customers" in summary and "total" in summary and "README.md" in summary


def test_values_are_trimmed_lowercased_defaulted(clean_db):
    db, _ = clean_db
    orders = {r[0]: r for r in business_rows(db, "orders")}
    assert orders["o2"][5] == "completed"  # 'Completed ' in the file
    assert orders["o2"][7] == 0.0  # empty discount_amount -> contract default
    assert orders["o3"][7] == 10.0
    items = business_rows(db, "order_items")
    assert ("o1", 2, "p2", 1.0, 20.0, None) in items  # ' p2 ' trimmed, empty unit_cost stays NULL
    assert ("o1", 1, "p1", 2.0, 100.5, 60.0) in items


def test_orphans_are_kept(clean_db):
    db, _ = clean_db
    # o3 points at customer c404, p9 is in no products table: both kept
    assert query(db, "SELECT customer_id FROM raw.orders WHERE order_id = 'o3'") == [("c404",)]
    assert query(db, "SELECT count(*) FROM raw.order_items WHERE product_id = 'p9'") == [(1,)]


def test_raw_tables_have_contract_columns_then_extras_then_lineage(clean_db):
    db, _ = clean_db
    for table in TABLES:
        cols = query(db, "SELECT column_name, data_type FROM information_schema.columns "
                         "WHERE table_schema = 'raw' AND table_name = $t ORDER BY ordinal_position",
                     {"t": table.name})
        contract = [(c.name, DUCKDB_TYPES[c.type]) for c in table.columns]
        extras = [("crm_note", "VARCHAR")] if table.name == "orders" else []
        assert cols == contract + extras + LINEAGE, table.name
    assert query(db, "SELECT crm_note FROM raw.orders WHERE order_id = 'o1'") == [("first order",)]
    assert query(db, "SELECT DISTINCT _source_file FROM raw.orders") == [
        (str((EXPORTS / "clean_minimal" / "orders.csv").resolve()),)]


def test_absent_optional_tables_exist_empty_and_are_logged(clean_db):
    db, report = clean_db
    optional = [t.name for t in TABLES if not t.required]
    for name in optional:
        assert query(db, f"SELECT count(*) FROM raw.{name}") == [(0,)], name
        assert report[name].status == "absent" and report[name].file is None
    log = dict(query(db, "SELECT table_name, status FROM raw.load_log"))
    assert {n for n, s in log.items() if s == "absent"} == set(optional)
    assert {n for n, s in log.items() if s == "loaded"} == {"customers", "orders", "order_items"}


def test_load_log_counts_and_checksums(clean_db):
    db, report = clean_db
    rows = query(db, "SELECT table_name, source_file, file_checksum, rows_read, rows_loaded, rows_quarantined "
                     "FROM raw.load_log WHERE status = 'loaded'")
    for table, source, checksum, read, loaded, quarantined_ in rows:
        assert read == loaded + quarantined_
        assert checksum == file_sha(Path(source))
        t = report[table]
        assert (t.rows_read, t.rows_loaded, t.rows_quarantined) == (read, loaded, quarantined_)


# --------------------------------------------------------------------------- time zones

def test_naive_timestamps_are_read_in_the_timezone_setting(tmp_path):
    db = tmp_path / "kyiv.duckdb"
    load_export(EXPORTS / "clean_minimal", db, timezone="Europe/Kyiv")
    created = dict(query(db, "SELECT customer_id, CAST(created_at AS VARCHAR) FROM raw.customers"))
    assert created == {
        "c1": "2025-03-01 07:15:00",  # naive 09:15 in Kyiv (UTC+2) = 07:15 UTC
        "c2": "2025-03-02 10:00:00",  # Z: already UTC
        "c3": "2025-03-03 10:30:00",  # +02:00 honoured
    }
    assert query(db, "SELECT data_type FROM information_schema.columns WHERE table_schema = 'raw' "
                     "AND table_name = 'customers' AND column_name = 'created_at'") == [("TIMESTAMP",)]


def test_utc_setting_keeps_naive_timestamps(clean_db):
    db, _ = clean_db
    created = dict(query(db, "SELECT customer_id, CAST(created_at AS VARCHAR) FROM raw.customers"))
    assert created == {"c1": "2025-03-01 09:15:00", "c2": "2025-03-02 10:00:00", "c3": "2025-03-03 10:30:00"}


# --------------------------------------------------------------------------- bad rows

# Every bad row of the bad_rows fixture: (table, data row) -> column of the first failed rule.
BAD_ROWS: dict[tuple[str, int], str] = {
    ("customers", 1): "customer_id",  # duplicate, row 4 wins
    ("customers", 2): "created_at",  # 2024-13-45
    ("customers", 3): "customer_id",  # empty key
    ("fx_rates", 2): "rate_to_reporting",  # -1
    ("fx_rates", 3): "rate_date",  # 2024-13-01
    ("orders", 2): "status",  # shipped
    ("orders", 3): "status",  # empty
    ("orders", 4): "currency",  # USD without any rate
    ("orders", 5): "currency",  # EUR before the first EUR rate
    ("orders", 8): "discount_amount",  # -5
    ("orders", 9): "created_at",  # not-a-date (and discount abc)
    ("order_items", 1): "order_id, line_number",  # duplicate, row 6 wins
    ("order_items", 2): "quantity",  # -2
    ("order_items", 3): "unit_price",  # 12,50
    ("order_items", 4): "line_number",  # 1.5
    ("order_items", 5): "order_id",  # empty
    ("order_items", 7): "line_number",  # 0
    ("employees", 2): "hired_at",  # 2024-02-30
    ("employees", 3): "role",  # janitor
    ("employees", 4): "terminated_at",  # before hired_at
    ("leads", 2): "first_response_at",  # before created_at
    ("leads", 3): "lost_reason",  # budget
    ("tickets", 2): "first_response_at",  # before opened_at
    ("tickets", 3): "resolved_at",  # before opened_at
    ("tickets", 4): "status",  # unknown
    ("surveys", 2): "csat_score",  # 6
    ("surveys", 3): "csat_score",  # 0
    ("surveys", 4): "nps_score",  # 11
    ("surveys", 5): "csat_score",  # five
    ("surveys", 6): "responded_at",  # empty
    ("documents", 2): "has_error",  # yes
    ("documents", 3): "corrected_at",  # before created_at
    ("documents", 4): "has_error",  # empty
    ("documents", 5): "document_type",  # receipt
    ("crm_usage", 1): "employee_id, activity_date",  # duplicate, row 3 wins
    ("crm_usage", 2): "sessions",  # -1
}

# One example of each class of bad input in the contract: (table, row, words the reason must contain).
BAD_INPUT_CLASSES = {
    "null in a required column": ("orders", 3, ["status", "empty"]),
    "unparseable timestamp": ("customers", 2, ["created_at", "2024-13-45T10:00:00", "timestamp"]),
    "unparseable date": ("employees", 2, ["hired_at", "2024-02-30", "date"]),
    "not a number": ("order_items", 3, ["unit_price", "12,50", "number"]),
    "not a whole number": ("order_items", 4, ["line_number", "1.5", "whole number"]),
    "not a boolean": ("documents", 2, ["has_error", "yes", "boolean"]),
    "unknown status": ("tickets", 4, ["status", "unknown", "open, resolved, closed_unresolved"]),
    "negative quantity": ("order_items", 2, ["quantity", "-2", "minimum 0"]),
    "csat outside 1-5": ("surveys", 2, ["csat_score", "6", "maximum 5"]),
    "nps outside 0-10": ("surveys", 4, ["nps_score", "11", "maximum 10"]),
    "response before opening": ("tickets", 2, ["first_response_at", "before opened_at"]),
    "response before creation": ("leads", 2, ["first_response_at", "before created_at"]),
    "resolved before opened": ("tickets", 3, ["resolved_at", "before opened_at"]),
    "foreign currency without a rate": ("orders", 4, ["currency", "USD", "fx_rates", "order o4"]),
    "rate only after the order": ("orders", 5, ["EUR", "2024-01-15", "order o5"]),
    "duplicate key": ("customers", 1, ["duplicate", "customer_id=c1", "row 4"]),
}


@pytest.fixture(scope="module")
def bad_db(tmp_path_factory) -> tuple[Path, LoadReport]:
    db = tmp_path_factory.mktemp("bad") / "crm.duckdb"
    return db, load_export(EXPORTS / "bad_rows", db)


def test_every_bad_row_is_quarantined_and_only_those(bad_db):
    db, _ = bad_db
    got = {key: column for key, (column, _) in quarantined(db).items()}
    assert got == BAD_ROWS


@pytest.mark.parametrize("fault", sorted(BAD_INPUT_CLASSES))
def test_bad_input_class_has_a_reason_naming_the_column(bad_db, fault):
    db, _ = bad_db
    table, row, words = BAD_INPUT_CLASSES[fault]
    column, reason = quarantined(db)[(table, row)]
    assert column.split(", ")[0] in reason
    for word in words:
        assert word in reason, (fault, reason)


def test_all_reasons_of_a_row_are_kept_first_one_first(bad_db):
    db, _ = bad_db
    column, reason = quarantined(db)[("orders", 9)]
    assert column == "created_at"
    assert reason.index("created_at") < reason.index("discount_amount 'abc'")


def test_quarantine_keeps_the_original_row_as_json(bad_db):
    db, _ = bad_db
    [(raw_row, source, load_id)] = query(
        db, "SELECT raw_row, source_file, load_id FROM raw.quarantine WHERE table_name = 'order_items' "
            "AND row_number = 3")
    assert query(db, "SELECT json_extract_string($j, '$.unit_price'), json_extract_string($j, '$.line_number')",
                 {"j": raw_row}) == [("12,50", "3")]
    assert source.endswith("order_items.csv")
    assert query(db, "SELECT count(*) FROM raw.load_log WHERE load_id = $l", {"l": load_id}) == [(len(TABLES),)]


def test_counts_add_up_per_file(bad_db):
    db, report = bad_db
    per_table = dict(query(db, "SELECT table_name, count(*) FROM raw.quarantine GROUP BY 1"))
    for t in report.tables:
        assert t.rows_read == t.rows_loaded + t.rows_quarantined, t.table
        assert t.rows_quarantined == per_table.get(t.table, 0), t.table
        assert query(db, f"SELECT count(*) FROM raw.{t.table}") == [(t.rows_loaded,)], t.table
    assert report["orders"].rows_read == 9 and report["orders"].rows_loaded == 3
    assert_rows_accounted(report)  # and each file's records, counted by Python's csv module


def test_the_row_accounting_check_catches_a_lost_row(bad_db, tmp_path):
    """load_checks.assert_rows_accounted is no tautology: a quarantined row gone from the warehouse fails it."""
    import dataclasses

    db, report = bad_db
    copy = tmp_path / "crm.duckdb"
    shutil.copy(db, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("DELETE FROM raw.quarantine WHERE table_name = 'orders' AND row_number = "
                    "(SELECT min(row_number) FROM raw.quarantine WHERE table_name = 'orders')")
    with pytest.raises(AssertionError, match="orders"):
        assert_rows_accounted(dataclasses.replace(report, db_path=copy))


def test_duplicate_key_last_row_wins(bad_db):
    db, _ = bad_db
    assert query(db, "SELECT full_name FROM raw.customers WHERE customer_id = 'c1'") == [("New Name",)]
    assert query(db, "SELECT quantity FROM raw.order_items WHERE order_id = 'o1' AND line_number = 1") == [(3.0,)]
    assert query(db, "SELECT sessions FROM raw.crm_usage WHERE activity_date = DATE '2024-02-01'") == [(4,)]


def test_orphans_kept_and_unusual_but_valid_values_accepted(bad_db):
    db, _ = bad_db
    assert query(db, "SELECT order_id FROM raw.orders ORDER BY 1") == [("o1",), ("o6",), ("o7",)]
    assert query(db, "SELECT count(*) FROM raw.order_items WHERE order_id = 'o404'") == [(1,)]
    assert query(db, "SELECT role FROM raw.employees") == [("sales",)]  # 'Sales'
    assert query(db, "SELECT status FROM raw.tickets") == [("resolved",)]  # 'RESOLVED'
    assert query(db, "SELECT sessions FROM raw.crm_usage WHERE activity_date = DATE '2024-02-03'") == [(2,)]
    assert query(db, "SELECT discount_amount FROM raw.orders WHERE order_id = 'o7'") == [(0.0,)]


def test_loading_bad_rows_again_adds_no_quarantine_rows(tmp_path):
    db = tmp_path / "crm.duckdb"
    load_export(EXPORTS / "bad_rows", db)
    before = data_snapshot(db)
    report = load_export(EXPORTS / "bad_rows", db)
    assert data_snapshot(db) == before
    assert {t.status for t in report.tables} == {"unchanged", "absent"}


# --------------------------------------------------------------------------- fatal errors

def _fails(export: Path, db: Path, *words: str) -> LoadError:
    with pytest.raises(LoadError) as info:
        load_export(export, db)
    for word in words:
        assert word in str(info.value), str(info.value)
    return info.value


def test_missing_required_table_names_the_file(tmp_path):
    export = copy_export("clean_minimal", tmp_path)
    (export / "order_items.csv").unlink()
    db = tmp_path / "crm.duckdb"
    _fails(export, db, "order_items", "order_items.csv")
    assert not db.exists()


def test_missing_required_column_names_file_and_column(tmp_path):
    export = copy_export("clean_minimal", tmp_path)
    lines = (export / "orders.csv").read_text(encoding="utf-8").splitlines()
    (export / "orders.csv").write_text("\n".join(",".join(x for i, x in enumerate(line.split(",")) if i != 5)
                                                 for line in lines) + "\n", encoding="utf-8")
    assert "status" not in (export / "orders.csv").read_text()
    db = tmp_path / "crm.duckdb"
    _fails(export, db, "orders.csv", "'status'")
    assert not db.exists()


def test_two_files_for_one_table(tmp_path):
    export = copy_export("clean_minimal", tmp_path)
    (export / "orders.csv.gz").write_bytes(gzip.compress((export / "orders.csv").read_bytes()))
    _fails(export, tmp_path / "crm.duckdb", "orders.csv", "orders.csv.gz")


@pytest.mark.parametrize("case", ["latin-1 body", "latin-1 header", "ragged row", "unterminated quote", "empty"])
def test_unreadable_file_names_the_file(tmp_path, case):
    export = copy_export("clean_minimal", tmp_path)
    target = export / "order_items.csv"
    header = "order_id,line_number,product_id,quantity,unit_price,unit_cost\n"
    content = {
        "latin-1 body": (header + "o1,1,café,1,1,1\n").encode("latin-1"),
        "latin-1 header": (header.replace("unit_cost", "unit_cöst") + "o1,1,p1,1,1,1\n").encode("latin-1"),
        "ragged row": (header + "o1,1,p1,1,1,1\no1,2,p1,1\n").encode(),
        "unterminated quote": (header + 'o1,1,"p1,1,1,1\n').encode(),
        "empty": b"",
    }[case]
    target.write_bytes(content)
    error = _fails(export, tmp_path / "crm.duckdb", "order_items.csv")
    if case.startswith("latin-1"):
        assert "UTF-8" in str(error)
    assert not (tmp_path / "crm.duckdb").exists()


@pytest.mark.parametrize("settings", [{"timezone": "Mars/Olympus"}, {"reporting_currency": "hryvnia"}])
def test_invalid_settings_are_fatal(tmp_path, settings):
    with pytest.raises(LoadError, match=next(iter(settings))):
        load_export(EXPORTS / "clean_minimal", tmp_path / "crm.duckdb", **settings)


def test_a_memory_limit_that_is_not_a_size_is_fatal_and_names_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_IMPACT_MEMORY_LIMIT", "lots")
    with pytest.raises(LoadError, match="CRM_IMPACT_MEMORY_LIMIT='lots'"):
        load_export(EXPORTS / "clean_minimal", tmp_path / "crm.duckdb")
    assert not (tmp_path / "crm.duckdb").exists()


def test_a_small_memory_limit_loads_the_same_rows(clean_db, tmp_path, monkeypatch):
    # DuckDB spills beyond the limit instead of failing or dropping rows
    monkeypatch.setenv("CRM_IMPACT_MEMORY_LIMIT", "64MB")
    db = tmp_path / "crm.duckdb"
    load_export(EXPORTS / "clean_minimal", db)
    for table in ("customers", "orders", "order_items", "tickets"):
        columns = "* exclude (_loaded_at)"
        assert query(db, f"select {columns} from raw.{table} order by all") == \
            query(clean_db[0], f"select {columns} from raw.{table} order by all"), table


def test_failed_load_leaves_the_warehouse_exactly_as_it_was(tmp_path):
    db = tmp_path / "crm.duckdb"
    load_export(EXPORTS / "clean_minimal", db)
    before, before_bytes = snapshot(db), db.read_bytes()

    # a newer export whose last file turns out not to be UTF-8: customers,
    # orders and order_items are upserted inside the transaction before it fails
    export = copy_export("clean_minimal_v2", tmp_path)
    (export / "tickets.csv").write_bytes(
        ("ticket_id,customer_id,channel,category,opened_at,first_response_at,resolved_at,status,assigned_to\n"
         "t1,c1,phone,Скарга,2024-02-01T10:00:00,,,open,e1\n").encode("utf-8")
        + "t2,c1,phone,réclamation,2024-02-01T10:00:00,,,open,e1\n".encode("latin-1"))
    _fails(export, db, "tickets.csv", "UTF-8")

    assert snapshot(db) == before
    assert db.read_bytes() == before_bytes


# --------------------------------------------------------------------------- idempotency and upserts

def test_second_load_of_the_same_export_changes_nothing(tmp_path):
    db = tmp_path / "crm.duckdb"
    load_export(EXPORTS / "clean_minimal", db)
    before = data_snapshot(db)
    report = load_export(EXPORTS / "clean_minimal", db)
    assert data_snapshot(db) == before
    assert [t.status for t in report.tables if t.file] == ["unchanged"] * 3
    assert query(db, "SELECT status, count(*) FROM raw.load_log WHERE table_name = 'orders' GROUP BY 1 ORDER BY 1") \
        == [("loaded", 1), ("unchanged", 1)]


def test_same_files_with_another_timezone_are_loaded_again(tmp_path):
    db = tmp_path / "crm.duckdb"
    load_export(EXPORTS / "clean_minimal", db)
    report = load_export(EXPORTS / "clean_minimal", db, timezone="Europe/Kyiv")
    assert report["customers"].status == "loaded"
    assert query(db, "SELECT CAST(created_at AS VARCHAR) FROM raw.customers WHERE customer_id = 'c1'") == [
        ("2025-03-01 07:15:00",)]
    assert query(db, "SELECT count(*) FROM raw.customers") == [(3,)]


def test_newer_export_upserts_by_primary_key(tmp_path):
    db = tmp_path / "crm.duckdb"
    load_export(EXPORTS / "clean_minimal", db)
    report = load_export(EXPORTS / "clean_minimal_v2", db)
    assert report["customers"].rows_loaded == 2
    assert [(r[0], r[2]) for r in business_rows(db, "customers")] == [
        ("c1", "retail"), ("c2", "enterprise"), ("c3", "enterprise"), ("c4", "retail")]
    assert [(r[0], r[5]) for r in business_rows(db, "orders")] == [
        ("o1", "completed"), ("o2", "returned"), ("o3", "pending"), ("o4", "completed")]
    assert [(r[0], r[1], r[3]) for r in business_rows(db, "order_items")] == [
        ("o1", 1, 2.0), ("o1", 2, 1.0), ("o2", 1, 5.0), ("o3", 1, 1.0), ("o4", 1, 1.0)]
    # the older export's extra column stays; rows from the newer file have no value for it
    assert query(db, "SELECT order_id, crm_note FROM raw.orders ORDER BY 1") == [
        ("o1", "first order"), ("o2", None), ("o3", "customer unknown to the CRM"), ("o4", None)]
    # loading the newer export again is a no-op
    before = data_snapshot(db)
    load_export(EXPORTS / "clean_minimal_v2", db)
    assert data_snapshot(db) == before


def test_a_snapshot_export_rewrites_only_changed_rows(tmp_path):
    """Full snapshots are the usual export: rows identical to the stored version keep their _loaded_at,
    so dbt's incremental facts reprocess only what really changed."""
    db = tmp_path / "crm.duckdb"
    load_export(EXPORTS / "clean_minimal", db)
    before = dict(query(db, "SELECT order_id, _loaded_at FROM raw.orders"))
    export = copy_export("clean_minimal", tmp_path)
    orders = (export / "orders.csv").read_text(encoding="utf-8").splitlines()
    changed_line = next(i for i, line in enumerate(orders) if line.startswith("o2,"))
    orders[changed_line] = orders[changed_line].replace(",Completed ,", ",returned,")
    (export / "orders.csv").write_text("\n".join(orders) + "\n", encoding="utf-8")
    report = load_export(export, db)
    assert report["orders"].rows_loaded == len(orders) - 1  # every valid row counts as loaded
    after = dict(query(db, "SELECT order_id, _loaded_at FROM raw.orders"))
    assert after.keys() == before.keys()
    assert after["o2"] > before["o2"]
    assert {k: v for k, v in after.items() if k != "o2"} == {k: v for k, v in before.items() if k != "o2"}


def test_new_extra_column_goes_before_lineage(tmp_path):
    db = tmp_path / "crm.duckdb"
    load_export(EXPORTS / "clean_minimal", db)
    export = copy_export("clean_minimal_v2", tmp_path)
    orders = (export / "orders.csv").read_text(encoding="utf-8").splitlines()
    (export / "orders.csv").write_text(
        "\n".join([orders[0] + ",Source System"] + [line + ",erp" for line in orders[1:]]) + "\n", encoding="utf-8")
    load_export(export, db)
    cols = [c for (c,) in query(db, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' "
                                    "AND table_name = 'orders' ORDER BY ordinal_position")]
    assert cols == TABLES_BY_NAME["orders"].column_names + ["crm_note", "Source System", "_source_file", "_loaded_at"]
    assert query(db, 'SELECT order_id, "Source System" FROM raw.orders ORDER BY 1') == [
        ("o1", None), ("o2", "erp"), ("o3", None), ("o4", "erp")]


def test_orders_are_rechecked_when_fx_rates_arrive_later(tmp_path):
    db = tmp_path / "crm.duckdb"
    export = copy_export("clean_minimal", tmp_path)
    orders = export / "orders.csv"
    orders.write_text(orders.read_text(encoding="utf-8").replace(",UAH,10,", ",EUR,10,"), encoding="utf-8")
    first = load_export(export, db)
    assert first["orders"].rows_quarantined == 1
    assert "EUR" in quarantined(db, "orders")[("orders", 3)][1]

    (export / "fx_rates.csv").write_text("currency,rate_date,rate_to_reporting\nEUR,2025-01-01,45\n")
    second = load_export(export, db)
    assert second["orders"].status == "loaded"  # same file, but the rates it depends on changed
    assert second["customers"].status == "unchanged"
    assert query(db, "SELECT currency FROM raw.orders WHERE order_id = 'o3'") == [("EUR",)]

    (export / "fx_rates.csv").unlink()  # rates already in the warehouse are used
    third = load_export(export, db)
    assert third["orders"].status == "unchanged" and third["fx_rates"].status == "absent"
    assert query(db, "SELECT count(*) FROM raw.fx_rates") == [(1,)]


# --------------------------------------------------------------------------- other formats

def test_csv_gz_input_loads_like_csv(tmp_path, clean_db):
    csv_db, _ = clean_db
    export = tmp_path / "gz"
    export.mkdir()
    for f in (EXPORTS / "clean_minimal").glob("*.csv"):
        (export / (f.name + ".gz")).write_bytes(gzip.compress(f.read_bytes()))
    db = tmp_path / "crm.duckdb"
    report = load_export(export, db)
    assert report["orders"].file.name == "orders.csv.gz"
    for table in ("customers", "orders", "order_items"):
        assert business_rows(db, table) == business_rows(csv_db, table)


def test_parquet_input_with_native_types_loads_like_csv(tmp_path, clean_db):
    csv_db, _ = clean_db
    export = tmp_path / "pq"
    export.mkdir()
    src = EXPORTS / "clean_minimal"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT * FROM read_csv('{src / "customers.csv"}', all_varchar = true))
                    TO '{export / "customers.parquet"}' (FORMAT parquet)""")
    con.execute(f"""COPY (SELECT order_id, customer_id, employee_id, lead_id,
                           CAST(created_at AS TIMESTAMP) AS created_at, status, currency,
                           CAST(discount_amount AS DOUBLE) AS discount_amount, crm_note
                          FROM read_csv('{src / "orders.csv"}', all_varchar = true))
                    TO '{export / "orders.parquet"}' (FORMAT parquet)""")
    con.execute(f"""COPY (SELECT order_id, CAST(line_number AS INTEGER) AS line_number, product_id,
                           CAST(quantity AS DOUBLE) AS quantity, CAST(unit_price AS DECIMAL(10, 2)) AS unit_price,
                           CAST(unit_cost AS DOUBLE) AS unit_cost
                          FROM read_csv('{src / "order_items.csv"}', all_varchar = true))
                    TO '{export / "order_items.parquet"}' (FORMAT parquet)""")
    con.close()
    db = tmp_path / "crm.duckdb"
    report = load_export(export, db)
    assert report.total.rows_quarantined == 0
    for table in ("customers", "orders", "order_items"):
        assert business_rows(db, table) == business_rows(csv_db, table), table


def test_parquet_bad_rows_get_the_same_row_numbers_as_csv(tmp_path, bad_db):
    csv_db, _ = bad_db
    export = tmp_path / "pq"
    export.mkdir()
    con = duckdb.connect()
    for f in (EXPORTS / "bad_rows").glob("*.csv"):
        con.execute(f"COPY (SELECT * FROM read_csv('{f}', all_varchar = true)) "
                    f"TO '{export / (f.stem + '.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 2)")
    con.close()
    db = tmp_path / "crm.duckdb"
    load_export(export, db)
    assert {k: c for k, (c, _) in quarantined(db).items()} == BAD_ROWS


def test_parquet_header_names_are_matched_loosely(tmp_path):
    # ' Quantity ' matches quantity; a column named file_row_number is an extra, not the reader's row number
    export = copy_export("clean_minimal", tmp_path)
    (export / "order_items.csv").unlink()
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT * FROM (VALUES ('o1', '1', 'p1', '2', '10', NULL, '99'),
                                               ('o1', '2', 'p1', '-1', '10', NULL, '98'))
                          AS t(ORDER_ID, line_number, product_id, " Quantity ", unit_price, unit_cost,
                               file_row_number))
                    TO '{export / "order_items.parquet"}' (FORMAT parquet)""")
    con.close()
    db = tmp_path / "crm.duckdb"
    report = load_export(export, db)
    assert (report["order_items"].rows_loaded, report["order_items"].rows_quarantined) == (1, 1)
    assert query(db, "SELECT order_id, quantity, file_row_number FROM raw.order_items") == [("o1", 2.0, "99")]
    assert list(quarantined(db, "order_items").values()) == [("quantity", "quantity -1 is below the minimum 0")]
    assert list(quarantined(db, "order_items")) == [("order_items", 2)]


def test_row_numbers_count_records_not_lines(tmp_path):
    export = copy_export("clean_minimal", tmp_path)
    (export / "customers.csv").write_text(
        "customer_id,created_at,segment,region,acquisition_channel,full_name,email,phone\n"
        'c1,2025-03-01T09:15:00,retail,Kyiv,web,"two\nlines",a@example.com,\n'
        "c2,yesterday,retail,Kyiv,web,x,b@example.com,\n", encoding="utf-8")
    db = tmp_path / "crm.duckdb"
    load_export(export, db)
    assert list(quarantined(db, "customers")) == [("customers", 2)]
    assert query(db, "SELECT full_name FROM raw.customers") == [("two\nlines",)]


# --------------------------------------------------------------------------- generated export

def _generator():
    try:
        from orchestration.generate import generate_export
    except ImportError:
        return None
    return generate_export


@pytest.mark.slow
@pytest.mark.skipif(_generator() is None, reason="orchestration.generate.generate_export does not exist yet")
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_generated_dirty_export_quarantines_exactly_the_injected_faults(tmp_path, fmt):
    """Every injected fault is quarantined on its row with its column; nothing else is; orphans are kept."""
    export = tmp_path / "export"
    truth = _generator()(export, scale=0.005, seed=7, fmt=fmt, dirty=0.01)["faults"]
    db = tmp_path / "crm.duckdb"
    report = load_export(export, db)

    expected: dict[tuple[str, int], str] = {}
    for fault in truth["list"]:
        if fault["fault_class"] == "orphan":
            continue
        # the generator appends a copy after the original; the last row wins, so the original is quarantined
        row = fault["first_row_number"] if fault["fault_class"] == "duplicate_key" else fault["row_number"]
        expected[(fault["table"], row)] = fault["column"].replace(" ", "")
    got = {key: column.replace(" ", "") for key, (column, _) in quarantined(db).items()}
    assert got == expected
    assert_rows_accounted(report)
    for t in report.tables:
        assert t.rows_read == t.rows_loaded + t.rows_quarantined, t.table
        assert t.rows_quarantined == truth["quarantined"].get(t.table, 0), t.table
    orphans = [f for f in truth["list"] if f["fault_class"] == "orphan" and f["table"] == "orders"]
    assert orphans
    for fault in orphans:
        assert query(db, "SELECT customer_id FROM raw.orders WHERE order_id = $o",
                     {"o": fault["key"]["order_id"]}) == [(fault["value"],)]
