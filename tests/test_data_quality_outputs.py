"""What the outputs say about the data behind the numbers (issue 16): one real load and build of a messy
export, read through the marts, the scorecard and the report.

The export is tests/fixtures/kpi_aov (orders 2024-01-10 .. 2025-03-01) changed so that every "not
available" cause occurs once, with known answers:

- tickets: no file                                  -> absent
- surveys.csv: a header and no rows                 -> empty
- documents.csv: 3 rows, has_error 'maybe'/'perhaps' -> all quarantined (100%, above the 5% limit,
  loaded with --accept-quarantine)
- operating_expenses.csv: 12 rows in 2015           -> rows, but none inside the analysis window
- export.yml: exported_at 2025-03-15                -> the last month, 2025-03, is partial and left out;
  the window is 2024-01 .. 2025-02
- one expense of 1e9 among eleven of 100 .. 111     -> an outlier (threshold 100 x the 6th largest size,
  107 = 10,700), month 2015-03
- crm_rollout.csv (company 2024-09-01) while the build is given --go-live 2024-05-01 -> the setting
  is overridden by the data, and the build and the report say so
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, dbt_target_path, query
from orchestration.contract import TABLES
from orchestration.dbt_runner import build
from orchestration.load import load_export
from orchestration.report import write_report
from orchestration.scorecard import load_markdown, read_load, read_scorecard, to_markdown
from orchestration.settings import AnalysisSettings

# slow (make test-slow; CI runs it): this file builds a warehouse of its own fixture
pytestmark = pytest.mark.slow

SETTINGS = AnalysisSettings(crm_go_live_date="2024-05-01")
EXPENSES = [100 + i for i in range(12)]
EXPENSES[2] = 1_000_000_000  # 2015-03

EXPECTED_AVAILABILITY = {
    "orders": ("available", None),
    "tickets": ("absent", "the export has no tickets file"),
    "surveys": ("empty", "the surveys file of the export has a header but no rows"),
    "documents": ("quarantined", "all 3 rows of the documents file were quarantined by the load"),
    "operating_expenses": ("outside_window",
                           "operating_expenses has 12 rows but none inside the analysis window 2024-01 .. 2025-02"),
}


def _messy_export(folder: Path) -> Path:
    for path in (FIXTURES / "kpi_aov").glob("*.csv"):
        shutil.copy(path, folder / path.name)
    (folder / "export.yml").write_text("exported_at: 2025-03-15\n", encoding="utf-8")
    (folder / "surveys.csv").write_text("response_id,customer_id,ticket_id,order_id,responded_at,csat_score,"
                                        "nps_score\n", encoding="utf-8")
    (folder / "documents.csv").write_text(
        "document_id,order_id,document_type,created_at,created_by,has_error,corrected_at\n"
        "d1,o1,invoice,2024-01-10T12:00:00,,maybe,\n"
        "d2,o2,invoice,2024-02-15T12:00:00,,perhaps,\n"
        "d3,o5,invoice,2025-01-10T12:00:00,,maybe,\n", encoding="utf-8")
    (folder / "operating_expenses.csv").write_text(
        "expense_id,month,category,amount\n"
        + "".join(f"e{m},2015-{m:02d}-01,acquisition,{amount}\n" for m, amount in enumerate(EXPENSES, start=1)),
        encoding="utf-8")
    (folder / "crm_rollout.csv").write_text("scope_type,scope_value,go_live_date\ncompany,all,2024-09-01\n",
                                            encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> tuple[Path, str]:
    """The warehouse of the messy export, and everything the build printed."""
    export = _messy_export(tmp_path_factory.mktemp("messy_export"))
    db = tmp_path_factory.mktemp("messy") / "crm.duckdb"
    report = load_export(export, db, max_quarantine_share=0.05, accept_quarantine=True)
    assert report["documents"].rows_quarantined == 3
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        build(SETTINGS, db_path=db, dbt_args=["--exclude-resource-type", "unit_test"],
              artifacts=dbt_target_path(SETTINGS))
    return db, printed.getvalue()


def test_each_unavailable_table_has_its_own_reason(messy):
    db, _ = messy
    got = {table: (availability, reason) for table, availability, reason in query(db, """
        select distinct source_table, availability, availability_reason
        from intermediate.int_kpi__source_availability""")}
    for table, expected in EXPECTED_AVAILABILITY.items():
        assert got[table] == expected, table


def test_the_not_available_kpis_name_the_cause(messy):
    db, _ = messy
    reasons = dict(query(db, """
        select metric_id, verdict_reason from marts.mart_kpi_before_after
        where scope_type = 'company' and verdict = 'not available'"""))
    assert reasons["first_response_minutes"] == EXPECTED_AVAILABILITY["tickets"][1]
    assert reasons["csat_score"] == reasons["nps"] == EXPECTED_AVAILABILITY["surveys"][1]
    assert reasons["document_error_rate"] == EXPECTED_AVAILABILITY["documents"][1]
    assert reasons["customer_acquisition_cost"] == EXPECTED_AVAILABILITY["operating_expenses"][1]
    assert reasons["order_processing_cost_per_order"] == EXPECTED_AVAILABILITY["operating_expenses"][1]
    # two tables missing for one KPI: both named, in name order
    assert reasons["crm_adoption_rate"] == "the export has no crm_usage file; the export has no employees file"
    assert reasons["crm_roi"] == "the export has no crm_costs file"
    assert not any("has no rows in" in (reason or "") for reason in reasons.values())  # the old catch-all is gone
    # a KPI whose tables are fine is not touched
    assert query(db, "select verdict from marts.mart_kpi_before_after "
                     "where scope_type = 'company' and metric_id = 'average_order_value'") != [("not available",)]


def test_the_load_mart_counts_what_the_loader_read_loaded_and_quarantined(messy):
    db, _ = messy
    rows = {r[0]: r[1:] for r in query(db, """
        select table_name, load_status, rows_read, rows_loaded, rows_quarantined, quarantined_share,
               max_quarantine_share, is_quarantine_accepted_above_limit, top_reasons
        from marts.mart_data_quality_load""")}
    assert rows["documents"] == ("loaded", 3, 0, 3, 1.0, 0.05, True, "1. 3 x has_error (type)")
    assert rows["orders"] == ("loaded", 8, 8, 0, 0.0, 0.05, False, None)
    assert rows["operating_expenses"] == ("loaded", 12, 12, 0, 0.0, 0.05, False, None)
    assert rows["surveys"] == ("loaded", 0, 0, 0, None, 0.05, False, None)
    assert rows["tickets"] == ("absent", None, None, None, None, None, False, None)
    assert len(rows) == len(TABLES)  # every contract table
    for table, (status, read, loaded, quarantined, *_) in rows.items():
        if status == "loaded":
            assert read == loaded + quarantined, table
    assert query(db, "select table_name, column_name, rule, row_count, reason_rank, example_reason "
                     "from marts.mart_data_quality_quarantine") == [
        ("documents", "has_error", "type", 3, 1, "has_error 'maybe' is not a valid boolean (true/false/1/0)")]


def test_a_go_live_overridden_by_crm_rollout_is_said_once(messy):
    db, printed = messy
    line = ("the go-live 2024-05-01 given as a setting is not used: the export has a crm_rollout table, "
            "and the go-live of the company, 2024-09-01, comes from it")
    assert printed.count("Note: " + line + ".") == 1
    assert query(db, "select setting_name, given_value, used_value, note from marts.mart_data_quality_settings") \
        == [("crm_go_live_date", "2024-05-01", "2024-09-01", line)]
    assert query(db, "select go_live_date::varchar from marts.dim_crm_rollout where scope_type = 'company'") \
        == [("2024-09-01",)]


def test_the_scorecard_shows_the_load_behind_it(messy):
    db, _ = messy
    load = read_load(db)
    markdown = to_markdown(read_scorecard(db), load)
    assert "| documents | 3 | 0 | 3 | 100% | 3 x has_error: not a valid value of its type |" in markdown
    assert "| orders | 8 | 8 | 0 | 0% |  |" in markdown
    assert "Not in the export: activities, approvals, crm_costs, crm_usage, employees, leads, sales_targets, " \
           "tickets." in markdown
    assert ("**documents: 3 of 3 rows (100%) were quarantined, above the load's limit of 5%; the load was "
            "accepted anyway (--accept-quarantine)") in markdown
    assert load_markdown(load) in markdown


@pytest.fixture(scope="module")
def messy_report(messy, tmp_path_factory) -> str:
    db, _ = messy
    return write_report(db, tmp_path_factory.mktemp("messy_report") / "report.html").read_text(encoding="utf-8")


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment)).replace("&#x27;", "'")


def test_the_report_says_an_accepted_quarantine_in_red(messy_report):
    alarms = [_text(p) for p in re.findall(r"<p class='alarm'>(.*?)</p>", messy_report, re.S)]
    assert any(a.startswith("documents: 3 of 3 rows (100%) were quarantined, above the load's limit of 5%")
               and "--accept-quarantine" in a for a in alarms), alarms
    assert ".alarm { color: #cf222e" in messy_report  # red
    table = re.search(r"<table class='load' id='load-table'>.*?</table>", messy_report, re.S).group(0)
    assert "<tr class=over><td>documents</td><td class='num'>3</td><td class='num'>0</td><td class='num'>3</td>" \
        in table
    assert "<td>orders</td><td class='num'>8</td><td class='num'>8</td><td class='num'>0</td>" in table


def test_the_report_says_the_partial_month_was_left_out(messy_report):
    # the header's data period is the analysis window, not the span of the series (expenses reach 2015)
    assert "<dt>Data period</dt><dd>2024-01 … 2025-02 <a href='#analysis-window'>" in messy_report
    window = _text(re.search(r"<p id='analysis-window'>(.*?)</p>", messy_report, re.S).group(1))
    assert "The analysis counts the months 2024-01 … 2025-02; the last complete month is 2025-02." in window
    assert "The partial month 2025-03 was left out: the export ends 2025-03-15 23:59 (exported_at in export.yml)" \
        in window


def test_the_report_lists_the_outliers_with_their_months(messy_report):
    assert "1 amount(s) lie far beyond the rest of their column" in _text(messy_report)
    assert "months affected: 2015-03." in _text(messy_report)
    assert ("<tr><td>operating_expenses.amount</td><td>e3</td><td class='num'>1,000,000,000.00</td>"
            "<td class='num'>10,700.00</td><td>2015-03</td></tr>") in messy_report


def test_the_report_notes_the_overridden_go_live(messy_report):
    note = re.search(r"<p class='notice' id='setting-note'>(.*?)</p>", messy_report, re.S).group(1)
    assert _text(note) == ("The go-live 2024-05-01 given as a setting is not used: the export has a crm_rollout "
                           "table, and the go-live of the company, 2024-09-01, comes from it.")


def test_a_clean_load_says_nothing_in_red(aov_warehouse, tmp_path):
    page = write_report(aov_warehouse, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<p class='alarm'>" not in page
    assert "id='setting-note'" not in page
    assert "No amount lies beyond the outlier limit of its column." in page
    assert "No partial month was left out" in _text(page)
    shares = query(aov_warehouse, "select max(quarantined_share), bool_or(is_quarantine_accepted_above_limit) "
                                  "from marts.mart_data_quality_load")
    assert shares == [(0.0, False)]
    assert query(aov_warehouse, "select count(*) from marts.mart_data_quality_settings") == [(0,)]


def test_the_spark_raw_layer_carries_the_load_log_and_the_quarantine(messy, tmp_path):
    """Spark reads the loader's bookkeeping from the raw Parquet (macros/loader_log.sql), so its marts say
    what DuckDB's say."""
    import duckdb

    from orchestration.spark import write_raw_parquet

    db, _ = messy
    written = write_raw_parquet(db, tmp_path / "raw")
    assert sorted(written) == sorted(t.name for t in TABLES)  # the contract tables are what is counted
    with duckdb.connect() as con:
        for table in ("load_log", "quarantine"):
            parquet = con.execute(f"select * from read_parquet('{tmp_path / 'raw' / table}/*.parquet') "
                                  "order by all").fetchall()
            assert parquet == query(db, f"select * from raw.{table} order by all"), table
    assert len(query(db, "select * from raw.quarantine")) == 3


