"""Multiple-testing control: Holm for company rows, Benjamini-Hochberg within a family's scopes.

* Company rows: one family of every company row with a p-value, catalog metrics and their companions
  (gross profit, p90s, shares) alike, because every one of them can show 'better' or 'worse' on the
  scorecard. Holm's step-down keeps the chance of any false 'better'/'worse' among them at alpha
  (family-wise), whatever the dependence between the metrics.
* Department, region and rollout-wave rows: Benjamini-Hochberg within (family, scope_type), e.g. all
  department rows of the service family: where many scopes are compared, a few false discoveries among
  many true ones are acceptable, the share of them is kept at alpha.
* Employee rows: Benjamini-Hochberg within one metric's employee rows (all employees' requests handled,
  say). Employees are many (dozens to hundreds per metric), so per-row tests at alpha would call a few
  of them better or worse by chance alone; a manager reads one metric across the team, which is the
  family whose false-discovery rate is kept at alpha. Mixing metrics would let a strong metric (CRM
  adoption) loosen the threshold for a weak one.

Both via statsmodels.stats.multitest.multipletests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

SCOPED = ("department", "region", "rollout_wave")
EMPLOYEE = "employee"


def _adjust(p: pd.Series, method: str) -> pd.Series:
    ok = p.notna()
    out = pd.Series(np.nan, index=p.index, dtype=np.float64)
    if ok.any():
        out[ok] = multipletests(p[ok].to_numpy(dtype=np.float64), method=method)[1]
    return out


def adjust(effects: pd.DataFrame, families: pd.Series) -> pd.DataFrame:
    """Add p_value_holm and p_value_bh to ``effects`` (``families``: metric_id -> family)."""
    out = effects.copy()
    out["p_value_holm"] = np.nan
    out["p_value_bh"] = np.nan
    company = out["scope_type"] == "company"
    out.loc[company, "p_value_holm"] = _adjust(out.loc[company, "p_value"], "holm")
    scoped = out["scope_type"].isin(SCOPED)
    family = out["metric_id"].map(families)
    for _, index in out[scoped].groupby([family[scoped], out.loc[scoped, "scope_type"]]).groups.items():
        out.loc[index, "p_value_bh"] = _adjust(out.loc[index, "p_value"], "fdr_bh")
    employee = out["scope_type"] == EMPLOYEE
    for _, index in out[employee].groupby("metric_id").groups.items():
        out.loc[index, "p_value_bh"] = _adjust(out.loc[index, "p_value"], "fdr_bh")
    return out
