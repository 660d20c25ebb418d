"""The pipeline recovers the CRM effects that the generator injected.

A scale-0.1 export (about 100,000 order lines, 36 months, go-live 2024-09-01)
is generated, loaded and built; every effect of ground_truth.json is then
compared with the estimated effect in mart_kpi_before_after. Tolerances are
stated per metric and were chosen from runs over several seeds at this scale,
not tuned to one seed. The calibration of the verdicts (false-claim rate and
power over many seeds) is tested in tests/test_calibration*.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import load_and_build, query
from orchestration.generate import generate_export

# Generated exports of 100,000 and 300,000 order lines: minutes to build, so `make test-slow` (CI) runs
# them, not the everyday `make test`.
pytestmark = pytest.mark.slow

SCALE = 0.1
# DiD's post window is short (the treated wave's post months before the control wave goes live: three
# months by default), so the staged comparison needs more orders per month to be stable across seeds
STAGED_SCALE = 0.3


def build_generated(tmp_path_factory, name: str, scale: float = SCALE, **kwargs) -> tuple[Path, dict]:
    export = tmp_path_factory.mktemp(name) / "export"
    generate_export(export, scale=scale, fmt="parquet", **kwargs)
    db = load_and_build(export, export.parent / "crm.duckdb")
    truth = json.loads((export / "ground_truth.json").read_text())
    return db, truth


def company_rows(db: Path) -> dict[str, dict]:
    columns = ["metric_id", "raw_relative_change", "raw_change", "relative_effect", "effect", "effect_ci_low",
               "effect_ci_high", "method", "post_value", "verdict", "status"]
    rows = query(db, f"select {', '.join(columns)} from marts.mart_kpi_before_after where scope_type = 'company'")
    return {row[0]: dict(zip(columns, row)) for row in rows}


@pytest.fixture(scope="module")
def company_rollout(tmp_path_factory):
    db, truth = build_generated(tmp_path_factory, "company", seed=7)
    return company_rows(db), truth["metrics"]


@pytest.fixture(scope="module")
def staged_rollout(tmp_path_factory):
    db, truth = build_generated(tmp_path_factory, "staged", scale=STAGED_SCALE, seed=2, rollout="staged")
    return company_rows(db), truth["metrics"]


# metric -> tolerance on the estimated relative effect (multipliers)
MULTIPLIER_TOLERANCE = {
    "first_response_minutes": 0.06,
    "lead_first_response_hours": 0.06,
    "lead_processing_hours": 0.06,
    "approval_cycle_hours": 0.06,
    "document_error_rate": 0.06,
    "lost_lead_rate": 0.06,
    "order_processing_cost_per_order": 0.06,
    "customer_acquisition_cost": 0.08,
    "average_order_value": 0.06,
    "task_completion_hours": 0.10,
    "repeat_contact_rate": 0.15,
}

# metric -> tolerance on the estimated absolute effect (deltas, in the metric's unit)
DELTA_TOLERANCE = {
    "csat_score": 0.10,
    "resolution_rate": 0.03,
    "lead_conversion_rate": 0.03,
    "nps": 10.0,
}


@pytest.mark.parametrize("metric", sorted(MULTIPLIER_TOLERANCE))
def test_multiplier_effects_are_recovered(company_rollout, metric):
    rows, truth = company_rollout
    effect = truth[metric]
    assert effect["kind"] == "multiplier"
    expected = effect["size"] - 1
    measured = rows[metric]["relative_effect"]
    assert rows[metric]["status"] == "ok"
    assert measured == pytest.approx(expected, abs=MULTIPLIER_TOLERANCE[metric]), (metric, measured, expected)
    assert (measured > 0) == (expected > 0)  # right direction, including the one that gets worse


@pytest.mark.parametrize("metric", sorted(DELTA_TOLERANCE))
def test_delta_effects_are_recovered(company_rollout, metric):
    rows, truth = company_rollout
    effect = truth[metric]
    assert effect["kind"] == "delta"
    measured = rows[metric]["effect"]
    assert measured == pytest.approx(effect["size"], abs=DELTA_TOLERANCE[metric]), (metric, measured)
    assert measured > 0


def test_the_worsening_metric_is_reported_as_worse(company_rollout):
    rows, truth = company_rollout
    assert truth["task_completion_hours"]["direction"] == "worsens"
    row = rows["task_completion_hours"]
    assert row["relative_effect"] > 0  # longer = worse
    assert row["verdict"] in ("worse", "no clear change", "too little data"), row  # never "better"


def test_adoption_reaches_its_injected_level(company_rollout):
    rows, truth = company_rollout
    assert rows["crm_adoption_rate"]["post_value"] == pytest.approx(truth["crm_adoption_rate"]["size"], abs=0.08)


@pytest.mark.parametrize("metric", ["order_count", "new_customers", "customer_acquisition_cost",
                                    "order_processing_cost_per_order"])
def test_the_model_is_closer_to_the_truth_than_the_raw_change(company_rollout, metric):
    """Volumes grow and costs inflate regardless of the CRM; a naive before/after takes that for an effect."""
    rows, truth = company_rollout
    expected = truth[metric]["size"] - 1
    naive_error = abs(rows[metric]["raw_relative_change"] - expected)
    model_error = abs(rows[metric]["relative_effect"] - expected)
    assert model_error < naive_error, (metric, rows[metric], expected)


@pytest.mark.parametrize("metric", ["order_count", "net_revenue"])
def test_difference_in_differences_with_a_staged_rollout(staged_rollout, metric):
    """Departments not yet live are the control group: the company row's estimate is DiD, it is closer to
    the truth than the raw change, and its interval covers the truth. net_revenue's true change is the
    product of the order-count and order-value effects."""
    rows, truth = staged_rollout
    expected = (truth["order_count"]["size"] - 1 if metric == "order_count"
                else truth["order_count"]["size"] * truth["average_order_value"]["size"] - 1)
    row = rows[metric]
    assert row["method"] == "did", row
    did_error = abs(row["relative_effect"] - expected)
    assert did_error < abs(row["raw_relative_change"] - expected), row
    assert did_error < 0.06, row


def test_difference_in_differences_recovers_a_duration_effect(staged_rollout):
    rows, truth = staged_rollout
    expected = truth["first_response_minutes"]["size"] - 1
    assert rows["first_response_minutes"]["method"] == "did"
    assert rows["first_response_minutes"]["relative_effect"] == pytest.approx(expected, abs=0.15)
