"""One estimator behind every verdict (issue 15): the CRM's effect on each KPI, per metric and scope.

    from orchestration.estimate import estimate, EstimateSettings, Estimates
    result = estimate(monthly, definitions, rollouts, settings=EstimateSettings())
    result.effects         # one row per (metric_id, scope_type, scope_value)
    result.counterfactual  # one row per (metric_id, scope_type, scope_value, month_start) from the go-live on

A pure function of three DataFrames (``read_inputs`` in inputs.py reads them from a warehouse):
``intermediate.int_kpi__monthly``, ``reference.kpi_definitions`` and ``marts.dim_crm_rollout``. It works on
the small monthly mart, so it gives the same answer whichever engine built the marts. Deterministic.

Modules, one job each:

* ``settings``       EstimateSettings: every threshold and default
* ``series``         one metric's monthly series in one scope; which months count as before and after
* ``design``         the ITS model's terms and the rule that chooses them from the history's length
* ``ar1_gls``        regression with AR(1) errors, the AR coefficient integrated over its REML likelihood
* ``its``            interrupted time series: the step at the go-live
* ``did``            staggered difference-in-differences (diff-diff's Callaway-Sant'Anna) for staged rollouts
* ``placebo``        fake go-lives inside the history
* ``power``          minimum detectable effect
* ``multiple``       Holm and Benjamini-Hochberg adjusted p-values
* ``construction``   metrics that drift by construction (no verdict)
* ``verdict``        the verdict of each row, from the estimate beside it
* ``counterfactual`` the counterfactual table with the cumulative incremental sum
* ``inputs``         reading the three inputs from a warehouse

Methods, assumptions and measured calibration: docs/methods.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .construction import DRIFTS_BY_CONSTRUCTION
from .counterfactual import COLUMNS as COUNTERFACTUAL_COLUMNS
from .counterfactual import counterfactual_columns, counterfactual_frame
from .did import fit_did, rollout_scope_type
from .its import fit_its_many
from .multiple import adjust
from .power import mde_columns
from .placebo import PlaceboResult, run_placebos_many
from .results import NoEstimate, StepEstimate
from .series import iter_series
from .settings import EstimateSettings
from .verdict import VERDICTS, decide

__all__ = ["estimate", "EstimateSettings", "Estimates", "EFFECT_COLUMNS", "COUNTERFACTUAL_COLUMNS", "VERDICTS"]

EFFECT_COLUMNS = [
    "metric_id", "scope_type", "scope_value", "method", "method_detail", "pre_months", "post_months",
    "effect", "effect_ci_low", "effect_ci_high", "counterfactual_mean", "relative_effect",
    "relative_effect_ci_low", "relative_effect_ci_high", "p_value", "p_value_holm", "p_value_bh", "mde",
    "mde_relative", "placebo_runs", "placebo_hits", "verdict", "verdict_reason",
]
# Scopes without rows in the counterfactual table: it feeds the payback (company gross profit) and
# department/region views of it; per employee nothing reads it, and it would be most of the table.
NO_COUNTERFACTUAL_SCOPES = ("employee",)
_NO_EFFECT_AGGREGATIONS = ("payback",)  # crm_payback_months, crm_roi: the lead computes them from the counterfactual


@dataclass(frozen=True)
class Estimates:
    effects: pd.DataFrame
    counterfactual: pd.DataFrame


def _row(key: tuple[str, str, str], result: StepEstimate | NoEstimate, placebo: PlaceboResult | None,
         settings: EstimateSettings) -> dict:
    metric_id, scope_type, scope_value = key
    row: dict = {"metric_id": metric_id, "scope_type": scope_type, "scope_value": scope_value,
                 "placebo_runs": placebo.runs if placebo else 0, "placebo_hits": placebo.hits if placebo else 0,
                 "placebo_unreliable": bool(placebo and placebo.unreliable(settings)),
                 "placebo_reason": placebo.describe() if placebo else None}
    if isinstance(result, NoEstimate):
        row.update(method="none", method_detail=result.method_detail or result.reason,
                   pre_months=result.pre_months, post_months=result.post_months,
                   preset_verdict=result.verdict, preset_reason=result.reason)
        return row
    low, high = result.effect_ci
    rel_low, rel_high = result.relative_ci
    row.update(method=result.method, method_detail=result.method_detail, pre_months=result.pre_months,
               post_months=result.post_months, effect=result.effect, effect_ci_low=low, effect_ci_high=high,
               counterfactual_mean=result.counterfactual_mean, relative_effect=result.relative_effect,
               relative_effect_ci_low=rel_low, relative_effect_ci_high=rel_high, p_value=result.p_value,
               step_se=result.se, step_df=result.df, log_scale=result.log_scale,
               preset_verdict=None, preset_reason=None)
    return row


def estimate(monthly: pd.DataFrame, definitions: pd.DataFrame, rollouts: pd.DataFrame,
             settings: EstimateSettings | None = None) -> Estimates:
    """Effects, intervals, adjusted p-values, MDEs, placebos and verdicts of every metric and scope."""
    settings = settings or EstimateSettings()
    defs = definitions.set_index("metric_id")
    estimable = defs.index[~defs["period_aggregation"].isin(_NO_EFFECT_AGGREGATIONS)]
    monthly = monthly[monthly["metric_id"].isin(estimable)]
    modelled = monthly
    if settings.scope_types is not None:
        modelled = monthly[monthly["scope_type"].isin(("company", *settings.scope_types))]
    rows: list[dict] = []
    tables: list[dict] = []
    company_post_mean: dict[str, float] = {}
    units = {str(k): str(v) for k, v in defs["unit"].items()}
    everything = list(iter_series(modelled, units))
    for series in everything:
        if series.scope_type == "company":
            company_post_mean[series.metric_id] = (float(np.mean(series.values[series.post])) if series.post.any()
                                                   else np.nan)
    # every series is fitted in batches of series with the same months (its.fit_its_many), then the placebos
    # of the fitted ones (placebo.run_placebos_many): employees are many, and fitted one by one they would make
    # the estimator the slowest step of a build (docs/methods.md, "Cost")
    modelled_series = [s for s in everything if s.metric_id not in DRIFTS_BY_CONSTRUCTION]
    fits = dict(zip((id(s) for s in modelled_series), fit_its_many(modelled_series, settings)))
    tested = [s for s in modelled_series if isinstance(fits[id(s)], tuple) and fits[id(s)][0].se > 0]
    placebos = dict(zip((id(s) for s in tested), run_placebos_many(tested, settings)))
    for series in everything:
        key = (series.metric_id, series.scope_type, series.scope_value)
        metric_id = series.metric_id
        if metric_id in DRIFTS_BY_CONSTRUCTION:
            rows.append(_row(key, NoEstimate("not available", DRIFTS_BY_CONSTRUCTION[metric_id]), None, settings))
            continue
        fitted = fits[id(series)]
        if isinstance(fitted, NoEstimate):
            rows.append(_row(key, fitted, None, settings))
            continue
        result, model = fitted
        if not result.se > 0:
            rows.append(_row(key, NoEstimate("not available", "the series does not vary: nothing to test against",
                                             method_detail=result.method_detail, pre_months=result.pre_months,
                                             post_months=result.post_months), None, settings))
            continue
        rows.append(_row(key, result, placebos[id(series)], settings))
        if series.scope_type in NO_COUNTERFACTUAL_SCOPES:
            continue
        columns = counterfactual_columns(model, settings)
        if columns is not None:
            tables.append(columns)

    effects = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["metric_id", "scope_type", "scope_value"])
    staged = rollout_scope_type(rollouts)
    if staged is not None and not effects.empty:
        effects = _staged_company_rows(effects, monthly, defs, rollouts, staged, company_post_mean, settings)
    effects = _finish(effects, defs, settings)
    counterfactual = counterfactual_frame(tables)
    return Estimates(effects=effects, counterfactual=counterfactual)


def _staged_company_rows(effects: pd.DataFrame, monthly: pd.DataFrame, defs: pd.DataFrame, rollouts: pd.DataFrame,
                         scope_type: str, company_post_mean: dict[str, float],
                         settings: EstimateSettings) -> pd.DataFrame:
    """A staged rollout: the company row's estimate is the DiD over the waves where the metric has series of
    the rollout's scope; elsewhere the company ITS stays, and method_detail says why."""
    units = rollouts[rollouts["scope_type"] == scope_type]
    scoped = monthly[monthly["scope_type"] == scope_type]
    effects = effects.set_index(["metric_id", "scope_type", "scope_value"], drop=False)
    for metric_id, frame in scoped.groupby("metric_id", sort=True):
        key = (metric_id, "company", "all")
        if key not in effects.index or metric_id in DRIFTS_BY_CONSTRUCTION:
            continue
        result = fit_did(str(metric_id), str(defs.at[metric_id, "unit"]), frame, units,
                         company_post_mean.get(str(metric_id), np.nan), settings)
        if isinstance(result, NoEstimate):
            detail = effects.at[key, "method_detail"]
            effects.at[key, "method_detail"] = f"{detail}; no DiD: {result.reason}"
            continue
        new = _row(key, result, None, settings)
        for column, value in new.items():
            effects.at[key, column] = value
    for metric_id in set(effects.loc[effects["scope_type"] == "company", "metric_id"]) - set(scoped["metric_id"]):
        key = (metric_id, "company", "all")
        if effects.at[key, "method"] == "its":
            effects.at[key, "method_detail"] += f"; no DiD: the metric has no {scope_type} series"
    return effects.reset_index(drop=True)


