"""CRM mapping presets: each preset maps its hand-made fixture export
(tests/fixtures/presets/<crm>/, in the CRM's own shape) to the contract rows
written out by hand in <crm>/expected/ (README.md there derives them), one
fixture goes all the way to a KPI, and a user's own mapping and the mapping
errors are checked too."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import query
from orchestration.contract import TABLES_BY_NAME
from orchestration.load.mapping import (
    Mapping,
    MappingError,
    kpis_needing,
    load_mapping,
    load_preset,
    preset_names,
)
from orchestration.load.sql import ident, literal

FIXTURES = Path(__file__).parent / "fixtures" / "presets"
PRESETS = ("bitrix24", "hubspot", "pipedrive", "salesforce")


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def _read_text(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> list[str]:
    """Read a CSV into TEMP table ``name`` (_row_number, c0..cN as text), the way the loader does."""
    header = _header(path)
    spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header)))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS SELECT row_number() OVER () AS _row_number, * "
        f"FROM read_csv({literal(str(path))}, header = true, auto_detect = false, columns = {{{spec}}}, "
        "delim = ',', quote = '\"', escape = '\"', strict_mode = true)"
    )
    return header


def _clean(value: object) -> str | None:
    """What the loader's validation sees: trimmed text, empty = NULL."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def map_export(mapping: Mapping, export_dir: Path) -> dict[str, list[tuple]]:
    """Every table the mapping fills, mapped from the export's files: rows of clean text, in file order."""
    files = mapping.find_files(export_dir, suffixes=(".csv",))
    con = duckdb.connect()
    out: dict[str, list[tuple]] = {}
    for table, table_mapping in mapping.tables.items():
        paths = files[table_mapping.source]
        assert len(paths) == 1, f"{table}: source {table_mapping.source} matched {paths}"
        header = _read_text(con, paths[0], "_text")
        compiled = mapping.compile(table, header, "_text", refs=[f"c{i}" for i in range(len(header))],
                                   file_label=paths[0].name)
        rows = con.execute(f"SELECT * EXCLUDE (_row_number) FROM ({compiled.sql}) ORDER BY _row_number").fetchall()
        out[table] = [tuple(_clean(v) for v in row) for row in rows]
    con.close()
    return out


def expected_rows(path: Path) -> list[tuple]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        assert header == TABLES_BY_NAME[path.stem].column_names, f"{path}: not the contract's column order"
        return [tuple(_clean(v) for v in row) for row in reader]


# --------------------------------------------------------------------------- presets map their fixtures


def test_every_shipped_preset_has_a_fixture():
    # the *_api presets map what `crm-impact extract` landed (tests/test_extract_*.py), not export files
    assert tuple(n for n in preset_names() if not n.endswith("_api")) == PRESETS
    for name in PRESETS:
        assert (FIXTURES / name / "README.md").is_file()
        assert (FIXTURES / name / "expected").is_dir()


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_maps_its_fixture_to_the_expected_contract_rows(preset):
    mapping = load_preset(preset)
    expected_dir = FIXTURES / preset / "expected"
    assert sorted(p.stem for p in expected_dir.glob("*.csv")) == sorted(mapping.tables)
    mapped = map_export(mapping, FIXTURES / preset)
    for table in mapping.tables:
        expected = expected_rows(expected_dir / f"{table}.csv")
        assert len(mapped[table]) == len(expected), table
        for row_number, (got, want) in enumerate(zip(mapped[table], expected), start=1):
            assert got == want, f"{preset} {table} row {row_number}:\n got  {got}\n want {want}"


def test_presets_find_their_files_by_pattern():
    files = load_preset("hubspot").find_files(FIXTURES / "hubspot", suffixes=(".csv",))
    assert {s: [p.name for p in ps] for s, ps in files.items()} == {
        "deals": ["hubspot-crm-exports-all-deals-2025-03-01.csv"],
        "companies": ["hubspot-crm-exports-all-companies-2025-03-01.csv"],
        "contacts": ["hubspot-crm-exports-all-contacts-2025-03-01.csv"],
        "tickets": ["hubspot-crm-exports-all-tickets-2025-03-01.csv"],
    }
    # Pipedrive's people export is in the folder but feeds no table (see the preset's header)
    pipedrive = load_preset("pipedrive").find_files(FIXTURES / "pipedrive", suffixes=(".csv",))
    assert sorted(p.name for ps in pipedrive.values() for p in ps) == [
        "activities-export-2025-03-01.csv", "deals-export-2025-03-01.csv", "organizations-export-2025-03-01.csv"]


