"""The staff KPIs on a hand-made export whose values are worked out by hand in
tests/fixtures/kpi_staff/README.md: requests and sales per employee over
employee-months, task times and on-time share, plan attainment."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, load_and_build
from kpi_checks import SMALL_LAYOUT, assert_before_after, expected_monthly, monthly


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("kpi_staff") / "crm.duckdb"
    return load_and_build(FIXTURES / "kpi_staff", db, SMALL_LAYOUT)


def series(jan, feb, mar, apr, may):
    return {"2024-01": ("baseline", jan), "2024-02": ("baseline", feb), "2024-03": ("ramp_up", mar),
            "2024-04": ("post", apr), "2024-05": ("post", may)}


MONTHLY = {
    "requests_per_employee": series(2, 2 / 3, 1 / 3, 1.25, 4 / 3),
    "sales_per_employee": series(1000, 400, 499.5, 1000, 400),
    "task_completion_hours": series(6, 24, 100, 3, 1),
    "task_on_time_share": series(1 / 2, 1, 0, 2 / 3, 1),
    "plan_attainment_rate": series(1.25, 800 / 900, 0, 0.9375, 800 / 1200),
    "plan_attainment_share": series(1, 1 / 2, 0, 1 / 2, 0),
}


@pytest.mark.parametrize("metric_id", sorted(MONTHLY))
def test_company_monthly_series(warehouse, metric_id):
    assert monthly(warehouse, metric_id) == expected_monthly(MONTHLY[metric_id])


def test_months_without_requests_or_sales_are_zero_per_employee(warehouse):
    """Sales (e1) handled no request in February and March and sold nothing in March and May: 0, not NULL."""
    assert monthly(warehouse, "requests_per_employee", "department", "Sales") == expected_monthly(
        series(2, 0, 0, 1, 2))
    assert monthly(warehouse, "sales_per_employee", "department", "Sales") == expected_monthly(
        series(1000, 400, 0, 1700, 0))


BEFORE_AFTER = [
    # metric, scope_type, scope_value, baseline, post
    ("requests_per_employee", "company", "all", 1.2, 9 / 7),
    ("sales_per_employee", "company", "all", 600, 700),
    ("task_completion_hours", "company", "all", 15, 2.5),
    ("task_on_time_share", "company", "all", 2 / 3, 3 / 4),
    ("plan_attainment_rate", "company", "all", 1800 / 1700, 2300 / 2800),
    ("plan_attainment_share", "company", "all", 2 / 3, 1 / 4),
    ("requests_per_employee", "department", "Sales", 1, 1.5),
    ("requests_per_employee", "department", "Support", 1.5, 4 / 3),
    ("sales_per_employee", "department", "Sales", 700, 850),
    ("sales_per_employee", "department", "Online", 400, 550),
    ("task_completion_hours", "department", "Support", 6, 2),
    ("task_on_time_share", "department", "Support", 0, 1 / 2),
    ("plan_attainment_rate", "department", "Sales", 1400 / 1300, 1),
    ("plan_attainment_share", "department", "Sales", 1 / 2, 1 / 2),
]


@pytest.mark.parametrize(("metric_id", "scope_type", "scope_value", "baseline", "post"), BEFORE_AFTER)
def test_before_after(warehouse, metric_id, scope_type, scope_value, baseline, post):
    assert_before_after(warehouse, metric_id, scope_type, scope_value, baseline, post)


def test_every_staff_metric_is_covered():
    assert set(MONTHLY) == {m for m, *_ in BEFORE_AFTER} == {
        "requests_per_employee", "sales_per_employee", "task_completion_hours", "task_on_time_share",
        "plan_attainment_rate", "plan_attainment_share",
    }
