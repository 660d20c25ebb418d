"""The process KPIs on a hand-made export whose values are worked out by hand
in tests/fixtures/kpi_process/README.md: medians and p90 over records (linear
interpolation), the 30-day lost rule, conversion, document errors, approvals."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, load_and_build, query
from kpi_checks import SMALL_LAYOUT, assert_before_after, expected_monthly, monthly

# slow (make test-slow; CI runs it): this file builds a warehouse of its own fixture
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("kpi_process") / "crm.duckdb"
    return load_and_build(FIXTURES / "kpi_process", db, SMALL_LAYOUT)


def series(jan, feb, mar, apr, may):
    return {"2024-01": ("baseline", jan), "2024-02": ("baseline", feb), "2024-03": ("ramp_up", mar),
            "2024-04": ("post", apr), "2024-05": ("post", may)}


MONTHLY = {
    "lead_processing_hours": series(48, 60, 488, 36, 240),
    "lead_processing_hours_p90": series(201.6, 60, 488, 45.6, 240),
    "lead_first_response_hours": series(2, 6, 100, 1.5, 0.25),
    "document_error_rate": series(1 / 4, 1, 1, 1 / 3, 0),
    "approval_cycle_hours": series(14, 8, 72, 3, 1),
    "approval_cycle_hours_p90": series(22, 8, 72, 19.8, 1),
    "lost_lead_rate": series(1 / 3, 1 / 2, 0, 1 / 4, 1 / 2),
    "lead_conversion_rate": series(1 / 3, 1, 1, 1, 0),
}


@pytest.mark.parametrize("metric_id", sorted(MONTHLY))
def test_company_monthly_series(warehouse, metric_id):
    assert monthly(warehouse, metric_id) == expected_monthly(MONTHLY[metric_id])


BEFORE_AFTER = [
    # metric, scope_type, scope_value, baseline, post
    ("lead_processing_hours", "company", "all", 54, 42),
    ("lead_processing_hours_p90", "company", "all", 186, 182.4),
    ("lead_first_response_hours", "company", "all", 3, 1),
    ("document_error_rate", "company", "all", 0.5, 0.2),
    ("approval_cycle_hours", "company", "all", 8, 2.5),
    ("approval_cycle_hours_p90", "company", "all", 20.8, 17.7),
    ("lost_lead_rate", "company", "all", 0.4, 1 / 3),
    ("lead_conversion_rate", "company", "all", 0.5, 0.75),
    ("lead_processing_hours", "department", "Sales", 144, 48),
    ("lead_processing_hours_p90", "department", "Sales", 220.8, 201.6),
    ("lead_first_response_hours", "department", "Inbound", 3.5, 1.25),
    ("lost_lead_rate", "department", "Sales", 2 / 3, 1 / 4),
    ("lead_conversion_rate", "department", "Sales", 1 / 2, 2 / 3),
    ("document_error_rate", "department", "Back office", 2 / 3, 0),
    ("approval_cycle_hours", "department", "Management", 14, 2),
    ("approval_cycle_hours_p90", "department", "Management", 22, 19.6),
]


@pytest.mark.parametrize(("metric_id", "scope_type", "scope_value", "baseline", "post"), BEFORE_AFTER)
def test_before_after(warehouse, metric_id, scope_type, scope_value, baseline, post):
    assert_before_after(warehouse, metric_id, scope_type, scope_value, baseline, post)


def test_every_process_metric_is_covered():
    assert set(MONTHLY) == {m for m, *_ in BEFORE_AFTER} == {
        "lead_processing_hours", "lead_processing_hours_p90", "lead_first_response_hours", "document_error_rate",
        "approval_cycle_hours", "approval_cycle_hours_p90", "lost_lead_rate", "lead_conversion_rate",
    }


def test_thirty_day_rule_against_the_end_of_the_data(warehouse):
    """l05 (open since February) and l10 (open exactly 30 x 24 h before the end) are counted lost, l12 (10 days)
    is not; l02 and l11 are lost for no response, l03 lost on price is not counted."""
    assert query(warehouse, "select data_end_at_utc from intermediate.int_calendar__data_range")[0][0].isoformat() \
        == "2024-05-20T12:00:00"
    counted = {lead for (lead,) in query(warehouse, "select lead_id from marts.fct_leads where is_counted_lost")}
    assert counted == {"l02", "l05", "l10", "l11"}