def test_coverage_names_the_tables_columns_and_kpis_a_preset_cannot_fill():
    coverage = load_preset("hubspot").coverage()
    assert coverage.tables == {"customers": "companies", "leads": "contacts", "orders": "deals",
                               "order_items": "deals", "tickets": "tickets"}
    assert "activities" in coverage.uncovered and "tickets" not in coverage.uncovered
    assert coverage.empty_columns["leads"] == ("first_response_at",)
    assert coverage.empty_columns["order_items"] == ("product_id", "unit_cost")
    # from seeds/kpi_source_tables.csv: a KPI is out when a table it needs is not covered
    assert coverage.kpis_unavailable["task_completion_hours"] == ("activities",)
    assert coverage.kpis_unavailable["crm_roi"] == ("crm_costs",)
    assert coverage.kpis_unavailable["crm_adoption_rate"] == ("employees", "crm_usage")
    # a column the export lacks (HubSpot has no first response on a contact) takes its KPIs too
    assert coverage.kpis_unavailable["lead_first_response_hours"] == ("leads.first_response_at",)
    assert load_preset("salesforce").coverage().kpis_unavailable["first_response_minutes"] == (
        "tickets.first_response_at",)
    for available in ("average_order_value", "net_revenue", "lead_conversion_rate", "lead_processing_hours",
                      "first_response_minutes", "resolution_rate", "retention_rate"):
        assert available not in coverage.kpis_unavailable
    assert "activities" not in load_preset("pipedrive").coverage().uncovered
    assert kpis_needing(["surveys"]) == {"csat_score": ("surveys",), "csat_top2_share": ("surveys",),
                                         "nps": ("surveys",)}


# --------------------------------------------------------------------------- a user's own mapping


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


OWN_MAPPING = r"""
# a spreadsheet kept by hand: one row per sale
mapping: shop
sources:
  sales:
    files: ["sales*"]
    derive:
      client: {sql: "lower(trim(\"Клієнт\"))"}
tables:
  customers:
    source: sales
    columns:
      customer_id: {sql: client}
      full_name: Клієнт
      segment: {value: retail}
  orders:
    source: sales
    columns:
      order_id: Номер
      customer_id: {sql: client}
      created_at: {column: Дата, format: "%d.%m.%Y"}
      status:
        column: "Стан \"оплати\""
        map: {Оплачено: completed, Скасовано: cancelled, No: pending, "1": completed}
      currency: {value: UAH}
  order_items:
    source: sales
    columns:
      order_id: Номер
      line_number: {value: "1"}
      quantity: {column: "К-сть", if_empty: "1"}
      unit_price: {column: "Сума, грн", number: {decimal: ",", thousands: [" "]}}
"""

OWN_EXPORT = '''Номер,Клієнт,Дата,"Стан ""оплати""",К-сть,"Сума, грн"
S-1, Олена ,05.02.2025,Оплачено,2,"1 250,50"
S-2,ОЛЕНА,06.02.2025,скасовано,,300
S-3,Петро,31.02.2025,No,1,abc
S-4,Петро,07.02.2025,1,1,"99,9"
S-5,Ірина,08.02.2025,Повернено,1,10
'''


