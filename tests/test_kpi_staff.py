"""The staff KPIs on a hand-made export whose values are worked out by hand in
tests/fixtures/kpi_staff/README.md: requests and sales per employee over
employee-months, task times and on-time share, plan attainment."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, load_and_build
from kpi_checks import SMALL_LAYOUT, assert_before_after, expected_monthly, monthly

# slow (make test-slow; CI runs it): this file builds a warehouse of its own fixture
pytestmark = pytest.mark.slow


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


# --- the employee scope (issue 19): the same records per employee, hand-worked in the README's tables ----------

def _employee_key(employee_id: str) -> str:
    """macros/employee_key.sql in Python: the first 16 hex digits of SHA-256(pii_salt | marker | id)."""
    import hashlib

    return hashlib.sha256(f"crm-impact-demo-salt|employee|{employee_id}".encode()).hexdigest()[:16]


EMPLOYEE_MONTHLY = {
    # (metric, employee): {month: value}; the period of every month is the company's (no staged rollout)
    ("requests_per_employee", "e1"): {"2024-01": 2, "2024-02": 0, "2024-03": 0, "2024-04": 1, "2024-05": 2},
    ("requests_per_employee", "e2"): {"2024-02": 1, "2024-03": 1, "2024-04": 2, "2024-05": 0},  # l07 and l08
    ("requests_per_employee", "e3"): {"2024-01": 2, "2024-02": 1, "2024-03": 0, "2024-04": 1},
    ("requests_per_employee", "e4"): {"2024-04": 1, "2024-05": 2},
    ("sales_per_employee", "e1"): {"2024-01": 1000, "2024-02": 400, "2024-03": 0, "2024-04": 1200, "2024-05": 0},
    ("sales_per_employee", "e2"): {"2024-02": 400, "2024-03": 999, "2024-04": 300, "2024-05": 800},
    ("sales_per_employee", "e5"): {"2024-04": None},  # a manager's revenue (o11) has no salesperson-month
    ("task_completion_hours", "e1"): {"2024-01": 14, "2024-03": 100, "2024-04": 2},  # median of 4 and 24
    ("task_completion_hours", "e2"): {"2024-02": 24, "2024-04": 8},
    ("task_completion_hours", "e4"): {"2024-04": 3, "2024-05": 1},
    ("task_on_time_share", "e3"): {"2024-01": 0},
    ("plan_attainment_rate", "e1"): {"2024-01": 1.25, "2024-02": 0.8, "2024-03": 0, "2024-04": 1.2, "2024-05": 0},
    ("plan_attainment_rate", "e2"): {"2024-02": 1.0, "2024-04": 0.5, "2024-05": 0.8},
    ("plan_attainment_share", "e2"): {"2024-02": 1, "2024-04": 0, "2024-05": 0},
}
PERIODS = {"2024-01": "baseline", "2024-02": "baseline", "2024-03": "ramp_up", "2024-04": "post", "2024-05": "post"}


@pytest.mark.parametrize(("metric_id", "employee_id"), sorted(EMPLOYEE_MONTHLY))
def test_employee_monthly_series(warehouse, metric_id, employee_id):
    expected = {month: (PERIODS[month], value) for month, value in EMPLOYEE_MONTHLY[(metric_id, employee_id)].items()}
    assert monthly(warehouse, metric_id, "employee", _employee_key(employee_id)) == expected_monthly(expected)


def test_employee_scope_is_keyed_by_the_pseudonymous_key_only(warehouse):
    from conftest import query

    keys = {k for (k,) in query(warehouse, "select distinct scope_value from marts.mart_kpi_monthly "
                                           "where scope_type = 'employee'")}
    assert keys == {_employee_key(e) for e in ("e1", "e2", "e3", "e4", "e5")}
    assert query(warehouse, "select employee_key, department from marts.dim_employee_scope order by department, "
                            "employee_key") == sorted(
        [(_employee_key("e1"), "Sales"), (_employee_key("e5"), "Sales"), (_employee_key("e2"), "Online"),
         (_employee_key("e3"), "Support"), (_employee_key("e4"), "Support")], key=lambda r: (r[1], r[0]))
    # only the metrics of the seed kpi_employee_metrics have an employee scope
    listed = {m for (m,) in query(warehouse, "select metric_id from reference.kpi_employee_metrics")}
    scoped = {m for (m,) in query(warehouse, "select distinct metric_id from marts.mart_kpi_before_after "
                                             "where scope_type = 'employee'")}
    assert scoped and scoped <= listed


def test_employee_before_after_is_too_little_data_with_the_reason(warehouse):
    """Two baseline and two post months: far below the model's 12 and 3, so no employee gets a verdict; an
    employee without months on one side (e5's one sale in April) is too little data as well, not a verdict."""
    from conftest import query

    rows = query(warehouse, "select verdict, verdict_reason, baseline_value, post_value from marts.mart_kpi_before_after "
                            "where scope_type = 'employee' and metric_id = 'sales_per_employee' and scope_value = ?",
                 [_employee_key("e1")])
    assert rows == [("too little data", "2 months before the go-live and 2 after the ramp-up; a model needs 12 and 3",
                     pytest.approx(700), pytest.approx(600))]
    verdicts = set(query(warehouse, "select distinct verdict, case when verdict = 'not available' then "
                                    "verdict_reason end from marts.mart_kpi_before_after where scope_type = 'employee'"))
    # 'not available' only where the export lacks the metric's table (no crm_usage: CRM adoption)
    assert verdicts == {("too little data", None), ("not available", "the export has no crm_usage file")}
