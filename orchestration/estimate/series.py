"""One metric's monthly series in one scope, as the models need it.

Why a separate step: every model (ITS, placebo, DiD) reads the same months the same way: ramp-up months
never count, 'outside' and 'baseline' months are all history, and a month without a value (a ratio with
no records) is simply not observed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

PRE_PERIODS = ("outside", "baseline")
POST_PERIOD = "post"
RAMP_UP_PERIOD = "ramp_up"

# Units whose effects and trends are multiplicative (a CRM makes responses 30% faster, a business grows
# 10% a year): modelled on a log scale when every value is positive. Rates, scores and points are
# modelled as they are (a CRM raises a conversion rate by points).
LOG_UNITS = frozenset({"money", "count", "hours", "minutes"})


def month_number(month_start: pd.Series | np.ndarray) -> np.ndarray:
    """Months since 1970-01 of dates (vectorised)."""
    return np.asarray(pd.to_datetime(month_start).values.astype("datetime64[M]").astype(np.int64))


@dataclass(frozen=True)
class Series:
    """The rows of int_kpi__monthly of one metric and scope, sorted by month."""

    metric_id: str
    scope_type: str
    scope_value: str
    unit: str
    month_start: np.ndarray  # datetime64[D]
    months: np.ndarray  # int months since 1970-01
    values: np.ndarray  # float, NaN where the month has no value
    period: np.ndarray  # crm_period per month

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, unit: str) -> "Series":
        """From the rows of one metric and scope (any order)."""
        return next(iter_series(frame, {str(frame["metric_id"].iloc[0]): unit}))

    # cached: every model reads them several times, and an export has thousands of series (employees)
    @cached_property
    def observed(self) -> np.ndarray:
        return np.isfinite(self.values)

    @cached_property
    def pre(self) -> np.ndarray:
        return np.isin(self.period, PRE_PERIODS) & self.observed

    @cached_property
    def post(self) -> np.ndarray:
        return (self.period == POST_PERIOD) & self.observed

    @property
    def after_go_live(self) -> np.ndarray:
        """Ramp-up and post months (with or without a value): the rows of the counterfactual table."""
        return np.isin(self.period, (RAMP_UP_PERIOD, POST_PERIOD))

    @cached_property
    def log_scale(self) -> bool:
        used = self.values[self.pre | self.post]
        return self.unit in LOG_UNITS and len(used) > 0 and bool(np.all(used > 0))

    def restricted(self, keep: np.ndarray, period: np.ndarray | None = None) -> "Series":
        """The same series on a subset of months (placebos), optionally with other periods."""
        return Series(self.metric_id, self.scope_type, self.scope_value, self.unit, self.month_start[keep],
                      self.months[keep], self.values[keep],
                      (self.period if period is None else period)[keep])


def iter_series(monthly: pd.DataFrame, units: dict[str, str]):
    """Every (metric, scope) series of int_kpi__monthly rows, sorted by key; ``units``: metric_id -> unit.
    Sorts once and slices arrays (no DataFrame per series)."""
    if monthly.empty:
        return
    frame = monthly.sort_values(["metric_id", "scope_type", "scope_value", "month_start"], kind="stable")
    metric = frame["metric_id"].astype(str).to_numpy()
    scope_type = frame["scope_type"].astype(str).to_numpy()
    scope_value = frame["scope_value"].astype(str).to_numpy()
    month_start = pd.to_datetime(frame["month_start"]).to_numpy().astype("datetime64[D]")
    months = month_start.astype("datetime64[M]").astype(np.int64)
    values = pd.to_numeric(frame["metric_value"], errors="coerce").to_numpy(dtype=np.float64)
    period = frame["crm_period"].astype(str).to_numpy()
    change = np.flatnonzero((metric[1:] != metric[:-1]) | (scope_type[1:] != scope_type[:-1])
                            | (scope_value[1:] != scope_value[:-1])) + 1
    bounds = np.concatenate([[0], change, [len(frame)]])
    for start, stop in zip(bounds[:-1], bounds[1:]):
        part = slice(int(start), int(stop))
        yield Series(metric[start], scope_type[start], scope_value[start], units.get(metric[start], ""),
                     month_start[part], months[part], values[part], period[part])