def test_own_mapping_maps_cyrillic_quoted_and_comma_column_names(tmp_path):
    mapping = load_mapping(_write(tmp_path / "my.yml", OWN_MAPPING))
    export = tmp_path / "export"
    export.mkdir()
    _write(export / "sales_2025.csv", OWN_EXPORT)
    mapped = map_export(mapping, export)
    assert mapped["customers"] == [
        ("олена", None, "retail", None, None, "Олена", None, None),
        ("олена", None, "retail", None, None, "ОЛЕНА", None, None),  # a duplicate key: the loader quarantines row 1
        ("петро", None, "retail", None, None, "Петро", None, None),
        ("петро", None, "retail", None, None, "Петро", None, None),
        ("ірина", None, "retail", None, None, "Ірина", None, None),
    ]
    assert mapped["orders"] == [
        ("S-1", "олена", None, None, "2025-02-05T00:00:00", "completed", "UAH", None),
        ("S-2", "олена", None, None, "2025-02-06T00:00:00", "cancelled", "UAH", None),  # keys compared lower-case
        # 31.02 is no date: the original text goes on, and the loader quarantines it naming the value
        ("S-3", "петро", None, None, "31.02.2025", "pending", "UAH", None),  # "No" stays text, not False
        ("S-4", "петро", None, None, "2025-02-07T00:00:00", "completed", "UAH", None),
        ("S-5", "ірина", None, None, "2025-02-08T00:00:00", "Повернено", "UAH", None),  # unmapped: quarantined
    ]
    assert mapped["order_items"] == [
        ("S-1", "1", None, "2", "1250.50", None),
        ("S-2", "1", None, "1", "300", None),
        ("S-3", "1", None, "1", "abc", None),  # not a number: reaches the validator as it was
        ("S-4", "1", None, "1", "99.9", None),
        ("S-5", "1", None, "1", "10", None),
    ]


def test_extends_replaces_whole_tables_of_a_preset(tmp_path):
    own = _write(tmp_path / "pipedrive-b2c.yml", """
mapping: pipedrive-b2c
extends: pipedrive
sources:
  persons:
    files: ["*people*", "*person*"]
tables:
  customers:
    source: persons
    columns:
      customer_id: Person - Name
      full_name: Person - Name
      email: {column: Person - Email, optional: true}
      phone: {column: Person - Phone, optional: true}
  activities: null
""")
    mapping = load_mapping(own)
    assert mapping.name == "pipedrive-b2c"
    assert list(mapping.tables) == ["customers", "leads", "orders", "order_items"]
    assert set(mapping.sources) == {"deals", "persons"}  # organizations and activities are no longer used
    assert mapping.tables["orders"].rules == load_preset("pipedrive").tables["orders"].rules
    export = tmp_path / "export"
    shutil.copytree(FIXTURES / "pipedrive", export, ignore=shutil.ignore_patterns("expected", "*.md"))
    mapped = map_export(mapping, export)
    assert mapped["customers"] == [
        ("Olha Ivanenko", None, None, None, None, "Olha Ivanenko", "olha@alfa.example", "+380441000001"),
        ("Taras Melnyk", None, None, None, None, "Taras Melnyk", "taras@gamma.example", None),
        ("Ivan Franko", None, None, None, None, "Ivan Franko", "ivan@example.com", "+380671000003"),
    ]


# --------------------------------------------------------------------------- mapping errors


BASE = """
sources:
  deals: {files: ["deals*"]}
tables:
  customers: {source: deals, columns: {customer_id: Company}}
  orders:
    source: deals
    columns: {order_id: ID, customer_id: Company, created_at: Created, status: {value: completed}}
  order_items:
    source: deals
    columns: {order_id: ID, line_number: {value: "1"}, quantity: {value: "1"}, unit_price: Amount}
"""


