"""Interrupted time series: the CRM's effect as a step in the metric's monthly series.

    y(t) = level + trend * years(t) + season(month of t) + step * post(t) + e(t),   e AR(1)

fitted to the pre-go-live months (crm_period 'outside' and 'baseline') and the post months; ramp-up months
are left out. The counterfactual of a month is the fit without the step. Amounts, counts and durations are
modelled on a log scale (see series.LOG_UNITS): the step is then a log ratio. Which terms enter:
design.choose_terms; how the errors are handled: ar1_gls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ar1_gls import Ar1Fit, fit_ar1
from .design import Terms, choose_terms
from .results import NoEstimate, StepEstimate
from .series import Series
from .settings import EstimateSettings


@dataclass(frozen=True)
class ItsFit:
    """A fitted ITS model: enough to predict the counterfactual of any month."""

    series: Series
    terms: Terms
    fit: Ar1Fit
    log_scale: bool
    smearing: float  # mean of exp(residual) on a log scale (Duan), 1 otherwise

    @property
    def counterfactual_params(self) -> np.ndarray:
        return self.fit.params[:-1]

    @property
    def counterfactual_cov(self) -> np.ndarray:
        return self.fit.cov[:-1, :-1]

    def link_prediction(self, months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Counterfactual on the model's scale and the design rows it comes from."""
        rows = self.terms.matrix(months)
        return rows @ self.counterfactual_params, rows

    def counterfactual(self, months: np.ndarray) -> np.ndarray:
        """The metric without the CRM, in its own unit."""
        link, _ = self.link_prediction(months)
        return np.exp(link) * self.smearing if self.log_scale else link


def too_little(series: Series, settings: EstimateSettings) -> NoEstimate | None:
    """The reason a series cannot carry a model, or None."""
    n_pre, n_post = int(series.pre.sum()), int(series.post.sum())
    if n_post == 0:
        return NoEstimate("not available", "no months with a value after the ramp-up", pre_months=n_pre)
    if n_pre == 0:
        return NoEstimate("not available", "no months with a value before the go-live", post_months=n_post)
    if n_pre < settings.min_pre_months or n_post < settings.min_post_months:
        return NoEstimate(
            "too little data",
            f"{n_pre} months before the go-live and {n_post} after the ramp-up; a model needs "
            f"{settings.min_pre_months} and {settings.min_post_months}",
            pre_months=n_pre, post_months=n_post)
    return None


def fit_its(series: Series, settings: EstimateSettings) -> tuple[StepEstimate, ItsFit] | NoEstimate:
    """Fit the ITS model to one series; a NoEstimate when the history is too short."""
    missing = too_little(series, settings)
    if missing is not None:
        return missing
    pre, post = series.pre, series.post
    terms = choose_terms(series.months[pre], settings)
    if terms is None:  # pragma: no cover - too_little already checked the months
        return NoEstimate("too little data", "too few months before the go-live")
    used = pre | post
    months = series.months[used]
    log_scale = series.log_scale
    y = series.values[used]
    if log_scale:
        y = np.log(y)
    X = terms.matrix(months, step=post[used])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return NoEstimate("too little data", "the months observed cannot separate trend, season and effect",
                          pre_months=int(pre.sum()), post_months=int(post.sum()))
    fit = fit_ar1(y, X, months, settings.rho_grid_size)
    smearing = float(np.mean(np.exp(fit.residuals))) if log_scale else 1.0
    model = ItsFit(series, terms, fit, log_scale, smearing)
    n_pre, n_post = int(pre.sum()), int(post.sum())
    cf_mean = float(np.mean(model.counterfactual(series.months[post])))
    if np.all(series.values[pre] == 0):
        cf_mean = 0.0  # nothing before the go-live (e.g. CRM adoption): a relative change has no meaning
    detail = (f"{terms.describe()}, {n_pre} pre months, {n_post} post months, AR(1) errors "
              f"(rho {fit.rho_mean:.2f}){', log scale' if log_scale else ''}")
    estimate = StepEstimate(method="its", method_detail=detail, pre_months=n_pre, post_months=n_post,
                            step=float(fit.params[-1]), se=float(np.sqrt(fit.cov[-1, -1])), df=float(fit.df),
                            log_scale=log_scale, counterfactual_mean=cf_mean, alpha=settings.alpha,
                            power=settings.power)
    return estimate, model
