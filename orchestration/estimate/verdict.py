"""The verdict of every row, from the estimate printed beside it (the one place it is decided).

In order:

1. no estimate: the reason's verdict ('not available': no months on one side, drifts by construction;
   'too little data': fewer months than a model needs);
2. 'unreliable': the placebo go-lives fired (placebo.py); no better/worse whatever the estimate says;
3. 'better' / 'worse': the adjusted p-value (Holm for company rows, Benjamini-Hochberg for department,
   region and rollout-wave rows, and within a metric's employee rows) is below alpha, the 95% interval excludes 0, and the sign of the effect
   against the metric's direction decides which. So a verdict never contradicts its estimate;
4. 'too little data': nothing found, and the test could only have found a change of more than
   ``practical_relative_effect`` ("could detect +-23% (practical size 10%)");
5. 'no clear change': nothing found, although a practically relevant change would have been.

No better, worse or no clear change without an interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .settings import EstimateSettings

VERDICTS = ("better", "worse", "no clear change", "too little data", "unreliable", "not available")


def _pct(x: pd.Series) -> pd.Series:
    return (100.0 * x).map(lambda v: f"{v:+.1f}%" if np.isfinite(v) else "n/a")


def _num(x: pd.Series) -> pd.Series:
    return x.map(lambda v: f"{v:+.3g}" if np.isfinite(v) else "n/a")


def decide(effects: pd.DataFrame, directions: pd.Series, settings: EstimateSettings) -> pd.DataFrame:
    """Fill ``verdict`` and ``verdict_reason``. Expects the effect columns, the adjusted p-values,
    ``preset_verdict``/``preset_reason`` (rows without an estimate) and ``placebo_unreliable``/
    ``placebo_reason``; ``directions`` maps metric_id -> 'up'/'down'."""
    out = effects.copy()
    company = out["scope_type"] == "company"
    adjusted = out["p_value_holm"].where(company, out["p_value_bh"])
    has_interval = out["effect_ci_low"].notna() & out["effect_ci_high"].notna() & out["effect"].notna()
    excludes_zero = (out["effect_ci_low"] > 0) | (out["effect_ci_high"] < 0)
    found = has_interval & (adjusted < settings.alpha) & excludes_zero
    up = out["metric_id"].map(directions).eq("up")
    improves = (out["effect"] > 0) == up
    coarse = out["mde_relative"] > settings.practical_relative_effect
    preset = out["preset_verdict"].notna()
    unreliable = out["placebo_unreliable"].fillna(False).astype(bool) & has_interval

    relative_text = (_pct(out["relative_effect"]) + " (95% interval " + _pct(out["relative_effect_ci_low"])
                     + " to " + _pct(out["relative_effect_ci_high"]) + ")")
    absolute_text = (_num(out["effect"]) + " (95% interval " + _num(out["effect_ci_low"]) + " to "
                     + _num(out["effect_ci_high"]) + ")")
    estimate_text = relative_text.where(out["relative_effect"].notna(), absolute_text)
    p_text = adjusted.map(lambda v: f"adjusted p = {v:.3g}" if np.isfinite(v) else "")
    mde_text = ("could detect " + (100.0 * out["mde_relative"]).map(lambda v: f"+-{v:.0f}%" if v < 1000
                                                                     else "only changes beyond +-1000%")
                + f" (practical size {100 * settings.practical_relative_effect:.0f}%)")

    conditions = [preset, ~has_interval, unreliable, found & improves, found & ~improves, coarse]
    verdicts = ["preset", "not available", "unreliable", "better", "worse", "too little data"]
    out["verdict"] = np.select(conditions, verdicts, default="no clear change")
    out.loc[preset, "verdict"] = out.loc[preset, "preset_verdict"]
    reasons = np.select(
        conditions,
        [out["preset_reason"].fillna(""), pd.Series("no estimate with an interval", index=out.index),
         out["placebo_reason"].fillna(""), estimate_text + ", " + p_text, estimate_text + ", " + p_text,
         mde_text],
        default=estimate_text + " is within what chance allows (" + p_text + ")")
    out["verdict_reason"] = reasons
    return out
