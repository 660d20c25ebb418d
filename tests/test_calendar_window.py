"""The analysis ends at the last complete month.

core_small's data end 2025-03-15 10:00 UTC (order o10). Without an export
date, March 2025 is incomplete: it is labelled 'partial' in every mart,
counts neither before nor after, and dim_analysis_window names it. When the
loader recorded that the export was taken on 2025-03-31 at 23:00 UTC
(raw.load_log.exported_at), March is complete and counts as a post month.
An export taken on 2025-03-20 leaves March out again, now by its date.

Each export is core_small with an export.yml declaring exported_at (in
UTC, the fixture's zone); the loader records it in raw.load_log.
"""

from __future__ import annotations

import datetime as dt

import shutil

import duckdb
import pytest

from conftest import FIXTURES, query
from orchestration.dbt_runner import build
from orchestration.load import load_export

# slow (make test-slow; CI runs it): this file builds a warehouse of its own fixture
pytestmark = pytest.mark.slow

MARCH = dt.date(2025, 3, 1)
WINDOW = ("select first_month, last_complete_month, last_data_month, partial_month_excluded, "
          "is_partial_month_excluded, excluded_month_count, exported_at, export_end_at, export_end_source "
          "from marts.dim_analysis_window")


def build_with_exported_at(tmp_path, exported_at: dt.datetime | None):
    export = tmp_path / "export"
    export.mkdir()
    for path in (FIXTURES / "core_small").glob("*.csv"):
        shutil.copy(path, export / path.name)
    if exported_at is not None:
        (export / "export.yml").write_text(f"source_timezone: UTC\nexported_at: {exported_at.isoformat()}\n")
    db = tmp_path / "crm.duckdb"
    load_export(export, db)
    recorded = query(db, "select distinct exported_at from raw.load_log")
    assert recorded == [(exported_at,)]
    build(db_path=db, dbt_args=["--exclude-resource-type", "unit_test"], artifacts=tmp_path / "target")
    return db


@pytest.fixture(scope="module")
def without_export_date(core_small_warehouse):
    """core_small as committed (no export.yml), built once per session (tests/conftest.py)."""
    return core_small_warehouse


@pytest.fixture(scope="module")
def exported_at_month_end(tmp_path_factory):
    return build_with_exported_at(tmp_path_factory.mktemp("month_end"), dt.datetime(2025, 3, 31, 23, 0))


def window(db) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(WINDOW)
        [row] = cursor.fetchall()
        return dict(zip([d[0] for d in cursor.description], row))


def test_without_an_export_date_the_month_of_the_last_event_is_left_out(without_export_date):
    assert window(without_export_date) == {
        "first_month": dt.date(2023, 8, 1), "last_complete_month": dt.date(2025, 2, 1),
        "last_data_month": MARCH, "partial_month_excluded": MARCH, "is_partial_month_excluded": True,
        "excluded_month_count": 1, "exported_at": None, "export_end_at": dt.datetime(2025, 3, 15, 10, 0),
        "export_end_source": "latest_event",
    }
    periods = {p for (p,) in query(without_export_date, "select distinct crm_period from marts.mart_kpi_monthly "
                                                        "where month_start = date '2025-03-01'")}
    assert periods == {"partial"}
    [(post_months,)] = query(without_export_date, "select post_months from marts.mart_kpi_before_after "
                                                  "where metric_id = 'net_revenue' and scope_type = 'company'")
    assert post_months == 2  # the company's post period starts 2025-01 (Support's ramp-up ends 2024-12-30)


def test_an_export_taken_at_the_end_of_the_month_keeps_it(without_export_date, exported_at_month_end):
    assert window(exported_at_month_end) == {
        "first_month": dt.date(2023, 8, 1), "last_complete_month": MARCH, "last_data_month": MARCH,
        "partial_month_excluded": None, "is_partial_month_excluded": False, "excluded_month_count": 0,
        "exported_at": dt.datetime(2025, 3, 31, 23, 0), "export_end_at": dt.datetime(2025, 3, 31, 23, 0),
        "export_end_source": "exported_at",
    }
    periods = {p for (p,) in query(exported_at_month_end, "select distinct crm_period from marts.mart_kpi_monthly "
                                                          "where month_start = date '2025-03-01' "
                                                          "and scope_type = 'company'")}
    assert periods == {"post"}
    [(post_months,)] = query(exported_at_month_end, "select post_months from marts.mart_kpi_before_after "
                                                    "where metric_id = 'net_revenue' and scope_type = 'company'")
    assert post_months == 3
    # the months before are the same; crm_roi is left out, as it comes from the estimator's counterfactual,
    # which is fitted to the post months and so sees one more
    earlier = ("select month_start, metric_id, scope_type, scope_value, metric_value from marts.mart_kpi_monthly "
               "where month_start < date '2025-03-01' and metric_id <> 'crm_roi' order by all")
    assert query(without_export_date, earlier) == query(exported_at_month_end, earlier)


def test_an_export_taken_mid_month_leaves_that_month_out(tmp_path):
    db = build_with_exported_at(tmp_path, dt.datetime(2025, 3, 20, 12, 0))
    assert window(db)["last_complete_month"] == dt.date(2025, 2, 1)
    assert window(db)["partial_month_excluded"] == MARCH
    assert window(db)["export_end_source"] == "exported_at"