def _finish(effects: pd.DataFrame, defs: pd.DataFrame, settings: EstimateSettings) -> pd.DataFrame:
    for column in EFFECT_COLUMNS + ["preset_verdict", "preset_reason", "placebo_unreliable", "placebo_reason",
                                    "step_se", "step_df", "log_scale"]:
        if column not in effects.columns:
            effects[column] = np.nan
    effects = effects.astype({"preset_verdict": object, "preset_reason": object, "placebo_reason": object})
    effects = adjust(effects, defs["family"])
    effects = mde_columns(effects, settings.alpha, settings.power)
    effects = decide(effects, defs["direction"], settings)
    effects = effects[EFFECT_COLUMNS].sort_values(["metric_id", "scope_type", "scope_value"], ignore_index=True)
    for column in ("pre_months", "post_months", "placebo_runs", "placebo_hits"):
        effects[column] = effects[column].fillna(0).astype(np.int64)
    float_columns = [c for c in EFFECT_COLUMNS if c not in ("metric_id", "scope_type", "scope_value", "method",
                                                            "method_detail", "verdict", "verdict_reason",
                                                            "pre_months", "post_months", "placebo_runs",
                                                            "placebo_hits")]
    effects[float_columns] = effects[float_columns].astype(np.float64)
    for column in ("metric_id", "scope_type", "scope_value", "method", "method_detail", "verdict", "verdict_reason"):
        effects[column] = effects[column].astype(object)
    return effects
