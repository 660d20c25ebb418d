"""The customer-base KPIs on a hand-made export whose values are worked out by
hand in tests/fixtures/kpi_customer_base/README.md: new customers (with the
left-censoring rule), retention over a 2-month window, repeat purchases and
the lifetime of churned customers."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, load_and_build, query
from kpi_checks import assert_before_after, before_after, expected_monthly, monthly
from orchestration.settings import AnalysisSettings

# slow (make test-slow; CI runs it): this file builds a warehouse of its own fixture
pytestmark = pytest.mark.slow

SETTINGS = AnalysisSettings(
    crm_go_live_date="2024-03-01", crm_ramp_up_days=31, crm_baseline_months=2, retention_window_months=2,
)
DAYS_PER_MONTH = 30.4375


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("kpi_customer_base") / "crm.duckdb"
    return load_and_build(FIXTURES / "kpi_customer_base", db, SETTINGS)


def with_zero_months(series: dict, first: str, last: str) -> dict:
    """A total is 0 in every month of the data without records (int_kpi__monthly); periods as laid out
    in the fixture: outside before 2024-01, baseline 2024-01..02, ramp-up 2024-03, post from 2024-04."""
    filled, (year, month) = {}, map(int, first.split("-"))
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        period = ("outside" if key < "2024-01" else "baseline" if key < "2024-03"
                  else "ramp_up" if key == "2024-03" else "post")
        filled[key] = series.get(key, (period, 0))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return filled


MONTHLY = {
    # the data run from 2023-10 to 2025-05
    "new_customers": with_zero_months({
        "2023-10": ("outside", 1), "2023-11": ("outside", 1), "2024-01": ("baseline", 1),
        "2024-02": ("baseline", 1), "2024-04": ("post", 1), "2025-05": ("post", 1),
    }, "2023-10", "2025-05"),
    "retention_rate": {
        "2024-01": ("baseline", 2 / 3), "2024-02": ("baseline", 1 / 2), "2024-03": ("ramp_up", 1 / 3),
        "2024-04": ("post", 1 / 4), "2024-05": ("post", 1 / 2), "2024-06": ("post", 0),
        "2024-07": ("post", 0), "2024-08": ("post", 0),
    },
    "repeat_purchase_share": {
        "2023-10": ("outside", 0), "2023-11": ("outside", 0), "2023-12": ("outside", 1),
        "2024-01": ("baseline", 1 / 2), "2024-02": ("baseline", 1 / 2), "2024-03": ("ramp_up", 1),
        "2024-04": ("post", 2 / 3), "2024-05": ("post", 1), "2025-05": ("post", 1 / 2),
    },
    "customer_lifetime_months": {
        "2024-01": ("baseline", 97 / DAYS_PER_MONTH), "2024-02": ("baseline", 113 / DAYS_PER_MONTH),
        "2024-04": ("post", (80 + 0) / 2 / DAYS_PER_MONTH), "2024-05": ("post", 121 / DAYS_PER_MONTH),
    },
}


@pytest.mark.parametrize("metric_id", sorted(MONTHLY))
def test_company_monthly_series(warehouse, metric_id):
    assert monthly(warehouse, metric_id) == expected_monthly(MONTHLY[metric_id])


BEFORE_AFTER = [
    # metric, scope_type, scope_value, baseline, post
    ("retention_rate", "company", "all", 3 / 5, 2 / 14),
    ("repeat_purchase_share", "company", "all", 2 / 4, 4 / 6),
    ("customer_lifetime_months", "company", "all", (97 + 113) / 2 / DAYS_PER_MONTH,
     (80 + 0 + 121) / 3 / DAYS_PER_MONTH),
    ("retention_rate", "region", "Kyiv", 1 / 3, 2 / 7),
    ("customer_lifetime_months", "region", "Kyiv", 97 / DAYS_PER_MONTH, 80 / DAYS_PER_MONTH),
    ("repeat_purchase_share", "department", "Sales", 2 / 3, 1),
    ("repeat_purchase_share", "department", "Online", 0, 1 / 3),
]


@pytest.mark.parametrize(("metric_id", "scope_type", "scope_value", "baseline", "post"), BEFORE_AFTER)
def test_before_after(warehouse, metric_id, scope_type, scope_value, baseline, post):
    assert_before_after(warehouse, metric_id, scope_type, scope_value, baseline, post)


def test_new_customers_baseline(warehouse):
    """2 new customers (c4, c5) in the 2 baseline months; the post value is in the test below."""
    assert before_after(warehouse, "new_customers")["baseline_value"] == pytest.approx(1)


def test_every_customer_base_metric_is_covered():
    assert set(MONTHLY) == {m for m, *_ in BEFORE_AFTER} | {"new_customers"} == {
        "new_customers", "retention_rate", "repeat_purchase_share", "customer_lifetime_months",
    }


def test_customer_metrics_have_no_department(warehouse):
    scopes = query(
        warehouse,
        """select distinct scope_type from marts.mart_kpi_monthly
           where metric_id in ('new_customers', 'retention_rate', 'customer_lifetime_months') order by 1""",
    )
    assert scopes == [("company",), ("region",)]


def test_new_customers_per_month_counts_months_without_new_customers(warehouse):
    assert_before_after(warehouse, "new_customers", "company", "all", 1, 2 / 14)
    assert_before_after(warehouse, "new_customers", "region", "Lviv", 1 / 2, 1 / 14)