def test_the_demo_export_overrides_no_setting_and_feeds_every_kpi(demo_warehouse):
    """The demo has a crm_rollout table but the build gave no go-live: nothing was overridden. Every table
    a KPI needs has rows inside the window, and the load behind it is accounted for table by table."""
    assert query(demo_warehouse, "select count(*) from marts.mart_data_quality_settings") == [(0,)]
    assert query(demo_warehouse, "select distinct availability from intermediate.int_kpi__source_availability") \
        == [("available",)]
    load = {r[0]: r[1:] for r in query(demo_warehouse, "select table_name, load_status, rows_read, rows_loaded, "
                                                       "rows_quarantined from marts.mart_data_quality_load")}
    assert set(load) == {t.name for t in TABLES}
    for table, (status, read, loaded, quarantined) in load.items():
        assert status == "loaded" and read > 0 and read == loaded + quarantined, table
        assert loaded == query(demo_warehouse, f"select count(*) from raw.{table}")[0][0], table
    quarantined = dict(query(demo_warehouse, "select table_name, sum(row_count) from marts.mart_data_quality_quarantine "
                                             "group by 1"))
    assert quarantined == {t: q for t, (_, _, _, q) in load.items() if q}


def test_an_unchanged_reload_keeps_the_counts_of_the_file_behind_the_rows(tmp_path):
    """Loading the same export again skips every file ('unchanged', counts 0 in raw.load_log); the marts still
    show the load that read the files, and its quarantine, not the second load's zeros."""
    db = tmp_path / "crm.duckdb"
    first = load_export(FIXTURES / "exports" / "bad_rows", db)
    second = load_export(FIXTURES / "exports" / "bad_rows", db)
    assert {t.status for t in second.tables if t.file} == {"unchanged"}
    build(None, select=["mart_data_quality_load", "mart_data_quality_quarantine"], db_path=db,
          artifacts=tmp_path / "target")
    loaded = [t for t in first.tables if t.status == "loaded"]
    assert loaded and any(t.rows_quarantined for t in loaded)
    assert sorted(query(db, "select table_name, load_id, rows_read, rows_loaded, rows_quarantined "
                            "from marts.mart_data_quality_load where load_status = 'loaded'")) == \
        sorted((t.table, first.load_id, t.rows_read, t.rows_loaded, t.rows_quarantined) for t in loaded)
    assert dict(query(db, "select table_name, sum(row_count) from marts.mart_data_quality_quarantine group by 1")) \
        == {t.table: t.rows_quarantined for t in loaded if t.rows_quarantined}
    # the reasons by rule, as the loader counted them (limits.causes)
    assert sorted(query(db, "select table_name, column_name, rule, row_count from marts.mart_data_quality_quarantine")) \
        == sorted((t.table, c.column, c.rule, c.rows) for t in loaded for c in t.causes)
