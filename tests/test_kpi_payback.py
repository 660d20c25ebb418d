"""Payback and ROI on a hand-made export whose costs and gross profit are
worked out by hand in tests/fixtures/kpi_payback/README.md: the mart's
arithmetic on the estimator's counterfactual of gross profit (the
counterfactual itself is tested in tests/test_estimate*.py)."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from conftest import FIXTURES, load_and_build, query
from kpi_checks import before_after, expected_monthly, monthly
from orchestration.settings import AnalysisSettings

# slow (make test-slow; CI runs it): this file builds a warehouse of its own fixture
pytestmark = pytest.mark.slow

SETTINGS = AnalysisSettings(crm_go_live_date="2024-03-01", crm_ramp_up_days=31, crm_baseline_months=12)

BASELINE_GP = [100] * 9 + [200, 100, 100]  # 2023-03 .. 2024-02
POST_GP = [325, 325, 425, 225, 325]  # 2024-04 .. 2024-08


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("kpi_payback") / "crm.duckdb"
    return load_and_build(FIXTURES / "kpi_payback", db, SETTINGS)


def test_gross_profit_series_and_periods(warehouse):
    expected = {"2022-12": ("outside", 160), "2023-01": ("outside", 80), "2023-02": ("outside", 80)}
    for month, value in zip(
        ["2023-03", "2023-04", "2023-05", "2023-06", "2023-07", "2023-08", "2023-09", "2023-10", "2023-11",
         "2023-12", "2024-01", "2024-02"], BASELINE_GP):
        expected[month] = ("baseline", value)
    expected["2024-03"] = ("ramp_up", 150)
    for month, value in zip(["2024-04", "2024-05", "2024-06", "2024-07", "2024-08"], POST_GP):
        expected[month] = ("post", value)
    assert monthly(warehouse, "gross_profit") == expected_monthly(expected)


COST_MONTHS = ["2024-02", "2024-03", "2024-04", "2024-05", "2024-06", "2024-07", "2024-08"]
COSTS = [600, 200, 0, 0, 100, 0, 0]  # implementation before the go-live, license, support (README)
ACTUAL_GP = [None, 150, *POST_GP]  # 2024-02 is before the go-live; 2024-03 ramp-up


def _counterfactual(warehouse) -> dict:
    """The estimator's gross-profit counterfactual of the company, by month."""
    rows = query(
        warehouse,
        """select strftime(month_start, '%Y-%m'), actual, counterfactual, counterfactual_low, counterfactual_high,
                  cumulative_incremental, cumulative_incremental_low, cumulative_incremental_high
           from estimates.kpi_counterfactual
           where metric_id = 'gross_profit' and scope_type = 'company' order by month_start""",
    )
    return {row[0]: row[1:] for row in rows}


def test_counterfactual_months_and_running_sum(warehouse):
    """From the go-live month on, one counterfactual month each; the running sum is actual minus
    counterfactual, and its interval contains it."""
    counterfactual = _counterfactual(warehouse)
    assert list(counterfactual) == COST_MONTHS[1:]
    running = 0.0
    for month, actual in zip(COST_MONTHS[1:], ACTUAL_GP[1:]):
        row_actual, cf, cf_low, cf_high, cumulative, low, high = counterfactual[month]
        assert row_actual == pytest.approx(actual)
        assert cf_low <= cf <= cf_high
        running += actual - cf
        assert cumulative == pytest.approx(running)
        assert low <= cumulative <= high