@pytest.mark.parametrize("change, key, message", [
    (("sources:", "colour: red\nsources:"), "colour", "unknown key"),
    (("  customers: {source: deals", "  customer: {source: deals"), "tables.customer",
     "is not a contract table (did you mean customers?)"),
    (("status: {value: completed}", "status: {value: shipped}"), "tables.orders.columns.status.value",
     "'shipped' is not a value of status: completed, cancelled, returned, pending"),
    (("status: {value: completed}", "status: {column: Stage, map: {Won: done}}"), "tables.orders.columns.status.map.Won",
     "'done' is not a value of status"),
    (("order_id: ID, customer_id: Company,", "customer_id: Company,"), "tables.orders.columns",
     "cannot produce the required column(s) order_id of orders"),
    (("status: {value: completed}", "status: {value: completed}, colour: Blue"), "tables.orders.columns.colour",
     "is not a column of orders"),
    (("unit_price: Amount", "unit_price: {sql: \"Amount +\"}"), "tables.order_items.columns.unit_price.sql",
     "is not a SQL expression"),
    (("unit_price: Amount", "unit_price: {sql: \"(SELECT max(x) FROM read_csv('/etc/passwd'))\"}"),
     "tables.order_items.columns.unit_price.sql", "may not contain a subquery"),
    (("unit_price: Amount", "unit_price: {sql: '1); DROP TABLE raw.orders; SELECT (1'}"),
     "tables.order_items.columns.unit_price.sql", "must be one SQL expression"),
    (("created_at: Created", "created_at: {column: Created, format: \"%Q\"}"), "tables.orders.columns.created_at.format",
     "is not a strptime format"),
    (("unit_price: Amount", "unit_price: {column: Amount, format: \"%Y\"}"), "tables.order_items.columns.unit_price.format",
     "applies to date and timestamp columns"),
    (("unit_price: Amount", "unit_price: {column: Amount, value: \"1\"}"), "tables.order_items.columns.unit_price",
     "needs exactly one of column, sql or value (has column, value)"),
    (("unit_price: Amount", "unit_price: {column: Amount, optional: true}"),
     "tables.order_items.columns.unit_price.optional", "cannot be optional"),
    (("  order_items:\n    source: deals", "  order_itemz:\n    source: deals"), "tables.order_itemz",
     "is not a contract table"),
    (("source: deals\n    columns: {order_id: ID, line", "source: sales\n    columns: {order_id: ID, line"),
     "tables.order_items.source", "'sales' is not one of the sources: deals"),
])
def test_mapping_errors_name_the_file_and_the_key(tmp_path, change, key, message):
    old, new = change
    assert old in BASE
    path = _write(tmp_path / "bad.yml", BASE.replace(old, new, 1))
    with pytest.raises(MappingError) as error:
        load_mapping(path)
    text = str(error.value)
    assert str(path) in text and f"{key}:" in text and message in text, text


def test_a_mapping_without_a_required_table_or_with_invalid_yaml(tmp_path):
    no_items = _write(tmp_path / "no_items.yml", BASE.split("  order_items:")[0])
    with pytest.raises(MappingError, match=r"no_items.yml: tables: has no rules for the required table\(s\) order_items"):
        load_mapping(no_items)
    broken = _write(tmp_path / "broken.yml", "tables: [unclosed")
    with pytest.raises(MappingError, match=r"broken.yml is not valid YAML"):
        load_mapping(broken)
    with pytest.raises(MappingError, match=r"does not exist"):
        load_mapping(tmp_path / "absent.yml")
    with pytest.raises(MappingError, match=r"there is no preset 'hubspott'; the presets are bitrix24, hubspot"):
        load_preset("hubspott")
    with pytest.raises(MappingError, match=r"extends: 'zoho' is neither a preset"):
        load_mapping(_write(tmp_path / "ext.yml", "extends: zoho\n"))


def test_a_column_the_file_lacks_is_named_with_the_yaml_key_and_the_files_columns(tmp_path):
    mapping = load_mapping(_write(tmp_path / "m.yml", BASE))
    with pytest.raises(MappingError) as error:
        mapping.resolve("order_items", ["ID", "Company", "Created", "Amnt"], "deals.csv")
    text = str(error.value)
    assert "tables.order_items.columns.unit_price: deals.csv has no column 'Amount'" in text
    assert "(did you mean 'Amnt'?)" in text and "its columns are 'ID', 'Company', 'Created', 'Amnt'" in text
    sql = load_mapping(_write(tmp_path / "s.yml", BASE.replace("unit_price: Amount", "unit_price: {sql: \"Amont\"}")))
    with pytest.raises(MappingError, match=r"unit_price: deals.csv has no column 'Amont' \(did you mean 'Amount'\?\)"):
        sql.resolve("order_items", ["ID", "Company", "Created", "Amount"], "deals.csv")


