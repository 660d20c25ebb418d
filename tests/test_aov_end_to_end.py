"""average_order_value through every layer, against answers known by hand
(tests/fixtures/kpi_aov/README.md) and against an independent computation
from the raw rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from conftest import query


def test_before_after_matches_hand_computed_values(aov_warehouse):
    row = query(
        aov_warehouse,
        """select baseline_value, post_value, raw_change, raw_relative_change, verdict, status,
                  baseline_records, post_records
           from marts.mart_kpi_before_after
           where metric_id = 'average_order_value' and scope_type = 'company'""",
    )
    assert len(row) == 1
    baseline, post, change, relative, verdict, status, n_base, n_post = row[0]
    assert baseline == pytest.approx(225.0)  # (200 + 250) / 2
    assert post == pytest.approx(405.0)  # (360 + 10 EUR x 45) / 2
    assert change == pytest.approx(180.0)
    assert relative == pytest.approx(0.8)
    assert status == "ok"
    # two baseline and two post months: no model of the series can be fitted, let alone tell an effect
    assert verdict == "too little data"
    assert (n_base, n_post) == (2, 2)


def test_monthly_series_and_periods(aov_warehouse):
    rows = query(
        aov_warehouse,
        """select month_start, metric_value, crm_period, record_count
           from marts.mart_kpi_monthly
           where metric_id = 'average_order_value' and scope_type = 'company'
           order by month_start""",
    )
    assert rows == [
        (dt.date(2024, 1, 1), pytest.approx(200.0), "baseline", 1),
        (dt.date(2024, 2, 1), pytest.approx(250.0), "baseline", 1),
        (dt.date(2024, 10, 1), pytest.approx(999.0), "ramp_up", 1),
        (dt.date(2025, 1, 1), pytest.approx(360.0), "post", 1),
        (dt.date(2025, 2, 1), pytest.approx(450.0), "post", 1),
    ]


def test_mart_equals_independent_computation_from_raw_rows(aov_warehouse):
    """Recompute AOV per month in plain Python from raw.* and compare."""
    orders = query(aov_warehouse, "select order_id, created_at, status, currency, discount_amount from raw.orders")
    items = query(aov_warehouse, "select order_id, quantity, unit_price from raw.order_items")
    rates = query(aov_warehouse, "select currency, rate_date, rate_to_reporting from raw.fx_rates")

    gross = defaultdict(float)
    for order_id, quantity, unit_price in items:
        gross[order_id] += quantity * unit_price

    def rate(currency: str, day: dt.date) -> float:
        if currency == "UAH":
            return 1.0
        earlier = [(d, r) for c, d, r in rates if c == currency and d <= day]
        return max(earlier)[1]

    revenue, count = defaultdict(float), defaultdict(int)
    for order_id, created_at, status, currency, discount in orders:
        if status != "completed":
            continue
        month = created_at.date().replace(day=1)
        revenue[month] += (gross[order_id] - (discount or 0)) * rate(currency, created_at.date())
        count[month] += 1
    expected = {month: revenue[month] / count[month] for month in count}

    mart = dict(
        query(
            aov_warehouse,
            "select month_start, metric_value from marts.mart_kpi_monthly "
            "where metric_id = 'average_order_value' and scope_type = 'company'",
        )
    )
    assert mart.keys() == expected.keys()
    for month, value in expected.items():
        assert mart[month] == pytest.approx(value), month


def test_cancelled_returned_and_pending_orders_stay_in_the_fact(aov_warehouse):
    """Counts reconcile raw -> staging -> fact: no order is lost on the way."""
    raw = query(aov_warehouse, "select count(*) from raw.orders")[0][0]
    staged = query(aov_warehouse, "select count(*) from staging.stg_crm__orders")[0][0]
    fact = query(aov_warehouse, "select count(*), sum(revenue_sign) from marts.fct_orders")[0]
    assert raw == staged == fact[0] == 8
    assert fact[1] == 5 - 1  # five completed (+1 each), one returned (-1)


def test_metrics_of_absent_optional_tables_say_which_table(aov_warehouse):
    """The fixture has no tickets, surveys, leads or costs: those KPIs are not available, and say why."""
    reasons = dict(query(aov_warehouse, "select metric_id, status_reason from marts.mart_kpi_before_after "
                                        "where scope_type = 'company' and status <> 'ok'"))
    assert reasons["first_response_minutes"] == "the export has no tickets file"
    assert reasons["csat_score"] == "the export has no surveys file"
    assert reasons["crm_adoption_rate"] == "the export has no crm_usage file; the export has no employees file"
    assert reasons["crm_payback_months"] == "the export has no crm_costs file"
    assert "average_order_value" not in reasons
