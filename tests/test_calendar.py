"""A calendar from the data: an export of any era builds with every KPI.

The same export moved to the 1990s, to 2015-2017 and to 2031-2033 is loaded
and built by the real dbt project; every month of mart_kpi_monthly and every
row of mart_kpi_before_after must equal the original's (dates moved back),
the employee-month grid must be as full, and the calendar (dim_date, also the
MetricFlow time spine) must cover the export's own years. Shifts are whole
multiples of 4 years (calendar_exports.py): months, days and durations stay
the same, so the values must too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from calendar_exports import differences, rows, shift_date, shift_export
from conftest import FIXTURES, dbt_target_path, load_and_build
from metricflow_cli import mf_query
from orchestration.paths import DEMO_EXPORT
from orchestration.settings import AnalysisSettings

DEMO_GO_LIVE = dt.date(2024, 9, 1)
DEMO_END = dt.date(2025, 12, 31)
SMALL_END = dt.date(2025, 3, 15)  # core_small's last event, 10:00 UTC
# Business-hours durations are left out: a shift by whole years keeps month and day but not the
# weekday or the public holidays, so working time legitimately differs (tests/test_business_hours.py).
NOT_BUSINESS_HOURS = "metric_id not like '%business%'"
MONTHLY = ("select month_start, metric_id, scope_type, scope_value, crm_period, metric_value, numerator, "
           f"denominator, record_count from marts.mart_kpi_monthly where {NOT_BUSINESS_HOURS}")
# The adjusted p-values (Holm, BH) depend on every metric of their family, the business-hours twins
# included, so they differ with the twins, and so may a verdict near the threshold and the reason that
# quotes them; the raw p-values and estimates must not, and neither may a verdict whose adjusted p-values
# are the same in both eras (assert_same_analysis).
BEFORE_AFTER = ("select * exclude (p_value_holm, p_value_bh, verdict, verdict_reason) from marts.mart_kpi_before_after "
                f"where {NOT_BUSINESS_HOURS}")
MONTHLY_KEY = ("month_start", "metric_id", "scope_type", "scope_value")
BEFORE_AFTER_KEY = ("metric_id", "scope_type", "scope_value")


def shifted_settings(go_live: dt.date, years: int) -> AnalysisSettings:
    return AnalysisSettings(crm_go_live_date=shift_date(go_live, years).isoformat())


def build_shifted(source: Path, years: int, go_live: dt.date, tmp: Path, data_end: dt.date) -> Path:
    """Load and build ``source`` moved by ``years`` (with the go-live setting moved alike); its export.yml
    dates the export at the (moved) end of its data, so that the loader, which quarantines events after
    the export date, keeps them all."""
    export = shift_export(source, tmp / "export", years, exported_at=shift_date(data_end, years))
    return load_and_build(export, tmp / "crm.duckdb", shifted_settings(go_live, years))


@pytest.fixture(scope="module")
def demo(demo_warehouse) -> Path:
    """The demo export as committed (2023-2025), built once per session (tests/conftest.py)."""
    return demo_warehouse


def assert_same_analysis(original: Path, shifted: Path, years: int) -> None:
    monthly = differences(rows(original, MONTHLY), rows(shifted, MONTHLY), MONTHLY_KEY, years)
    assert not monthly, f"{len(monthly)} monthly values differ, e.g. {monthly[:5]}"
    # the estimates within 1e-6, as between the engines (orchestration/spark/compare.py)
    before_after = differences(rows(original, BEFORE_AFTER), rows(shifted, BEFORE_AFTER), BEFORE_AFTER_KEY, years,
                               rel_tol=1e-6)
    assert not before_after, f"{len(before_after)} before/after values differ, e.g. {before_after[:5]}"
    verdicts = ("select metric_id, scope_type, scope_value, verdict, p_value_holm, p_value_bh "
                f"from marts.mart_kpi_before_after where {NOT_BUSINESS_HOURS}")
    shifted_verdicts = {(r["metric_id"], r["scope_type"], r["scope_value"]): r for r in rows(shifted, verdicts)}
    compared = 0
    for row in rows(original, verdicts):
        other = shifted_verdicts.get((row["metric_id"], row["scope_type"], row["scope_value"]))
        if other is None:  # a rollout wave is named by its (moved) go-live date; its values are compared above
            continue
        same_adjustment = all((row[p] is None and other[p] is None)
                              or (row[p] is not None and other[p] is not None and abs(row[p] - other[p]) <= 1e-9)
                              for p in ("p_value_holm", "p_value_bh"))
        if same_adjustment:
            compared += 1
            assert row["verdict"] == other["verdict"], (row, other)
    assert compared > 100
    grid = "select count(*) as n from intermediate.int_employees__months"
    assert rows(shifted, grid) == rows(original, grid)
    assert rows(shifted, grid)[0]["n"] > 0


def assert_calendar_covers_the_data(db: Path) -> None:
    [window] = rows(db, "select * from intermediate.int_calendar__analysis_window")
    [spine] = rows(db, "select min(date_day) as first_day, max(date_day) as last_day, count(*) as days, "
                       "count(distinct date_day) as distinct_days from marts.dim_date")
    assert spine["days"] == spine["distinct_days"] == (spine["last_day"] - spine["first_day"]).days + 1
    # whole years, one more on each side of the data
    assert spine["first_day"] == dt.date(window["first_month"].year - 1, 1, 1)
    assert spine["last_day"].month == 12 and spine["last_day"].day == 31
    assert spine["last_day"].year >= window["last_data_month"].year + 1
    # every month of the data has a CRM period in the time spine
    [gaps] = rows(db, "select count(*) as n from marts.dim_date where crm_period is null")
    assert gaps["n"] == 0


def test_demo_has_every_kpi_family(demo):
    """The reference the shifted exports are held to: the demo's KPIs exist, staff ones included."""
    ok = {r["metric_id"] for r in rows(demo, "select metric_id from marts.mart_kpi_before_after "
                                             "where scope_type = 'company' and status = 'ok'")}
    assert {"net_revenue", "sales_per_employee", "requests_per_employee", "plan_attainment_rate",
            "crm_adoption_rate"} <= ok, ok
    assert_calendar_covers_the_data(demo)
    # no false alarm on an export without wrong amounts
    assert rows(demo, "select count(*) as n from marts.mart_data_quality_outliers") == [{"n": 0}]


