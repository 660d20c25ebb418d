"""Minimum detectable effect: the smallest true step the test finds with probability ``power``.

    MDE = (t_{1 - alpha/2, df} + t_{power, df}) * SE(step)

SE is the model's own standard error of the step, so the MDE carries the history's month-to-month
variability, its autocorrelation (ar1_gls) and the extrapolation of trend and season. On a log scale the
MDE is a log ratio, stated as the relative change exp(MDE) - 1.
"""

from __future__ import annotations

from scipy import special


def mde_step(se: float, df: float, alpha: float, power: float) -> float:
    return float((special.stdtrit(df, 1.0 - alpha / 2.0) + special.stdtrit(df, power)) * se)
