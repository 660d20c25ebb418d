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

from scipy import special

from .ar1_gls import Ar1Fit, fit_ar1_many, full_rank, last_coefficient_many
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
    return fit_its_many([series], settings)[0]


def fit_its_many(many: list[Series], settings: EstimateSettings,
                 p_values_only: bool = False) -> list[tuple[StepEstimate, ItsFit] | NoEstimate | float]:
    """``fit_its`` of every series, in order. Series with the same months before and after the go-live have
    the same design, so they are fitted in one batch (ar1_gls.fit_ar1_many): hundreds of employees cost
    about what a few company series cost. ``p_values_only``: just the step's p-value (NaN without a
    standard error) instead of the estimate, for the placebos."""
    out: list[tuple[StepEstimate, ItsFit] | NoEstimate | None] = [None] * len(many)
    groups: dict[tuple, list[int]] = {}
    for i, series in enumerate(many):
        missing = too_little(series, settings)
        if missing is not None:
            out[i] = missing
            continue
        used = series.pre | series.post
        key = (series.months[used].tobytes(), series.post[used].tobytes())
        groups.setdefault(key, []).append(i)
    for members in groups.values():
        first = many[members[0]]
        pre, post = first.pre, first.post
        terms = choose_terms(first.months[pre], settings)
        used = pre | post
        months = first.months[used]
        X = terms.matrix(months, step=post[used])
        if not full_rank(X):
            for i in members:
                out[i] = NoEstimate("too little data", "the months observed cannot separate trend, season and effect",
                                    pre_months=int(pre.sum()), post_months=int(post.sum()))
            continue
        logs = [many[i].log_scale for i in members]
        Y = np.vstack([np.log(many[i].values[many[i].pre | many[i].post]) if log
                       else many[i].values[many[i].pre | many[i].post] for i, log in zip(members, logs)])
        if p_values_only:
            for start in range(0, len(members), _BATCH):
                step, se, df = last_coefficient_many(Y[start:start + _BATCH], X, months, settings.rho_grid_size)
                with np.errstate(divide="ignore", invalid="ignore"):
                    p = np.where(se > 0, 2.0 * special.stdtr(df, -np.abs(step / se)), np.nan)
                for i, value in zip(members[start:start + _BATCH], p):
                    out[i] = float(value)
            continue
        fits = []
        for start in range(0, len(members), _BATCH):
            fits += fit_ar1_many(Y[start:start + _BATCH], X, months, settings.rho_grid_size)
        for i, log_scale, fit in zip(members, logs, fits):
            out[i] = _its_result(many[i], terms, fit, log_scale, settings)
    return out  # type: ignore[return-value]


_BATCH = 256  # series per batch: bounds the (series x grid x months) arrays to a few MB


def _its_result(series: Series, terms: Terms, fit: Ar1Fit, log_scale: bool,
                settings: EstimateSettings) -> tuple[StepEstimate, ItsFit]:
    pre, post = series.pre, series.post
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
