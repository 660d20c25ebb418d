"""The one verdict: mart_kpi_before_after.verdict never contradicts the estimate printed beside it, and
every output (terminal scorecard, Dagster Markdown, report, BI view) shows that column, never its own.

On the embedded demo export, built by the real pipeline (dbt, the estimator, dbt)."""

from __future__ import annotations

import html
import math
import re

import pytest

from conftest import query
from orchestration.publish import publish
from orchestration.report import write_report
from orchestration.scorecard import read_scorecard, to_markdown

CLAIMS = ("better", "worse")
ALPHA = 0.05


def _rows(db) -> list[dict]:
    columns = ["metric_id", "family", "scope_type", "scope_value", "direction", "status", "effect", "effect_ci_low",
               "effect_ci_high", "relative_effect", "relative_effect_ci_low", "relative_effect_ci_high", "p_value",
               "p_value_holm", "p_value_bh", "method", "verdict", "verdict_reason"]
    return [dict(zip(columns, row)) for row in
            query(db, f"select {', '.join(columns)} from marts.mart_kpi_before_after")]


def _present(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def test_no_verdict_contradicts_its_estimate(demo_warehouse):
    rows = _rows(demo_warehouse)
    assert {r["verdict"] for r in rows} <= {"better", "worse", "no clear change", "too little data", "unreliable",
                                           "not available"}
    payback = {"crm_payback_months", "crm_roi"}
    for r in rows:
        assert r["verdict_reason"], r
        if r["status"] == "not_available" and r["scope_type"] == "employee":
            # an employee without months on one side has too little data (docs/DECISIONLOG.md, "Employee scope")
            assert r["verdict"] in ("too little data", "not available"), r
        elif r["status"] == "not_available":
            assert r["verdict"] == "not available", r
        if r["verdict"] in (*CLAIMS, "no clear change"):  # no verdict without an interval
            assert _present(r["effect_ci_low"]) or r["metric_id"] == "crm_payback_months", r
        if r["verdict"] not in CLAIMS or r["metric_id"] in payback:
            continue
        low, high, effect = r["effect_ci_low"], r["effect_ci_high"], r["effect"]
        assert low <= effect <= high, r
        assert low > 0 or high < 0, r  # the interval excludes zero
        up = effect > 0
        assert (r["verdict"] == "better") == (up == (r["direction"] == "up")), r
        if _present(r["relative_effect"]):
            assert (r["relative_effect"] > 0) == up, r
            assert r["relative_effect_ci_low"] > 0 or r["relative_effect_ci_high"] < 0, r
        adjusted = {"company": r["p_value_holm"], "department": r["p_value_bh"], "region": r["p_value_bh"],
                    "employee": r["p_value_bh"]}
        if r["scope_type"] in adjusted:
            assert adjusted[r["scope_type"]] < ALPHA, r  # claimed only after multiple-testing control
        assert r["p_value"] < ALPHA, r


def test_adjusted_p_values_are_never_below_the_raw_ones(demo_warehouse):
    for r in _rows(demo_warehouse):
        for adjusted in (r["p_value_holm"], r["p_value_bh"]):
            if _present(adjusted):
                assert adjusted >= r["p_value"] - 1e-12, r
        if r["scope_type"] == "company" and _present(r["p_value"]):
            assert not _present(r["p_value_bh"]), r


def test_the_mart_carries_the_estimators_rows(demo_warehouse):
    joined = query(demo_warehouse, """
        select count(*), count(*) filter (where ba.effect is not distinct from e.effect
                                            and ba.p_value is not distinct from e.p_value)
        from marts.mart_kpi_before_after as ba
        join estimates.kpi_effects as e using (metric_id, scope_type, scope_value)""")[0]
    assert joined[0] > 30 and joined[0] == joined[1]


def test_every_output_shows_the_marts_verdict(demo_warehouse, tmp_path):
    company = {r["metric_id"]: r["verdict"] for r in _rows(demo_warehouse) if r["scope_type"] == "company"}
    # the terminal scorecard and the Dagster Markdown
    scorecard = read_scorecard(demo_warehouse)
    assert {r.metric_id: r.verdict for r in scorecard} == company
    markdown = to_markdown(scorecard)
    for r in scorecard:
        assert re.search(rf"\| {re.escape(r.label_en)} \|.*\| {re.escape(r.verdict)} \|", markdown), r.metric_id
    # the BI view
    serving = publish(demo_warehouse, tmp_path / "serving.duckdb").serving_path
    assert dict(query(serving, "select metric_id, verdict from bi.kpi_scorecard where scope_type = 'company'")) \
        == company
    # the report: each metric's row carries its verdict's chip
    page = write_report(serving, tmp_path / "report.html").read_text(encoding="utf-8")
    for metric_id, verdict in company.items():
        row = re.search(rf"<tr[^>]*id='row-{metric_id}'.*?</tr>", page, re.S)
        if row is None:
            assert metric_id in ("crm_payback_months", "crm_roi"), metric_id  # the payback section shows those
            continue
        chips = re.findall(r'class="chip"[^>]*>([^<]*)<', row.group(0))
        assert chips == [html.escape(verdict)], (metric_id, chips, verdict)


@pytest.mark.parametrize("metric_id", ["crm_roi", "crm_payback_months"])
def test_payback_verdicts_follow_their_interval(demo_warehouse, metric_id):
    (verdict, effect, low, high, status), = query(
        demo_warehouse, "select verdict, effect, effect_ci_low, effect_ci_high, status from marts.mart_kpi_before_after "
                        "where metric_id = ? and scope_type = 'company'", [metric_id])
    if metric_id == "crm_roi":
        assert low <= effect <= high
        expected = "better" if low > 0 else "worse" if high < 0 else "no clear change"
    else:  # months to payback: reached at the interval's lower end (latest month), or not even at its upper end
        expected = "better" if high is not None else "worse" if low is None else "no clear change"
    assert verdict == expected, (verdict, effect, low, high, status)
