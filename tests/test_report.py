"""The HTML report: one file, plotly.js inlined once, a chart per metric, and
it really renders in a browser (headless Chromium, Debian's package)."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from plotly.offline import get_plotlyjs

from conftest import query
from orchestration.publish import publish
from orchestration.report import write_report


def _chart_metrics(db: Path) -> list[str]:
    rows = query(db, "select distinct metric_id from marts.mart_kpi_monthly where scope_type = 'company' order by 1")
    return [r[0] for r in rows]


def _with_payback(source: Path, target: Path) -> Path:
    shutil.copy(source, target)
    with duckdb.connect(str(target)) as con:
        con.execute(
            """
            create or replace table marts.mart_crm_payback as
            select month_start,
                   1000.0 * n as cumulative_crm_costs,
                   1500.0 * (n - 1) as cumulative_incremental_gross_profit,
                   1200.0 * (n - 1) as cumulative_incremental_gross_profit_low,
                   1800.0 * (n - 1) as cumulative_incremental_gross_profit_high,
                   (1500.0 * (n - 1) - 1000.0 * n) / (1000.0 * n) as roi_to_date,
                   (1200.0 * (n - 1) - 1000.0 * n) / (1000.0 * n) as roi_to_date_low,
                   (1800.0 * (n - 1) - 1000.0 * n) / (1000.0 * n) as roi_to_date_high,
                   1500.0 * (n - 1) >= 1000.0 * n as is_paid_back
            from (
                select cast(range as date) as month_start, row_number() over (order by range) as n
                from range(date '2024-09-01', date '2025-03-01', interval 1 month)
            )
            """
        )
        # the mart's payback row as mart_kpi_before_after derives it from those months: paid back in the
        # third month at the point estimate, the second at the upper end, the fourth at the lower end
        con.execute(
            """
            update marts.mart_kpi_before_after
            set effect = 3, effect_ci_low = 2, effect_ci_high = 4, post_value = 3, status = 'ok',
                verdict = 'better', verdict_reason = 'paid back even at the lower end of the 95% interval'
            where metric_id = 'crm_payback_months' and scope_type = 'company'
            """
        )
    return target


@pytest.fixture(scope="module")
def report_html(aov_warehouse, tmp_path_factory) -> Path:
    return write_report(aov_warehouse, tmp_path_factory.mktemp("report") / "report.html")


def test_report_is_one_self_contained_file(report_html):
    page = report_html.read_text(encoding="utf-8")
    assert page.count(get_plotlyjs()) == 1  # the bundle, inline, once
    assert page.count("plotly.js v") == 1
    assert not re.search(r"<script[^>]*\ssrc=", page, re.IGNORECASE)  # nothing loaded from anywhere
    assert not re.search(r"<link[^>]*\shref=", page, re.IGNORECASE)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", page)
    assert sorted(p.name for p in report_html.parent.iterdir()) == ["report.html"]


def test_report_has_a_chart_per_metric(report_html, aov_warehouse):
    page = report_html.read_text(encoding="utf-8")
    metrics = _chart_metrics(aov_warehouse)
    assert "average_order_value" in metrics
    for metric_id in metrics:
        assert page.count(f'id="chart-{metric_id}"') == 1
        assert re.search(rf'Plotly\.newPlot\(\s*"chart-{metric_id}"', page)


def test_report_header_scorecard_and_payback_note(report_html, aov_warehouse):
    page = report_html.read_text(encoding="utf-8")
    # the settings the comparison used (company go-live from the setting, 90-day ramp-up, 12 months)
    assert "2024-09-01" in page and "ends 2024-11-30" in page and "90 days" in page
    assert "12 months, 2023-09 … 2024-08" in page
    assert "from 2024-12" in page  # post period
    first, last = query(aov_warehouse, "select min(month_start), max(month_start) from marts.mart_kpi_monthly "
                                       "where scope_type = 'company'")[0]
    assert f"{first:%Y-%m} … {last:%Y-%m}" in page  # data period
    # both labels, the raw change, and the mart's verdict (two months a side: too little data, blue)
    row = re.search(r"<tr[^>]*id='row-average_order_value'.*?</tr>", page, re.S).group(0)
    assert "Average order value" in row and "Середній чек" in row
    assert "225" in row and "405" in row and "+80.0%" in row
    verdict, reason = query(aov_warehouse, "select verdict, verdict_reason from marts.mart_kpi_before_after "
                                           "where metric_id = 'average_order_value' and scope_type = 'company'")[0]
    assert verdict == "too little data"
    assert "too little data" in row and "#0969da" in row and html.escape(reason, quote=True) in row
    # metrics without data are grey with the reason (the AOV export has no surveys)
    row = re.search(r"<tr[^>]*id='row-csat_score'.*?</tr>", page, re.S).group(0)
    assert "not available" in row and "#6e7781" in row and "the export has no surveys file" in row
    for family in ("Financial results", "Work processes", "Customer service quality", "Staff effectiveness",
                   "Customer base", "CRM adoption"):
        assert family in page
    # the AOV export has no CRM costs: nothing to pay back, and the page says why
    assert query(aov_warehouse, "select coalesce(max(cumulative_crm_costs), 0) from marts.mart_crm_payback") == [(0,)]
    assert "Payback not available: the export has no CRM costs (the export has no crm_costs file)" in page
    assert 'id="chart-payback"' not in page


def test_report_says_payback_not_available_without_the_mart(aov_warehouse, tmp_path):
    source = tmp_path / "crm.duckdb"
    shutil.copy(aov_warehouse, source)
    with duckdb.connect(str(source)) as con:
        con.execute("drop table if exists marts.mart_crm_payback")
    page = write_report(source, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Payback not available: the warehouse has no" in page
    assert 'id="chart-payback"' not in page


def test_report_draws_the_payback_curve_when_the_mart_exists(aov_warehouse, tmp_path):
    source = _with_payback(aov_warehouse, tmp_path / "crm.duckdb")
    page = write_report(source, tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert page.count('id="chart-payback"') == 1
    assert "Payback not available" not in page
    assert "Paid back after" in page and "cumulative CRM costs" in page and "ROI to date" in page
    # 1000 a month against 1500 a month from the second month on: paid back in the third month
    assert "<b>3 months</b>" in page and "95% range: 2 to 4 months" in page
    assert "95% interval of the incremental gross profit" in page


def test_report_reads_the_serving_file_too(aov_warehouse, tmp_path):
    serving = publish(aov_warehouse, tmp_path / "serving.duckdb").serving_path
    page = write_report(serving, tmp_path / "report.html").read_text(encoding="utf-8")
    for metric_id in _chart_metrics(aov_warehouse):
        assert f'id="chart-{metric_id}"' in page


# --- in a real browser ------------------------------------------------------

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium; installed with apt-get when missing (the suite runs as root)."""
    path = shutil.which("chromium")
    if path:
        return path
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        pytest.skip("chromium is not installed and apt-get needs root")
    install = subprocess.run(
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium",
        shell=True, capture_output=True, text=True, timeout=1500,
    )
    path = shutil.which("chromium")
    if not path:
        pytest.skip(f"chromium could not be installed: {(install.stderr or install.stdout)[-800:]}")
    return path


def _run_chromium(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=240,
    )


@pytest.mark.slow  # installs Chromium with apt-get when it is missing, then starts it twice
def test_report_renders_in_headless_chromium(chromium, report_html, aov_warehouse, tmp_path):
    url = report_html.resolve().as_uri()
    dom = _run_chromium(
        chromium, tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
        "--dump-dom", url,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert not [line for line in console if re.search(r"Uncaught|Error", line)], console
    # plotly drew every chart: the div got plotly's class and an svg
    for metric_id in _chart_metrics(aov_warehouse):
        div = re.search(rf'<div id="chart-{metric_id}"[^>]*>', dom.stdout)
        assert div and "js-plotly-plot" in div.group(0), f"chart-{metric_id} was not rendered"
    assert dom.stdout.count('class="plot-container plotly"') == len(_chart_metrics(aov_warehouse))
    assert "main-svg" in dom.stdout

    screenshot = tmp_path / "report.png"
    shot = _run_chromium(
        chromium, tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1400,3000",
        "--virtual-time-budget=10000", url,
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.stat().st_size > 50_000  # a page with charts, not a blank one
    print(f"screenshot: {screenshot}")
