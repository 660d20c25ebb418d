"""Payback and ROI, the season-adjusted change and the 95% interval on a
hand-made export whose values are worked out by hand in
tests/fixtures/kpi_payback/README.md."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest

from conftest import FIXTURES, load_and_build, query
from kpi_checks import before_after, expected_monthly, monthly
from orchestration.settings import AnalysisSettings

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


def test_payback_month_by_month(warehouse):
    rows = query(
        warehouse,
        """select strftime(month_start, '%Y-%m'), crm_period, months_since_go_live, crm_costs, cumulative_crm_costs,
                  gross_profit, counterfactual_gross_profit, incremental_gross_profit,
                  cumulative_incremental_gross_profit, roi_to_date, is_paid_back, strftime(payback_month, '%Y-%m')
           from marts.mart_crm_payback order by month_start""",
    )
    a = pytest.approx
    assert rows == [
        ("2024-02", "before_go_live", None, 600, 600, None, None, 0, 0, -1, False, "2024-08"),
        ("2024-03", "ramp_up", 1, 200, 800, 150, a(125), a(25), a(25), a(-775 / 800), False, "2024-08"),
        ("2024-04", "post", 2, 0, 800, 325, a(125), a(200), a(225), a(-575 / 800), False, "2024-08"),
        ("2024-05", "post", 3, 0, 800, 325, a(125), a(200), a(425), a(-375 / 800), False, "2024-08"),
        ("2024-06", "post", 4, 100, 900, 425, a(125), a(300), a(725), a(-175 / 900), False, "2024-08"),
        ("2024-07", "post", 5, 0, 900, 225, a(125), a(100), a(825), a(-75 / 900), False, "2024-08"),
        ("2024-08", "post", 6, 0, 900, 325, a(125), a(200), a(1025), a(125 / 900), True, "2024-08"),
    ]


def test_payback_and_roi_in_before_after(warehouse):
    payback = before_after(warehouse, "crm_payback_months")
    assert (payback["post_value"], payback["status"], payback["improved"]) == (6, "ok", True)
    roi = before_after(warehouse, "crm_roi")
    assert roi["post_value"] == pytest.approx(125 / 900)
    assert (roi["status"], roi["improved"]) == ("ok", True)


def test_roi_series_in_monthly_mart(warehouse):
    assert monthly(warehouse, "crm_roi") == expected_monthly({
        "2024-03": ("ramp_up", -775 / 800), "2024-04": ("post", -575 / 800), "2024-05": ("post", -375 / 800),
        "2024-06": ("post", -175 / 900), "2024-07": ("post", -75 / 900), "2024-08": ("post", 125 / 900),
    })


def test_counterfactual_is_the_baseline_month_grown_by_the_trend(warehouse):
    rows = query(
        warehouse,
        """select metric_id, strftime(month_start, '%Y-%m'), strftime(reference_month, '%Y-%m'), months_apart,
                  trend_pairs, annual_log_trend, counterfactual_value
           from intermediate.int_kpi__counterfactual
           where scope_type = 'company' and metric_id in ('gross_profit', 'order_count')
           order by metric_id, month_start""",
    )
    months = ["2024-03", "2024-04", "2024-05", "2024-06", "2024-07", "2024-08"]
    expected = [("gross_profit", m, f"2023-{m[5:]}", 12, 3, pytest.approx(math.log(1.25)), pytest.approx(125))
                for m in months]
    expected += [("order_count", m, f"2023-{m[5:]}", 12, 3, 0, pytest.approx(1)) for m in months]
    assert rows == expected


@pytest.mark.parametrize(("metric_id", "change", "relative"), [
    ("gross_profit", 325 - 125, 325 / 125 - 1),
    ("net_revenue", 650 - 250, 650 / 250 - 1),
    ("order_count", 0, 0),
])
def test_season_adjusted_change(warehouse, metric_id, change, relative):
    row = before_after(warehouse, metric_id)
    assert row["season_paired_months"] == 5
    assert row["season_adjusted_change"] == pytest.approx(change, abs=1e-9)
    assert row["season_adjusted_relative_change"] == pytest.approx(relative, abs=1e-9)


def t_quantile_975(df: float) -> float:
    """The 0.975 quantile of Student's t, independently of the mart: Simpson integration of the density
    from 0, and bisection."""
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

    def cdf(t: float, steps: int = 2000) -> float:
        h = t / steps
        f = [math.exp(log_c) * (1 + (i * h) ** 2 / df) ** (-(df + 1) / 2) for i in range(steps + 1)]
        return 0.5 + h / 3 * (f[0] + f[-1] + 4 * sum(f[1:-1:2]) + 2 * sum(f[2:-1:2]))

    low, high = 1.0, 50.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if cdf(middle) < 0.975 else (low, middle)
    return (low + high) / 2


def test_t_quantile_reference_values():
    """The independent quantile reproduces the textbook table."""
    for df, value in [(1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (10, 2.228), (30, 2.042)]:
        assert t_quantile_975(df) == pytest.approx(value, abs=5e-4)


def test_interval_is_welch_over_monthly_values(warehouse):
    row = before_after(warehouse, "gross_profit")
    assert (row["baseline_value"], row["post_value"]) == (pytest.approx(1300 / 12), pytest.approx(325))
    a = statistics.variance(BASELINE_GP) / len(BASELINE_GP)
    b = statistics.variance(POST_GP) / len(POST_GP)
    se = math.sqrt(a + b)
    df = (a + b) ** 2 / (a**2 / (len(BASELINE_GP) - 1) + b**2 / (len(POST_GP) - 1))
    assert df == pytest.approx(4.567, abs=1e-3)
    change = statistics.mean(POST_GP) - statistics.mean(BASELINE_GP)
    half_width = t_quantile_975(df) * se
    assert row["absolute_change"] == pytest.approx(change)
    assert row["change_ci95_low"] == pytest.approx(change - half_width, rel=0.01)
    assert row["change_ci95_high"] == pytest.approx(change + half_width, rel=0.01)
