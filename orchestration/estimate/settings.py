"""Every setting of the estimator, in one place (the lead exposes them as project settings).

Why each default is what it is: docs/methods.md and docs/DECISIONLOG.md ("Estimates and verdicts").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EstimateSettings:
    """How effects are estimated and judged. Every field has a default."""

    alpha: float = 0.05
    """Significance level: two-sided tests, (1 - alpha) intervals, family-wise (Holm) or false-discovery
    (Benjamini-Hochberg) rate of the adjusted p-values."""

    power: float = 0.80
    """Power at which the minimum detectable effect (MDE) is stated."""

    practical_relative_effect: float = 0.10
    """A relative change below this size is what a business would still care about. A row whose test finds
    nothing and that could only detect changes larger than this says 'too little data', not 'no clear
    change'."""

    min_pre_months: int = 12
    """Pre-go-live months (crm_period 'outside' and 'baseline') a model needs: one full year, so that the
    season can be told apart from the effect. With fewer: 'too little data'."""

    min_post_months: int = 3
    """Post months (after the ramp-up) a model needs. With fewer: 'too little data'."""

    min_residual_months: int = 6
    """Pre-go-live months that must be left over after the counterfactual's terms (level, trend, season) are
    fitted; decides between month effects and Fourier pairs (see design.py)."""

    max_fourier_pairs: int = 5
    """Most 12-month Fourier pairs used when month effects do not fit the history."""

    rho_grid_size: int = 60
    """Points of the grid over the AR(1) coefficient (-0.9 .. 0.98) on which its restricted likelihood is
    evaluated (ar1_gls.py)."""

    placebo_max_runs: int = 6
    """Most fake go-lives tried inside the pre-period per metric and scope."""

    placebo_min_hits: int = 2
    """A metric is 'unreliable' when at least this many placebo go-lives fire ..."""

    placebo_max_share: float = 1 / 3
    """... and more than this share of them fire (chance alone fires about alpha of them)."""

    did_min_units: int = 2
    """Units (departments or regions) each side of a staged rollout's DiD needs: at least this many treated
    and this many not-yet-treated with a complete series."""

    scope_types: tuple[str, ...] | None = None
    """Scope types to estimate besides the company (e.g. ("department",)); None: every scope type of the
    monthly series. Company rows do not depend on it (their Holm family is the company rows; a staged
    rollout's DiD reads the department or region series itself)."""

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 0.5:
            raise ValueError(f"EstimateSettings.alpha must be in (0, 0.5), got {self.alpha!r}")
        if not 0.5 <= self.power < 1:
            raise ValueError(f"EstimateSettings.power must be in [0.5, 1), got {self.power!r}")
        if not self.practical_relative_effect > 0:
            raise ValueError("EstimateSettings.practical_relative_effect must be > 0, "
                             f"got {self.practical_relative_effect!r}")
        for name, minimum in (("min_pre_months", 4), ("min_post_months", 1), ("min_residual_months", 2),
                              ("max_fourier_pairs", 0), ("rho_grid_size", 5), ("placebo_max_runs", 0),
                              ("placebo_min_hits", 1), ("did_min_units", 2)):
            value = getattr(self, name)
            if not isinstance(value, int) or value < minimum:
                raise ValueError(f"EstimateSettings.{name} must be a whole number >= {minimum}, got {value!r}")
