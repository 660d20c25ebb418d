"""Staggered difference-in-differences for a staged rollout (Callaway and Sant'Anna 2021, via diff-diff).

Units are the rollout's departments (or regions); each unit's monthly series of the metric is the panel.
A unit is treated from its first post month (after its own ramp-up); every month that is a ramp-up month
of any unit is left out of the panel, so neither a half-treated unit nor a unit in its ramp-up is ever a
control. ATT(g, t) compares cohort g's change from its last pre-go-live month to month t with the change
of the units not yet treated at t (``control_group="not_yet_treated"``): with the generator's two waves,
the first wave against the second during the months between them. The overall ATT is diff-diff's
simple aggregation over all estimable (g, t) cells, i.e. over all waves that have controls.

Amounts, counts and durations on a log scale (series.LOG_UNITS, all values positive): departments of very
different sizes then share one relative effect, and parallel trends are about growth rates.

Inference with few units: diff-diff's analytical standard error treats units as many independent draws;
with 5 to 12 departments its normal interval rejects a true zero 12-27% of the time (measured,
docs/methods.md). The standard error is scaled by sqrt(G / (G - 1)) (G units) and the interval uses
Student's t with min(treated units, control units) - 1 degrees of freedom, the conservative end of Welch's
two-sample df: measured 1-6% at a nominal 5%.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .results import NoEstimate, StepEstimate
from .series import LOG_UNITS, month_number
from .settings import EstimateSettings

DID_SCOPES = ("department", "region")


def rollout_scope_type(rollouts: pd.DataFrame) -> str | None:
    """The scope type of a staged rollout (departments first), None for a company-wide rollout."""
    present = set(rollouts["scope_type"])
    for scope_type in DID_SCOPES:
        if scope_type in present:
            return scope_type
    return None


def _panel(monthly: pd.DataFrame, rollouts: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, list[int]]:
    """Unit x month values without ramp-up months, each unit's first post month, and the ramp-up months."""
    go_live = pd.Series(month_number(rollouts["go_live_date"]), index=rollouts["scope_value"].astype(str))
    first_post = pd.Series(month_number(rollouts["first_post_month"]), index=go_live.index)
    ramp = sorted({m for g, p in zip(go_live, first_post) for m in range(int(g), int(p))})
    values = monthly.assign(month=month_number(monthly["month_start"]), unit=monthly["scope_value"].astype(str))
    wide = values.pivot_table(index="unit", columns="month", values="metric_value", aggfunc="first")
    wide = wide.loc[wide.index.isin(go_live.index), ~wide.columns.isin(ramp)]
    return wide, first_post, ramp


def fit_did(metric_id: str, unit_of_measure: str, monthly: pd.DataFrame, rollouts: pd.DataFrame,
            company_post_mean: float, settings: EstimateSettings) -> StepEstimate | NoEstimate:
    """The DiD estimate for one metric from its monthly rows of the rollout's scope type."""
    from diff_diff import CallawaySantAnna

    scope_type = str(rollouts["scope_type"].iloc[0])
    wide, first_post, _ = _panel(monthly, rollouts)
    complete = wide.dropna(axis=0, how="any")
    if complete.empty:
        return NoEstimate("not available", f"no {scope_type} has a value in every month", method_detail="DiD")
    last_month = int(complete.columns.max())
    cohort = first_post.reindex(complete.index).astype(int)
    cohort = cohort.where(cohort <= last_month, 0)  # live only after the data: never treated here
    log_scale = unit_of_measure in LOG_UNITS and bool((complete.to_numpy() > 0).all())
    outcome = np.log(complete) if log_scale else complete

    # which units can be compared: cohorts with a not-yet-treated unit in at least one of their post months
    months = np.asarray(complete.columns, dtype=np.int64)
    treated_units: set[str] = set()
    control_units: set[str] = set()
    post_months: set[int] = set()
    for g in sorted(set(cohort[cohort > 0])):
        members = cohort.index[cohort == g]
        for t in months[months >= g]:
            controls = cohort.index[(cohort == 0) | (cohort > t)]
            if len(controls) >= settings.did_min_units and len(members) >= settings.did_min_units:
                treated_units.update(members)
                control_units.update(controls)
                post_months.add(int(t))
    if not post_months:
        return NoEstimate("too little data", f"no month with at least {settings.did_min_units} treated and "
                          f"{settings.did_min_units} not-yet-treated {scope_type}s with complete series",
                          method_detail="DiD")
    pre_months = int((months < cohort[cohort > 0].min()).sum())
    panel = (outcome.stack().rename("y").reset_index().rename(columns={"month": "time"})
             .assign(first_treat=lambda f: f["unit"].map(cohort).astype(int)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = CallawaySantAnna(control_group="not_yet_treated", estimation_method="reg", cband=False,
                                  alpha=settings.alpha).fit(panel, outcome="y", unit="unit", time="time",
                                                            first_treat="first_treat")
    att, se = float(result.overall_att), float(result.overall_se)
    if not (np.isfinite(att) and np.isfinite(se) and se > 0):
        return NoEstimate("not available", "the DiD could not be estimated", method_detail="DiD")
    n_units = len(treated_units | control_units)
    se *= np.sqrt(n_units / (n_units - 1))
    df = min(len(treated_units), len(control_units)) - 1
    cf_mean = company_post_mean * np.exp(-att) if log_scale else company_post_mean - att
    waves = rollouts["go_live_date"].nunique()
    detail = (f"DiD (Callaway-Sant'Anna, not-yet-treated controls), {waves} waves, {len(treated_units)} treated "
              f"and {len(control_units)} control {scope_type}s, {len(post_months)} post months, t with {df} df"
              f"{', log scale' if log_scale else ''}")
    return StepEstimate(method="did", method_detail=detail, pre_months=pre_months, post_months=len(post_months),
                        step=att, se=se, df=float(df), log_scale=log_scale, counterfactual_mean=float(cf_mean),
                        alpha=settings.alpha, power=settings.power)
