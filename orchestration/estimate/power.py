"""Minimum detectable effect: the smallest true step the test finds with probability ``power``.

    MDE = (t_{1 - alpha/2, df} + t_{power, df}) * SE(step)

SE is the model's own standard error of the step, so the MDE carries the history's month-to-month
variability, its autocorrelation (ar1_gls) and the extrapolation of trend and season. On a log scale the
MDE is a log ratio, stated as the relative change exp(MDE) - 1.

alpha is the level the verdict really tests at. Company rows are judged with Holm's adjustment over the m
company rows that have a p-value; Holm finds at least what Bonferroni finds, so their MDE uses alpha / m:
an effect of that size is found with at least the stated power *after* the adjustment. (With the raw alpha
an effect "larger than its MDE" would be missed most of the time once adjusted: measured, docs/methods.md.)
Department, region, rollout-wave and employee rows (Benjamini-Hochberg) use alpha: BH's threshold approaches alpha
when many scopes really changed, which is when such rows matter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special


def mde_columns(effects: pd.DataFrame, alpha: float, power: float) -> pd.DataFrame:
    """Fill ``mde`` and ``mde_relative`` from the internal columns step_se, step_df, log_scale and
    counterfactual_mean, at alpha / m for company rows (m: company rows with a p-value), alpha elsewhere."""
    out = effects.copy()
    company = out["scope_type"] == "company"
    m = max(int((company & out["p_value"].notna()).sum()), 1)
    level = np.where(company, alpha / m, alpha)
    se = out["step_se"].to_numpy(dtype=np.float64)
    df = out["step_df"].to_numpy(dtype=np.float64)
    ok = np.isfinite(se) & np.isfinite(df) & (df > 0)
    step = np.full(len(out), np.nan)
    step[ok] = (special.stdtrit(df[ok], 1.0 - level[ok] / 2.0) + special.stdtrit(df[ok], power)) * se[ok]
    log_scale = out["log_scale"].fillna(0).astype(bool).to_numpy()  # missing (no model): not log
    cf = np.abs(out["counterfactual_mean"].to_numpy(dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        relative = np.where(log_scale, np.expm1(step), step / cf)
        relative = np.where(np.isfinite(relative), relative, np.nan)  # a zero counterfactual: no relative MDE
        absolute = np.where(log_scale, np.expm1(step) * cf, step)
    out["mde"] = np.abs(absolute)
    out["mde_relative"] = np.abs(relative)
    return out