QUOTED_NAMES = r"""
unit_price: {sql: "replace(\"сума \"\"брутто\"\"\", ',', '.')"}
"""


def test_names_are_matched_without_regard_to_case_and_quotes_in_names_are_safe(tmp_path):
    mapping = load_mapping(_write(tmp_path / "m.yml", BASE.replace("unit_price: Amount", QUOTED_NAMES.strip())))
    header = ["id", "COMPANY", "created", 'Сума "брутто"']
    expressions = mapping.resolve("order_items", header, "deals.csv")
    assert expressions["order_id"] == 'CAST("id" AS VARCHAR)'
    # respelt as in the header: DuckDB itself matches names without regard to case for ASCII only
    assert '"Сума ""брутто"""' in expressions["unit_price"]
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT '1' AS c0, 'Acme' AS c1, '2025-01-01' AS c2, '12,5' AS c3")
    compiled = mapping.compile("order_items", header, "t", refs=["c0", "c1", "c2", "c3"], keep=())
    assert con.execute(compiled.sql).fetchall() == [("1", "1", None, "1", "12.5", None)]


def test_a_file_two_sources_claim_is_an_error(tmp_path):
    mapping = load_mapping(_write(tmp_path / "m.yml", BASE.replace(
        'deals: {files: ["deals*"]}', 'deals: {files: ["deals*"]}\n  more: {files: ["*2025*"]}').replace(
        "  customers: {source: deals,", "  customers: {source: more,")))
    export = tmp_path / "export"
    export.mkdir()
    _write(export / "deals_2025.csv", "ID\n1\n")
    with pytest.raises(MappingError, match=r"file deals_2025.csv matches the patterns of several sources \(deals, more\)"):
        mapping.find_files(export)


# --------------------------------------------------------------------------- all the way to a KPI


RAW_TABLES = ("customers", "leads", "orders", "order_items", "tickets")


def _raw(db: Path, table: str) -> list[tuple]:
    columns = ", ".join(ident(c) for c in TABLES_BY_NAME[table].column_names)
    return query(db, f"SELECT {columns} FROM raw.{table} ORDER BY ALL")


@pytest.fixture(scope="module")
def hubspot_warehouse(tmp_path_factory) -> Path:
    """The HubSpot fixture loaded with the preset, then the whole dbt project built on it."""
    from orchestration.dbt_runner import build
    from orchestration.load import load_export

    db = tmp_path_factory.mktemp("hubspot") / "crm.duckdb"
    load_export(FIXTURES / "hubspot", db, mapping=load_preset("hubspot").for_loader())
    build(db_path=db)
    return db


@pytest.mark.slow
def test_hubspot_export_loads_like_its_hand_written_contract_rows(hubspot_warehouse, tmp_path):
    """Loading the CRM's files with the preset and loading expected/ as a contract export give the same raw rows."""
    from orchestration.load import load_export

    plain = tmp_path / "plain.duckdb"
    load_export(FIXTURES / "hubspot" / "expected", plain)
    for table in RAW_TABLES:
        assert _raw(hubspot_warehouse, table) == _raw(plain, table), table
    quarantine = "SELECT table_name, row_number, reason FROM raw.quarantine ORDER BY table_name, row_number"
    assert query(hubspot_warehouse, quarantine) == query(plain, quarantine)
    rows = query(hubspot_warehouse, quarantine)
    assert [(t, n) for t, n, _ in rows] == [("leads", 8), ("order_items", 9), ("orders", 9), ("orders", 10),
                                           ("tickets", 7), ("tickets", 9)]
    assert "status 'won deal without an amount' is not one of" in rows[2][2]
    files = query(hubspot_warehouse, "SELECT DISTINCT table_name, source_file FROM raw.quarantine ORDER BY 1")
    assert all(Path(f).name.startswith("hubspot-crm-exports-all-") for _, f in files)  # the user's own file