@pytest.mark.slow
@pytest.mark.parametrize("years", [-28, -8, 8], ids=["1995-1997", "2015-2017", "2031-2033"])
def test_demo_in_another_era_gives_the_same_kpis(demo, tmp_path, years):
    shifted = build_shifted(DEMO_EXPORT, years, DEMO_GO_LIVE, tmp_path, DEMO_END)
    [window] = rows(shifted, "select first_month, last_complete_month from intermediate.int_calendar__analysis_window")
    assert window["first_month"] == dt.date(2023 + years, 1, 1)
    assert window["last_complete_month"] == dt.date(2025 + years, 12, 1)
    assert_calendar_covers_the_data(shifted)
    assert_same_analysis(demo, shifted, years)


@pytest.mark.slow
def test_small_export_from_the_1990s_gives_the_same_kpis(core_small_warehouse, tmp_path):
    """core_small (every table, a staged rollout, a partial last month) moved back 28 years."""
    go_live = dt.date(2024, 9, 1)  # the default setting (core_small has its own crm_rollout)
    original = core_small_warehouse
    shifted = build_shifted(FIXTURES / "core_small", -28, go_live, tmp_path / "shifted", SMALL_END)
    [window] = rows(shifted, "select first_month, last_complete_month, partial_month_excluded "
                             "from intermediate.int_calendar__analysis_window")
    # the data end 1997-03-15: March is incomplete and left out
    assert window["last_complete_month"] == dt.date(1997, 2, 1)
    assert window["partial_month_excluded"] == dt.date(1997, 3, 1)
    assert_calendar_covers_the_data(shifted)
    assert_same_analysis(original, shifted, -28)


@pytest.mark.slow
def test_metricflow_answers_for_an_export_from_2016(demo, tmp_path):
    """mf on the 2015-2017 export: monthly net revenue equals the mart, and the cumulative CRM
    costs run over the export's own time spine."""
    shifted = build_shifted(DEMO_EXPORT, -8, DEMO_GO_LIVE, tmp_path, DEMO_END)
    manifest = dbt_target_path(shifted_settings(DEMO_GO_LIVE, -8)) / "semantic_manifest.json"
    answer = mf_query(shifted, manifest, "--metrics", "net_revenue,crm_costs_to_date", "--group-by", "metric_time__month",
                      "--start-time", "2016-01-01", "--end-time", "2016-12-31")
    by_month = {r["metric_time__month"][:7]: r for r in answer}
    assert sorted(by_month) == [f"2016-{m:02d}" for m in range(1, 13)]
    mart = {str(r["month_start"])[:7]: r["metric_value"] for r in rows(
        shifted, "select month_start, metric_value from marts.mart_kpi_monthly "
                 "where metric_id = 'net_revenue' and scope_type = 'company' and year(month_start) = 2016")}
    for month, value in mart.items():
        assert float(by_month[month]["net_revenue"]) == pytest.approx(value, rel=1e-9)
    [costs] = rows(shifted, "select sum(amount) as total from marts.fct_crm_costs where cost_month <= date '2016-12-01'")
    assert float(by_month["2016-12"]["crm_costs_to_date"]) == pytest.approx(costs["total"], rel=1e-9)