def test_payback_month_by_month(warehouse):
    """The mart's arithmetic on the estimator's counterfactual, against the costs worked out by hand."""
    rows = query(
        warehouse,
        """select strftime(month_start, '%Y-%m'), crm_period, months_since_go_live, crm_costs, cumulative_crm_costs,
                  gross_profit, counterfactual_gross_profit, incremental_gross_profit,
                  cumulative_incremental_gross_profit, cumulative_incremental_gross_profit_low,
                  cumulative_incremental_gross_profit_high, roi_to_date, roi_to_date_low, roi_to_date_high,
                  is_paid_back, payback_month, payback_month_earliest, payback_month_latest
           from marts.mart_crm_payback order by month_start""",
    )
    counterfactual = _counterfactual(warehouse)
    assert [r[0] for r in rows] == COST_MONTHS
    cumulative_costs = 0
    first_paid = {"point": None, "best": None, "worst": None}
    for row, month, cost in zip(rows, COST_MONTHS, COSTS):
        cumulative_costs += cost
        (_, period, since, costs, cum_costs, gp, cf, incremental, cum, cum_low, cum_high,
         roi, roi_low, roi_high, paid, *_) = row
        assert (costs, cum_costs) == (cost, cumulative_costs)
        if month == "2024-02":
            assert (period, since, cf, incremental, cum, roi, paid) == ("before_go_live", None, None, 0, 0, -1, False)
            continue
        _, expected_cf, _, _, expected_cum, expected_low, expected_high = counterfactual[month]
        assert period == ("ramp_up" if month == "2024-03" else "post")
        assert since == COST_MONTHS.index(month)
        assert (cf, incremental) == (pytest.approx(expected_cf), pytest.approx(gp - expected_cf))
        assert (cum, cum_low, cum_high) == (pytest.approx(expected_cum), pytest.approx(expected_low),
                                            pytest.approx(expected_high))
        assert roi == pytest.approx((expected_cum - cumulative_costs) / cumulative_costs)
        assert (roi_low, roi_high) == (pytest.approx((expected_low - cumulative_costs) / cumulative_costs),
                                       pytest.approx((expected_high - cumulative_costs) / cumulative_costs))
        assert paid == (expected_cum >= cumulative_costs)
        for key, value in (("point", expected_cum), ("best", expected_high), ("worst", expected_low)):
            if first_paid[key] is None and value >= cumulative_costs:
                first_paid[key] = month
    for row in rows:
        assert [m and m.strftime("%Y-%m") for m in row[-3:]] == [first_paid["point"], first_paid["best"],
                                                                first_paid["worst"]]


def test_payback_and_roi_in_before_after(warehouse):
    """The before/after rows carry the latest month's ROI with its interval and the payback range, in months
    counted from the go-live month (the first)."""
    latest = query(warehouse, """select roi_to_date, roi_to_date_low, roi_to_date_high, payback_month,
                                        payback_month_earliest, payback_month_latest
                                 from marts.mart_crm_payback order by month_start desc limit 1""")[0]
    roi = before_after(warehouse, "crm_roi")
    assert (roi["post_value"], roi["effect"], roi["effect_ci_low"], roi["effect_ci_high"]) == (
        pytest.approx(latest[0]), pytest.approx(latest[0]), pytest.approx(latest[1]), pytest.approx(latest[2]))
    assert roi["verdict"] == ("better" if latest[1] > 0 else "worse" if latest[2] < 0 else "no clear change")

    def months(month):
        return None if month is None else (month.year - 2024) * 12 + month.month - 3 + 1

    payback = before_after(warehouse, "crm_payback_months")
    assert (payback["effect"], payback["effect_ci_low"], payback["effect_ci_high"]) == (
        months(latest[3]), months(latest[4]), months(latest[5]))
    assert payback["status"] == ("ok" if latest[3] is not None else "not_reached")


def test_roi_series_in_monthly_mart(warehouse):
    rows = query(warehouse, "select strftime(month_start, '%Y-%m'), crm_period, roi_to_date from marts.mart_crm_payback "
                            "where months_since_go_live is not null order by month_start")
    assert monthly(warehouse, "crm_roi") == expected_monthly({month: (period, roi) for month, period, roi in rows})


def test_raw_change_is_post_minus_baseline(warehouse):
    row = before_after(warehouse, "gross_profit")
    assert (row["baseline_value"], row["post_value"]) == (pytest.approx(1300 / 12), pytest.approx(325))
    assert row["raw_change"] == pytest.approx(statistics.mean(POST_GP) - statistics.mean(BASELINE_GP))
    assert row["raw_relative_change"] == pytest.approx(325 / (1300 / 12) - 1)