@pytest.mark.slow
def test_hubspot_average_order_value_matches_the_hand_computed_answer(hubspot_warehouse):
    """tests/fixtures/presets/hubspot/README.md: 750 in 2024-02, 1500 in 2025-01, 1000 in 2025-02."""
    monthly = query(hubspot_warehouse, """
        SELECT month_start, metric_value, crm_period, record_count FROM marts.mart_kpi_monthly
        WHERE metric_id = 'average_order_value' AND scope_type = 'company' AND metric_value IS NOT NULL
        ORDER BY month_start""")
    assert monthly == [
        (dt.date(2024, 2, 1), pytest.approx(750.0), "baseline", 2),
        (dt.date(2025, 1, 1), pytest.approx(1500.0), "post", 2),
        (dt.date(2025, 2, 1), pytest.approx(1000.0), "post", 2),
    ]
    revenue = query(hubspot_warehouse, """
        SELECT month_start, metric_value FROM marts.mart_kpi_monthly
        WHERE metric_id = 'net_revenue' AND scope_type = 'company' AND metric_value <> 0 ORDER BY month_start""")
    assert revenue == [(dt.date(2024, 2, 1), pytest.approx(1500.0)), (dt.date(2025, 1, 1), pytest.approx(3000.0)),
                       (dt.date(2025, 2, 1), pytest.approx(2000.0))]
    before_after = query(hubspot_warehouse, """
        SELECT baseline_value, post_value, raw_change, baseline_records, post_records
        FROM marts.mart_kpi_before_after WHERE metric_id = 'average_order_value' AND scope_type = 'company'""")
    assert before_after == [(pytest.approx(750.0), pytest.approx(1250.0), pytest.approx(500.0), 2, 4)]


# --------------------------------------------------------------------------- through the loader and the CLI


@pytest.mark.slow
def test_cli_loads_a_crm_export_with_a_preset_and_with_an_own_mapping(tmp_path, capsys, monkeypatch):
    from orchestration.cli import main

    db = tmp_path / "crm.duckdb"
    monkeypatch.setenv("CRM_IMPACT_DB", str(db))
    # a dozen rows with deliberate faults: above the 5% quarantine limit, which the user accepts
    assert main(["load", str(FIXTURES / "salesforce"), "--preset", "salesforce"]) == 1
    assert "--accept-quarantine" in capsys.readouterr().err and not db.exists()
    assert main(["load", str(FIXTURES / "salesforce"), "--preset", "salesforce", "--accept-quarantine"]) == 0
    out = capsys.readouterr().out
    assert "mapping salesforce: fills customers, leads, orders, order_items, tickets" in out
    assert "first_response_minutes" in out.split("KPIs that cannot be computed")[1]
    counts = dict(query(db, "SELECT table_name, rows_quarantined FROM raw.load_log WHERE status = 'loaded'"))
    assert counts == {"customers": 0, "leads": 1, "orders": 2, "order_items": 1, "tickets": 2}  # README.md

    own = tmp_path / "export"
    own.mkdir()
    _write(own / "sales_2025.csv", OWN_EXPORT)
    mapping = _write(tmp_path / "shop.yml", OWN_MAPPING)
    assert main(["load", str(own), "--mapping", str(mapping), "--accept-quarantine"]) == 0
    assert query(db, "SELECT order_id, status, created_at FROM raw.orders WHERE order_id LIKE 'S-%' ORDER BY 1") == [
        ("S-1", "completed", dt.datetime(2025, 2, 5)), ("S-2", "cancelled", dt.datetime(2025, 2, 6)),
        ("S-4", "completed", dt.datetime(2025, 2, 7))]  # S-3: 31.02; S-5: Повернено, both quarantined
    reasons = query(db, "SELECT row_number, reason FROM raw.quarantine WHERE table_name = 'orders' "
                        "AND source_file LIKE '%sales_2025.csv' ORDER BY 1")
    assert [n for n, _ in reasons] == [3, 5]
    assert "'31.02.2025'" in reasons[0][1] and "'Повернено'" in reasons[1][1]


