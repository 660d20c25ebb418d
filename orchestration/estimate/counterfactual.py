"""The counterfactual table: each month from the go-live on, what the metric would have been without the
CRM, and the running sum of the difference with its interval.

For month t (ramp-up and post months) with design row x_t (no step), coefficients b (covariance C) and
errors e (AR(1), covariance S, averaged over rho like the coefficients):

* counterfactual(t) = x_t'b (level scale) or exp(x_t'b) * smearing (log scale; Duan's smearing factor
  turns the log model's median into a mean); its interval is the prediction interval of the month's
  value without the CRM: x_t'b +- t_{df} * sqrt(x_t'C x_t + S_tt), exponentiated on a log scale;
* cumulative_incremental(T) = sum over t <= T of (actual(t) - counterfactual(t)); its interval comes from
  the variance of the sum of the counterfactuals as one linear combination, g'C g + w'S w, with
  g = sum of x_t and w = 1 (level), or g = sum of counterfactual(t) * x_t and w = counterfactual(t) (log
  scale, delta method): not a sum of the months' bounds, which would ignore that the months share one
  set of coefficients and correlated errors.

Months without a value (a ratio with no records) have no actual and add nothing to the sum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from .its import ItsFit
from .settings import EstimateSettings

COLUMNS = ["metric_id", "scope_type", "scope_value", "month_start", "actual", "counterfactual",
           "counterfactual_low", "counterfactual_high", "cumulative_incremental", "cumulative_incremental_low",
           "cumulative_incremental_high"]


def counterfactual_columns(model: ItsFit, settings: EstimateSettings) -> dict[str, np.ndarray] | None:
    """The table's columns for one fitted series (None: no month from the go-live on)."""
    series = model.series
    rows = series.after_go_live
    months = series.months[rows]
    if len(months) == 0:
        return None
    actual = series.values[rows]
    link, X = model.link_prediction(months)
    C = model.counterfactual_cov
    S = model.fit.noise_cov(months)
    t_crit = special.stdtrit(model.fit.df, 1.0 - settings.alpha / 2.0)
    point_var = np.einsum("ij,jk,ik->i", X, C, X) + np.diag(S)
    half = t_crit * np.sqrt(point_var)
    if model.log_scale:
        cf = np.exp(link) * model.smearing
        low, high = np.exp(link - half), np.exp(link + half)
        weight = cf
    else:
        cf, low, high = link, link - half, link + half
        weight = np.ones_like(cf)
    seen = np.isfinite(actual)
    incremental = np.where(seen, actual - cf, 0.0)
    cumulative = np.cumsum(incremental)
    w = np.where(seen, weight, 0.0)
    # g_T = sum_{t <= T} w_t x_t ; var_T = g_T' C g_T + sum_{s,t <= T} w_s w_t S_st
    G = np.cumsum(w[:, None] * X, axis=0)
    coef_var = np.einsum("ij,jk,ik->i", G, C, G)
    WS = w[:, None] * S * w[None, :]
    noise_var = np.cumsum(np.cumsum(WS, axis=0), axis=1).diagonal()
    cum_half = t_crit * np.sqrt(coef_var + noise_var)
    n = len(months)
    return {
        "metric_id": np.repeat(series.metric_id, n).astype(object),
        "scope_type": np.repeat(series.scope_type, n).astype(object),
        "scope_value": np.repeat(series.scope_value, n).astype(object),
        "month_start": series.month_start[rows], "actual": actual,
        "counterfactual": cf, "counterfactual_low": low, "counterfactual_high": high,
        "cumulative_incremental": cumulative, "cumulative_incremental_low": cumulative - cum_half,
        "cumulative_incremental_high": cumulative + cum_half,
    }


def counterfactual_frame(parts: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """One DataFrame of the columns of every fitted series (month_start as dates)."""
    if not parts:
        frame = pd.DataFrame({c: pd.Series(dtype=object if c in ("metric_id", "scope_type", "scope_value",
                                                                  "month_start") else np.float64)
                              for c in COLUMNS})
        return frame
    frame = pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in COLUMNS})
    frame["month_start"] = pd.to_datetime(frame["month_start"]).dt.date
    return frame
