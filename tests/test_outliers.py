"""An amount far beyond the rest of its column is flagged at warn and listed with its month.

core_small with one order line priced 1e15 (o6's, placed 2024-06-30 22:30
UTC, so in July in Europe/Kyiv): the 13 non-zero unit prices have 360 as
their reference value (the 6th largest: a small column's 99.9th percentile
is never taken among its five largest values), so the threshold is
100 x 360 = 36,000 and only the 1e15 exceeds it. Quantities (reference 1,
threshold 100) and unit costs (4 values, too few to judge) have none.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from conftest import FIXTURES, build_results, load_and_build, query
from orchestration.settings import AnalysisSettings

# slow (make test-slow; CI runs it): this file builds a warehouse of its own fixture
pytestmark = pytest.mark.slow

HUGE = 1e15


@pytest.fixture(scope="module")
def outlier_warehouse(tmp_path_factory):
    export = tmp_path_factory.mktemp("outlier_export")
    for path in (FIXTURES / "core_small").glob("*.csv"):
        shutil.copy(path, export / path.name)
    lines = (export / "order_items.csv").read_text().splitlines()
    changed = [line.replace("o6,1,p1,1,100,", f"o6,1,p1,1,{HUGE:.0f},") for line in lines]
    assert changed != lines
    (export / "order_items.csv").write_text("\n".join(changed) + "\n")
    db = load_and_build(export, tmp_path_factory.mktemp("outlier") / "crm.duckdb",
                        AnalysisSettings(crm_timezone="Europe/Kyiv"))
    return db, build_results(db)


def test_the_outlier_is_listed_with_its_month_and_threshold(outlier_warehouse):
    db, _ = outlier_warehouse
    rows = query(db, "select source_table, source_column, record_key, value, threshold, reference_value, value_count, "
                     "month_start from marts.mart_data_quality_outliers")
    assert rows == [("order_items", "unit_price", "o6 / 1", HUGE, 36000.0, 360.0, 13, dt.date(2024, 7, 1))]


def test_the_dbt_test_warns_and_the_build_goes_on(outlier_warehouse):
    _, results = outlier_warehouse
    [status] = [s for unique_id, s in results.items() if unique_id.startswith("test.crm_impact.amounts_within_outlier_limit")]
    assert status == "warn"
    assert not [unique_id for unique_id, s in results.items() if s in ("error", "fail")]


def test_the_value_still_counts_in_the_kpis(outlier_warehouse):
    """Flagged, not removed: the month's revenue carries it (the report says why it looks wrong)."""
    db, _ = outlier_warehouse
    [(revenue,)] = query(db, "select metric_value from marts.mart_kpi_monthly where metric_id = 'net_revenue' "
                             "and scope_type = 'company' and month_start = date '2024-07-01'")
    assert revenue >= HUGE
