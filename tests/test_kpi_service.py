"""The service KPIs on a hand-made export whose values are worked out by hand
in tests/fixtures/kpi_service/README.md: response-time medians and p90,
resolution, CSAT, NPS and the 7-day repeat contact rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, load_and_build, query
from kpi_checks import SMALL_LAYOUT, assert_before_after, expected_monthly, monthly

# slow (make test-slow; CI runs it): this file builds a warehouse of its own fixture
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("kpi_service") / "crm.duckdb"
    return load_and_build(FIXTURES / "kpi_service", db, SMALL_LAYOUT)


def series(jan, feb, mar, apr, may):
    return {"2024-01": ("baseline", jan), "2024-02": ("baseline", feb), "2024-03": ("ramp_up", mar),
            "2024-04": ("post", apr), "2024-05": ("post", may)}


MONTHLY = {
    "first_response_minutes": series(25, 40, 600, 15, 32.5),
    "first_response_minutes_p90": series(93, 48, 600, 51, 42.5),
    "resolution_rate": series(2 / 3, 1, 1, 2 / 3, 1),
    "csat_score": series(11 / 3, 3, 1, 4.5, 4.5),
    "csat_top2_share": series(2 / 3, 0, 0, 1, 1),
    "nps": series(0, 50, -100, 0, 100),
    "repeat_contact_rate": series(2 / 4, 0, 0, 1 / 4, 0),
}


@pytest.mark.parametrize("metric_id", sorted(MONTHLY))
def test_company_monthly_series(warehouse, metric_id):
    assert monthly(warehouse, metric_id) == expected_monthly(MONTHLY[metric_id])


BEFORE_AFTER = [
    # metric, scope_type, scope_value, baseline, post
    ("first_response_minutes", "company", "all", 30, 20),
    ("first_response_minutes_p90", "company", "all", 78, 54),
    ("resolution_rate", "company", "all", 5 / 6, 4 / 5),
    ("csat_score", "company", "all", 3.5, 4.5),
    ("csat_top2_share", "company", "all", 0.5, 1),
    ("nps", "company", "all", 20, 100 / 3),
    ("repeat_contact_rate", "company", "all", 2 / 7, 1 / 6),
    ("first_response_minutes", "department", "Support", 25, 15),
    ("first_response_minutes_p90", "department", "Support", 37, 39),
    ("repeat_contact_rate", "department", "Support", 1 / 2, 1 / 4),
    ("resolution_rate", "department", "Field", 2 / 3, 1 / 2),
    ("csat_score", "department", "Field", 2.5, 4),
    ("csat_top2_share", "department", "Field", 0, 1),
    ("nps", "department", "Field", -50, 0),
    ("nps", "department", "Sales", 0, None),  # s03 only, before the go-live
]


@pytest.mark.parametrize(("metric_id", "scope_type", "scope_value", "baseline", "post"), BEFORE_AFTER)
def test_before_after(warehouse, metric_id, scope_type, scope_value, baseline, post):
    assert_before_after(warehouse, metric_id, scope_type, scope_value, baseline, post)


def test_every_service_metric_is_covered():
    assert set(MONTHLY) == {m for m, *_ in BEFORE_AFTER} == {
        "first_response_minutes", "first_response_minutes_p90", "resolution_rate", "csat_score",
        "csat_top2_share", "nps", "repeat_contact_rate",
    }


def test_repeat_contact_flags(warehouse):
    """t01 (t02 5 days later), t02 (t04 exactly 7 days later) and t09 (t10 at the same moment, higher id)."""
    flagged = {t for (t,) in query(warehouse, "select ticket_id from marts.fct_tickets where has_repeat_contact")}
    assert flagged == {"t01", "t02", "t09"}


def test_not_available_says_why(warehouse):
    row = query(
        warehouse,
        """select status, status_reason from marts.mart_kpi_before_after
           where metric_id = 'csat_score' and scope_type = 'department' and scope_value = 'Sales'""",
    )
    assert row == [("not_available", "no records in the post period (yet)")]
