"""Placebo in time: the same estimator with fake go-lives inside the pre-go-live months.

The pre-go-live months alone are treated as a whole history: a fake go-live at the k-th of them makes the
first k months the fake 'before' and the rest the fake 'after' (no ramp-up: nothing happened). Fake
go-lives are placed where the fake history still carries a model: k from ``min_pre_months`` to
n_pre - ``min_post_months``, at most ``placebo_max_runs`` of them spread evenly over that range (with 20
months of history: the 12th to the 17th month, six runs). The model's terms follow the same rule as for
the real go-live (design.choose_terms), so a placebo on 12 months has fewer season terms than the real
fit on 20.

A placebo "fires" when its test rejects at ``alpha`` (unadjusted). By chance about alpha of them fire, and
neighbouring placebos share most of their months, so hits come in clusters; a metric is 'unreliable' when
at least ``placebo_min_hits`` fire and more than ``placebo_max_share`` of its runs do (rate of false
flags on series without any effect: docs/methods.md). What it catches: series whose history the model
does not describe (a drift that bends, a level shift before the go-live), on which the real estimate
would be credited with that change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .its import fit_its_many
from .series import POST_PERIOD, Series
from .settings import EstimateSettings


@dataclass(frozen=True)
class PlaceboResult:
    runs: int
    hits: int

    def unreliable(self, settings: EstimateSettings) -> bool:
        return self.hits >= settings.placebo_min_hits and self.hits > settings.placebo_max_share * self.runs

    def describe(self) -> str:
        return f"{self.hits} of {self.runs} placebo go-lives before the real one fired"


def placebo_positions(n_pre: int, settings: EstimateSettings) -> list[int]:
    """Indices (into the observed pre-go-live months) of the first fake 'after' month."""
    first, last = settings.min_pre_months, n_pre - settings.min_post_months
    if last < first or settings.placebo_max_runs == 0:
        return []
    count = min(settings.placebo_max_runs, last - first + 1)
    return sorted({int(round(v)) for v in np.linspace(first, last, count)})


def run_placebos(series: Series, settings: EstimateSettings) -> PlaceboResult:
    return run_placebos_many([series], settings)[0]


def run_placebos_many(many: list[Series], settings: EstimateSettings) -> list[PlaceboResult]:
    """``run_placebos`` of every series, in order: every fake history of every series is fitted in one call
    of its.fit_its_many, which batches the fake histories that share their months."""
    fakes: list[Series] = []
    parent: list[int] = []
    for i, series in enumerate(many):
        pre = series.pre
        for k in placebo_positions(int(pre.sum()), settings):
            period = np.where(np.cumsum(pre) > k, POST_PERIOD, "baseline")
            fakes.append(series.restricted(pre, period))
            parent.append(i)
    runs = np.zeros(len(many), dtype=np.int64)
    hits = np.zeros(len(many), dtype=np.int64)
    for i, result in zip(parent, fit_its_many(fakes, settings, p_values_only=True)):
        if not isinstance(result, float):
            continue
        runs[i] += 1
        hits[i] += int(result < settings.alpha)  # NaN (no standard error) never fires
    return [PlaceboResult(int(r), int(h)) for r, h in zip(runs, hits)]
