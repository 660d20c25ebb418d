"""What a model returns for one metric and scope: a step estimate, or the reason there is none."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special



@dataclass(frozen=True)
class StepEstimate:
    """The effect of the CRM on the post-period mean, with its interval, p-value and MDE.

    On a log scale the model's step is a log ratio; ``effect`` is then the relative effect times the
    counterfactual mean, so relative_effect = effect / |counterfactual_mean| holds on both scales.
    """

    method: str  # 'its' or 'did'
    method_detail: str
    pre_months: int
    post_months: int
    step: float  # the model's coefficient (log ratio on a log scale)
    se: float
    df: float
    log_scale: bool
    counterfactual_mean: float
    alpha: float
    power: float

    @property
    def t_crit(self) -> float:
        return float(special.stdtrit(self.df, 1.0 - self.alpha / 2.0))

    @property
    def p_value(self) -> float:
        if not self.se > 0:
            return float("nan")
        return float(2.0 * special.stdtr(self.df, -abs(self.step / self.se)))

    def _relative(self, step: float) -> float:
        if self.log_scale:
            return float(np.expm1(step))
        scale = abs(self.counterfactual_mean)
        return float(step / scale) if scale > 0 else float("nan")

    @property
    def step_ci(self) -> tuple[float, float]:
        half = self.t_crit * self.se
        return self.step - half, self.step + half

    @property
    def relative_effect(self) -> float:
        return self._relative(self.step)

    @property
    def relative_ci(self) -> tuple[float, float]:
        low, high = self.step_ci
        return self._relative(low), self._relative(high)

    def _absolute(self, step: float) -> float:
        if self.log_scale:
            return float(np.expm1(step) * self.counterfactual_mean)
        return float(step)

    @property
    def effect(self) -> float:
        return self._absolute(self.step)

    @property
    def effect_ci(self) -> tuple[float, float]:
        low, high = self.step_ci
        return self._absolute(low), self._absolute(high)


@dataclass(frozen=True)
class NoEstimate:
    """No model could be fitted: the verdict ('too little data' or 'not available') and why."""

    verdict: str
    reason: str
    method_detail: str = ""
    pre_months: int = 0
    post_months: int = 0
