"""The terms of the interrupted time-series model, and the rule that decides which enter.

counterfactual(t) = level + trend * years(t) + season(month of t);   y(t) = counterfactual(t) + step * post(t) + e(t)

Which terms enter is decided by the number of pre-go-live months n_pre (the months that identify the
counterfactual), so that at least ``min_residual_months`` of them are left over after the counterfactual's
terms are fitted:

* fewer than ``min_pre_months`` (12): no model ('too little data'): with less than a year the season cannot
  be told apart from the effect;
* level and a linear trend always (on a log scale for amounts, counts and durations, so the trend is a
  growth rate): a growing business must not pass for an effect, and the trend costs one coefficient;
* month effects (11 coefficients) when n_pre - 13 >= min_residual_months (19 months by default): any shape
  of season, e.g. the December peak that a few Fourier pairs smooth away;
* otherwise the most 12-month Fourier pairs K (up to ``max_fourier_pairs``) with n_pre - (2 + 2K) >=
  min_residual_months: K = 2 at 12 pre months, K = 5 at 18.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .settings import EstimateSettings

MONTH_EFFECTS = "month effects"


@dataclass(frozen=True)
class Terms:
    """Which terms the counterfactual has; builds design rows for any months."""

    season: str  # MONTH_EFFECTS, "fourier" or "none"
    fourier_pairs: int
    trend_center: float  # month index at which the trend term is 0

    def matrix(self, months: np.ndarray, step: np.ndarray | None = None) -> np.ndarray:
        """Rows for integer months (months since 1970-01); the last column is the step when given."""
        t = np.asarray(months, dtype=np.float64)
        cols = [np.ones_like(t), (t - self.trend_center) / 12.0]
        moy = np.mod(np.asarray(months, dtype=np.int64), 12)
        if self.season == MONTH_EFFECTS:
            cols += [(moy == m).astype(np.float64) for m in range(1, 12)]
        elif self.season == "fourier":
            for k in range(1, self.fourier_pairs + 1):
                angle = 2.0 * np.pi * k * moy / 12.0
                cols += [np.sin(angle), np.cos(angle)]
        if step is not None:
            cols.append(np.asarray(step, dtype=np.float64))
        return np.column_stack(cols)

    @property
    def n_counterfactual(self) -> int:
        return 2 + (11 if self.season == MONTH_EFFECTS else 2 * self.fourier_pairs)

    def describe(self) -> str:
        if self.season == MONTH_EFFECTS:
            return "trend + season (month effects)"
        if self.season == "fourier":
            return f"trend + season ({self.fourier_pairs} Fourier pair{'s' if self.fourier_pairs > 1 else ''})"
        return "trend, no season"


def choose_terms(pre_months: np.ndarray, settings: EstimateSettings) -> Terms | None:
    """The terms for a series with these pre-go-live months (None: too few for a model)."""
    pre = np.unique(np.asarray(pre_months, dtype=np.int64))
    n_pre = len(pre)
    if n_pre < settings.min_pre_months:
        return None
    center = float(pre.mean())
    spare = settings.min_residual_months
    if n_pre - 13 >= spare and len(np.unique(pre % 12)) == 12:
        return Terms(MONTH_EFFECTS, 0, center)
    pairs = min(settings.max_fourier_pairs, (n_pre - 2 - spare) // 2)
    if pairs >= 1:
        return Terms("fourier", int(pairs), center)
    return Terms("none", 0, center)
