"""The estimator on employee rows (issue 19), on synthetic monthly series with known answers: which
employees changed, which have too short a history, and Benjamini-Hochberg within each metric's employees.
Fast: no warehouse (the employee scope of the real pipeline: tests/test_employee_scope.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from orchestration.estimate import estimate
from orchestration.estimate.multiple import adjust
from test_estimate import MONTHS, company_rollout, definitions, frame, periods, synthetic

DEFS = definitions(("lead_first_response_hours", "process", "hours", "down", "median"),
                   ("task_completion_hours", "staff", "hours", "down", "median"))


def _team(rng: np.random.Generator, metric_id: str, changed: int, unchanged: int, step: float) -> pd.DataFrame:
    """``changed`` employees whose metric moves by ``step`` after the ramp-up, ``unchanged`` without any change."""
    parts = []
    for i in range(changed + unchanged):
        values = synthetic(rng, level=4.0, step=step if i < changed else 0.0, noise=0.05, rho=0.3)
        parts.append(frame(metric_id, values, scope_type="employee", scope_value=f"e{i:03d}"))
    return pd.concat(parts, ignore_index=True)


def test_employees_with_a_known_change_are_found_and_the_others_are_not():
    rng = np.random.default_rng(19)
    monthly = _team(rng, "lead_first_response_hours", changed=8, unchanged=24, step=-0.40)
    effects = estimate(monthly, DEFS, company_rollout()).effects
    rows = effects[effects["scope_type"] == "employee"].set_index("scope_value")
    assert len(rows) == 32
    changed = rows.loc[[f"e{i:03d}" for i in range(8)]]
    unchanged = rows.loc[[f"e{i:03d}" for i in range(8, 32)]]
    # a 40% faster response (direction down): better, for every employee who had it
    assert (changed["verdict"] == "better").all(), changed[["verdict", "verdict_reason"]]
    assert changed["relative_effect_ci_low"].lt(-0.25).all() and changed["relative_effect_ci_high"].gt(-0.55).all()
    # none of the 24 unchanged employees is called better or worse
    assert not unchanged["verdict"].isin(["better", "worse"]).any(), unchanged["verdict"].value_counts()


def test_an_employee_with_too_short_a_history_gets_too_little_data_with_the_reason():
    rng = np.random.default_rng(7)
    monthly = _team(rng, "task_completion_hours", changed=0, unchanged=3, step=0.0)
    # e003 was hired 6 months before the go-live: 6 history months, below the 12 a model needs
    late = frame("task_completion_hours", synthetic(rng, level=4.0), scope_type="employee", scope_value="e003")
    late = late[late["month_start"] >= pd.Timestamp("2024-03-01")]
    # e004 left two months after the ramp-up: 2 post months, below the 3 a model needs
    early = frame("task_completion_hours", synthetic(rng, level=4.0), scope_type="employee", scope_value="e004")
    early = early[early["month_start"] < pd.Timestamp("2025-02-01")]
    effects = estimate(pd.concat([monthly, late, early]), DEFS, company_rollout()).effects.set_index("scope_value")
    assert effects.at["e003", "verdict"] == "too little data"
    assert effects.at["e003", "verdict_reason"] == ("6 months before the go-live and 13 after the ramp-up; "
                                                    "a model needs 12 and 3")
    assert effects.at["e004", "verdict"] == "too little data"
    assert effects.at["e004", "verdict_reason"].startswith("20 months before the go-live and 2 after")
    for key in ("e003", "e004"):
        assert np.isnan(effects.at[key, "effect"]) and np.isnan(effects.at[key, "p_value"])


def test_benjamini_hochberg_runs_within_each_metric_s_employee_rows():
    rng = np.random.default_rng(3)
    monthly = pd.concat([_team(rng, "lead_first_response_hours", changed=4, unchanged=8, step=-0.3),
                         _team(rng, "task_completion_hours", changed=0, unchanged=12, step=0.0),
                         frame("task_completion_hours", synthetic(rng), scope_type="department", scope_value="Sales",
                               family="staff")])
    effects = estimate(monthly, DEFS, company_rollout()).effects
    employee = effects[effects["scope_type"] == "employee"]
    for metric_id, rows in employee.groupby("metric_id"):
        expected = multipletests(rows["p_value"].to_numpy(), method="fdr_bh")[1]
        np.testing.assert_allclose(rows["p_value_bh"].to_numpy(), expected, rtol=1e-12)
    # no Holm for employee rows; the department row keeps its own BH family (family, scope_type)
    assert employee["p_value_holm"].isna().all()
    department = effects[effects["scope_type"] == "department"]
    np.testing.assert_allclose(department["p_value_bh"], department["p_value"])  # a family of one row


def test_adjust_keeps_employee_families_apart_from_departments():
    rows = pd.DataFrame({
        "metric_id": ["a", "a", "a", "b", "b", "a"],
        "scope_type": ["employee", "employee", "employee", "employee", "employee", "department"],
        "scope_value": ["e1", "e2", "e3", "e1", "e2", "Sales"],
        "p_value": [0.01, 0.02, 0.04, 0.03, np.nan, 0.5],
    })
    out = adjust(rows, pd.Series({"a": "staff", "b": "staff"})).set_index(["metric_id", "scope_type", "scope_value"]).sort_index()
    a = multipletests([0.01, 0.02, 0.04], method="fdr_bh")[1]
    np.testing.assert_allclose(out.loc[("a", "employee"), "p_value_bh"].to_numpy(), a)
    assert out.at[("b", "employee", "e1"), "p_value_bh"] == 0.03  # alone in its family (e2 has no p-value)
    assert np.isnan(out.at[("b", "employee", "e2"), "p_value_bh"])
    assert out.at[("a", "department", "Sales"), "p_value_bh"] == 0.5


def test_months_and_periods_of_the_synthetic_team_are_the_company_s():
    """Guard for the fixtures above: 20 history months, 3 ramp-up, 13 post."""
    p = periods()
    assert len(MONTHS) == 36 and (np.isin(p, ("outside", "baseline"))).sum() == 20 and (p == "post").sum() == 13
