"""crm_adoption_rate on a hand-made export whose values are worked out by hand
in tests/fixtures/kpi_adoption/README.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, load_and_build, query
from kpi_checks import SMALL_LAYOUT, assert_before_after, expected_monthly, monthly

# slow (make test-slow; CI runs it): this file builds a warehouse of its own fixture
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("kpi_adoption") / "crm.duckdb"
    return load_and_build(FIXTURES / "kpi_adoption", db, SMALL_LAYOUT)


def test_company_monthly_series(warehouse):
    assert monthly(warehouse, "crm_adoption_rate") == expected_monthly({
        "2024-01": ("baseline", 1 / 2), "2024-02": ("baseline", 2 / 3), "2024-03": ("ramp_up", 1 / 3),
        "2024-04": ("post", 1), "2024-05": ("post", 2 / 3),
    })


def test_department_monthly_series(warehouse):
    assert monthly(warehouse, "crm_adoption_rate", "department", "Support") == expected_monthly({
        "2024-01": ("baseline", 0), "2024-02": ("baseline", 0), "2024-03": ("ramp_up", 1), "2024-04": ("post", 1),
    })


@pytest.mark.parametrize(("scope_type", "scope_value", "baseline", "post"), [
    ("company", "all", 3 / 5, 6 / 7),
    ("department", "Sales", 1, 1),
    ("department", "Support", 0, 1),
    ("department", "Operations", None, 1 / 2),
])
def test_before_after(warehouse, scope_type, scope_value, baseline, post):
    assert_before_after(warehouse, "crm_adoption_rate", scope_type, scope_value, baseline, post)


def test_employee_months_are_the_denominator(warehouse):
    """Employees employed in the month, every role; usage outside employment or the data span does not count."""
    rows = query(
        warehouse,
        """select strftime(month_start, '%Y-%m'), count(*), sum(case when has_crm_session then 1 else 0 end)
           from marts.fct_employee_months group by 1 order by 1""",
    )
    assert rows == [("2024-01", 2, 1), ("2024-02", 3, 2), ("2024-03", 3, 1), ("2024-04", 4, 4), ("2024-05", 3, 2)]