def test_a_mapping_that_does_not_fit_the_export_writes_nothing(tmp_path, capsys, monkeypatch):
    from orchestration.cli import main

    db = tmp_path / "crm.duckdb"
    monkeypatch.setenv("CRM_IMPACT_DB", str(db))
    export = tmp_path / "export"
    shutil.copytree(FIXTURES / "hubspot", export, ignore=shutil.ignore_patterns("expected", "*.md"))
    deals = export / "hubspot-crm-exports-all-deals-2025-03-01.csv"
    deals.write_text(deals.read_text(encoding="utf-8").replace("Deal Stage", "Stage of deal", 1), encoding="utf-8")
    assert main(["load", str(export), "--preset", "hubspot"]) == 1
    err = capsys.readouterr().err
    assert "load failed, nothing was written" in err
    assert "sources.deals.derive.outcome: " in err and "has no column 'Deal Stage'" in err
    assert "hubspot-crm-exports-all-deals-2025-03-01.csv" in err
    assert not db.exists()

    bad = _write(tmp_path / "bad.yml", BASE.replace("status: {value: completed}", "status: {value: shipped}"))
    assert main(["load", str(export), "--mapping", str(bad)]) == 1
    assert "tables.orders.columns.status.value: 'shipped' is not a value of status" in capsys.readouterr().err
    assert not db.exists()


def test_a_file_two_sources_of_a_preset_claim_stops_the_load(tmp_path):
    from orchestration.load import LoadError, load_export

    export = tmp_path / "export"
    shutil.copytree(FIXTURES / "hubspot", export, ignore=shutil.ignore_patterns("expected", "*.md"))
    (export / "deals-with-contacts.csv").write_text("Record ID\n1\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"table (orders|leads) has 2 sources"):
        load_export(export, tmp_path / "crm.duckdb", mapping=load_preset("hubspot").for_loader())
    assert not (tmp_path / "crm.duckdb").exists()


@pytest.mark.slow
def test_a_workbook_with_one_sheet_per_object_loads_like_the_csv_files(tmp_path):
    """HubSpot objects as sheets of one .xlsx (all cells text): the preset's patterns match sheet names too."""
    import xlsxwriter

    from orchestration.load import load_export

    book = tmp_path / "export" / "hubspot-export.xlsx"
    book.parent.mkdir()
    workbook = xlsxwriter.Workbook(str(book))
    for sheet, pattern in (("Deals", "deals"), ("Companies", "companies"), ("Contacts", "contacts"),
                           ("Tickets", "tickets")):
        worksheet = workbook.add_worksheet(sheet)
        path = next((FIXTURES / "hubspot").glob(f"*-{pattern}-*.csv"))
        with open(path, encoding="utf-8", newline="") as handle:
            for r, row in enumerate(csv.reader(handle)):
                for c, value in enumerate(row):
                    if value:
                        worksheet.write_string(r, c, value)
    workbook.close()
    mapping = load_preset("hubspot").for_loader()
    from_book, from_csv = tmp_path / "book.duckdb", tmp_path / "csv.duckdb"
    load_export(book.parent, from_book, mapping=mapping)
    load_export(FIXTURES / "hubspot", from_csv, mapping=mapping)
    for table in RAW_TABLES:
        assert _raw(from_book, table) == _raw(from_csv, table), table


@pytest.mark.slow
def test_inspect_shows_each_contract_column_s_source_through_a_preset(capsys):
    from orchestration.cli import main

    assert main(["inspect", str(FIXTURES / "pipedrive"), "--preset", "pipedrive"]) == 1  # above the 5% limit
    assert main(["inspect", str(FIXTURES / "pipedrive"), "--preset", "pipedrive", "--accept-quarantine"]) == 0
    out = capsys.readouterr().out
    assert "customers <- organizations-export-2025-03-01.csv (through the mapping): 8 rows, 8 would load" in out
    assert "lead_id <- Deal - ID" in out and "discount_amount <- constant '0'" in out
    assert "row 7: status 'won deal without an amount' is not one of" in out
    assert "people-export-2025-03-01.csv" in out.split("ignored (not a contract table):")[1]
    assert main(["inspect", str(FIXTURES / "pipedrive"), "--mapping", str(FIXTURES / "absent.yml")]) == 1
    assert "absent.yml does not exist" in capsys.readouterr().err
