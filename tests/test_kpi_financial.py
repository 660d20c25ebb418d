"""The financial KPIs on a hand-made export whose values are worked out by hand
in tests/fixtures/kpi_financial/README.md: monthly series and before/after
values, company and department/region scopes."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, load_and_build, query
from kpi_checks import SMALL_LAYOUT, assert_before_after, before_after, expected_monthly, monthly

# slow (make test-slow; CI runs it): this file builds a warehouse of its own fixture
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("kpi_financial") / "crm.duckdb"
    return load_and_build(FIXTURES / "kpi_financial", db, SMALL_LAYOUT)


def b(value):
    return ("baseline", value)


def r(value):
    return ("ramp_up", value)


def p(value):
    return ("post", value)


MONTHLY = {
    "average_order_value": {
        "2024-01": b(225), "2024-02": b(300), "2024-03": r(999), "2024-04": p(450), "2024-05": p(350),
    },
    "order_count": {"2024-01": b(2), "2024-02": b(1), "2024-03": r(1), "2024-04": p(2), "2024-05": p(2)},
    "net_revenue": {"2024-01": b(450), "2024-02": b(200), "2024-03": r(999), "2024-04": p(900), "2024-05": p(700)},
    "gross_profit": {"2024-01": b(280), "2024-02": b(100), "2024-03": r(949), "2024-04": p(500), "2024-05": p(450)},
    "order_processing_cost_per_order": {
        "2024-01": b(200), "2024-02": b(300), "2024-03": r(999), "2024-04": p(100), "2024-05": p(300),
    },
    "gross_profit_per_customer": {
        "2024-01": b(140), "2024-02": b(100), "2024-03": r(949), "2024-04": p(250), "2024-05": p(450),
    },
    # March has acquisition spending but no new customer: the month has a row with no value
    "customer_acquisition_cost": {
        "2024-01": b(1000), "2024-02": b(600), "2024-03": r(None), "2024-04": p(500), "2024-05": p(900),
    },
}


@pytest.mark.parametrize("metric_id", sorted(MONTHLY))
def test_company_monthly_series(warehouse, metric_id):
    assert monthly(warehouse, metric_id) == expected_monthly(MONTHLY[metric_id])


BEFORE_AFTER = [
    # metric, scope_type, scope_value, baseline, post
    ("average_order_value", "company", "all", 250, 400),
    ("order_count", "company", "all", 1.5, 2),
    ("net_revenue", "company", "all", 325, 800),
    ("gross_profit", "company", "all", 190, 475),
    ("order_processing_cost_per_order", "company", "all", 700 / 3, 200),
    ("gross_profit_per_customer", "company", "all", 380 / 3, 950 / 3),
    ("customer_acquisition_cost", "company", "all", 800, 700),
    ("average_order_value", "department", "Sales", 250, 1100 / 3),
    ("net_revenue", "department", "Sales", 250, 550),
    ("order_count", "department", "Sales", 1, 1.5),
    ("gross_profit", "department", "Sales", 115, 325),
    ("gross_profit_per_customer", "region", "Kyiv", 90, 450),
]


@pytest.mark.parametrize(("metric_id", "scope_type", "scope_value", "baseline", "post"), BEFORE_AFTER)
def test_before_after(warehouse, metric_id, scope_type, scope_value, baseline, post):
    assert_before_after(warehouse, metric_id, scope_type, scope_value, baseline, post)


def test_every_financial_metric_is_covered():
    """Each financial metric of the seed has its hand-computed values here (payback: test_kpi_payback)."""
    covered = set(MONTHLY) | {m for m, *_ in BEFORE_AFTER}
    assert covered == {
        "average_order_value", "net_revenue", "order_count", "gross_profit", "order_processing_cost_per_order",
        "gross_profit_per_customer", "customer_acquisition_cost",
    }


def test_a_few_months_give_no_verdict(warehouse):
    """Two baseline months: the raw changes are there, but too little data for any model to claim an
    effect (the direction rule of better/worse is tested on the estimator, tests/test_estimate*.py)."""
    row = before_after(warehouse, "net_revenue")
    assert row["raw_relative_change"] == pytest.approx(475 / 325)
    for metric_id in ("average_order_value", "order_processing_cost_per_order", "customer_acquisition_cost"):
        row = before_after(warehouse, metric_id)
        assert row["verdict"] == "too little data", row
        assert row["verdict_reason"], row


def test_expense_metrics_are_company_only(warehouse):
    scopes = query(
        warehouse,
        """select distinct scope_type from marts.mart_kpi_monthly
           where metric_id in ('order_processing_cost_per_order', 'customer_acquisition_cost')""",
    )
    assert scopes == [("company",)]


def test_total_counts_a_month_without_records_as_zero(warehouse):
    assert_before_after(warehouse, "order_count", "department", "Partners", 0.5, 0.5)
    assert_before_after(warehouse, "net_revenue", "department", "Partners", 75, 250)
