"""Calendar, seasonality, growth trend and time-of-day: when things happen.

Why this exists: a before/after comparison of a CRM is only a fair test when the data has the
patterns that fool a naive comparison. Every event volume here follows the same three
multiplicative patterns, with and without the CRM:

* month of year (December peak around Black Friday and New Year, summer dip),
* day of week (fewer orders and requests at weekends, no office work at weekends),
* a growth trend of about 10% a year in volume (plus yearly price increases in ``sales``),
* month-to-month demand shocks: the log of each month's demand multiplier is an AR(1) process (a good
  month tends to be followed by another: a competitor's trouble, a large project, the economy), so the
  monthly series are autocorrelated as real ones are, beyond their season and trend,

so the post-go-live period looks better than the baseline even without any CRM effect, and a
season-adjusted comparison differs from the naive one.

Time is handled as int64 seconds since 1970-01-01 (naive, meaning UTC) and days as int day
numbers. "Operational time" stretches the calendar by the day weights: a gap of G operational
days lands on busy days more often than on quiet ones, which is how recurring customer orders
inherit the seasonality without a loop over days.
"""

from __future__ import annotations

import calendar as _calendar
from datetime import date

import numpy as np

DAY = 86_400
HOUR = 3_600

ANNUAL_GROWTH = 0.10  # volume growth of the business, per year
WARMUP_YEARS = 4  # customers and staff are simulated this long before the export starts

# Jan..Dec, mean 1: New Year and Black Friday peak, summer dip.
MONTH_FACTORS = np.array([0.86, 0.88, 0.97, 1.00, 0.98, 0.92, 0.85, 0.88, 1.02, 1.06, 1.16, 1.42])
MONTH_FACTORS = MONTH_FACTORS / MONTH_FACTORS.mean()

# Monday..Sunday.
WEEKDAY_FACTORS = {
    "orders": np.array([1.10, 1.08, 1.06, 1.04, 1.00, 0.50, 0.36]),
    "service": np.array([1.15, 1.06, 1.02, 1.00, 0.95, 0.52, 0.40]),
    "office": np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0]),  # staff work Monday to Friday
}

DEMAND_KINDS = ("orders", "service")  # the kinds of volume the month shocks move

# Share of events per hour of day 0..23.
HOUR_PROFILES = {
    # online and phone orders: working day plus an evening bump from retail customers
    "orders": np.array([0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 4.5, 6.0, 6.5,
                        6.0, 6.2, 6.4, 6.2, 5.8, 5.2, 4.8, 5.0, 4.8, 3.6, 2.0, 0.9]),
    # customer requests: office hours with a long tail into the evening
    "service": np.array([0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 2.0, 4.5, 6.5, 7.0, 6.8,
                         6.0, 6.4, 6.6, 6.3, 5.8, 5.0, 3.8, 3.0, 2.4, 1.6, 1.0, 0.6]),
    # staff activity: 9 to 18 with a lunch dip
    "office": np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.05, 0.6, 5.0, 11.0, 12.5, 12.0,
                        7.0, 10.5, 12.0, 11.5, 10.0, 6.5, 1.0, 0.3, 0.1, 0.0, 0.0, 0.0]),
}
for _k, _v in HOUR_PROFILES.items():
    HOUR_PROFILES[_k] = _v / _v.sum()


def day_number(d: date) -> int:
    """Days since 1970-01-01."""
    return int(np.datetime64(d, "D").astype(np.int64))


def month_start_days(first_day: int, last_day: int) -> np.ndarray:
    """Day numbers of the first day of every month touching [first_day, last_day]."""
    m0 = np.datetime64(int(first_day), "D").astype("datetime64[M]")
    m1 = np.datetime64(int(last_day), "D").astype("datetime64[M]")
    months = np.arange(m0, m1 + 1)
    return months.astype("datetime64[D]").astype(np.int64)


def month_index(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of day numbers (vectorised)."""
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_start_of(days: np.ndarray) -> np.ndarray:
    """Day number of the first day of the month of each day."""
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def add_months(d: date, months: int) -> date:
    """Same day of month, ``months`` later (clipped to the month's last day)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, _calendar.monthrange(year, month)[1]))


def month_shocks(rng: np.random.Generator, n_months: int, ar: float, sd: float) -> np.ndarray:
    """Demand multipliers of n consecutive months: exp(x_m - sd^2/2) with x AR(1), coefficient ``ar`` and
    stationary standard deviation ``sd`` (mean 1, so the trend stays the trend). sd = 0: all ones."""
    if sd == 0:
        return np.ones(n_months)
    innovations = rng.standard_normal(n_months) * sd * np.sqrt(1.0 - ar * ar)
    x = np.empty(n_months)
    x[0] = rng.standard_normal() * sd
    for m in range(1, n_months):  # one step per month, not per row
        x[m] = ar * x[m - 1] + innovations[m]
    return np.exp(x - sd * sd / 2.0)


class Timeline:
    """The simulated calendar: warm-up years plus the export window [start, end]."""

    def __init__(self, start: date, end: date, shocks: np.ndarray | None = None) -> None:
        self.start_day = day_number(start)
        self.end_day = day_number(end)
        self.first_day = day_number(date(start.year - WARMUP_YEARS, start.month, 1))
        self.days = np.arange(self.first_day, self.end_day + 1, dtype=np.int64)
        self.weekday = (self.days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        self.month_of_year = month_index(self.days) % 12
        self.start_ts = self.start_day * DAY
        self.end_ts = self.end_day * DAY + DAY - 1  # last second of the export
        self._optime: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        month = month_index(self.days)
        self.month_number = month - month[0]
        self.n_months = int(self.month_number[-1]) + 1
        # demand multiplier of every grid day (its month's shock); ones when shocks are off
        self.shock = np.ones(len(self.days)) if shocks is None else np.asarray(shocks)[self.month_number]

    # ---- volumes ------------------------------------------------------------------------------
    def trend(self, days: np.ndarray | int) -> np.ndarray:
        """Volume growth factor, 1.0 on the first day of the export."""
        return np.exp(np.log1p(ANNUAL_GROWTH) * (np.asarray(days) - self.start_day) / 365.25)

    def day_weights(self, kind: str) -> np.ndarray:
        """Season x weekday weight of every day of the grid (mean about 1); customer demand ("orders",
        "service") also carries its month's shock."""
        wd = WEEKDAY_FACTORS[kind]
        weights = MONTH_FACTORS[self.month_of_year] * (wd / wd.mean())[self.weekday]
        return weights * self.shock if kind in DEMAND_KINDS else weights

    def sample_days(self, rng: np.random.Generator, per_day: np.ndarray) -> np.ndarray:
        """Days of Poisson events with the given expected count per grid day."""
        counts = rng.poisson(per_day)
        return np.repeat(self.days, counts)

    # ---- operational time -------------------------------------------------------------------
    def _cum(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        if kind not in self._optime:
            w = self.day_weights(kind)
            end = np.cumsum(w)
            self._optime[kind] = (end - w, end)
        return self._optime[kind]

    def to_optime(self, kind: str, day: np.ndarray) -> np.ndarray:
        """Operational time at the middle of each day."""
        start, end = self._cum(kind)
        i = np.clip(np.asarray(day) - self.first_day, 0, len(end) - 1)  # days past the grid: its last day
        return (start[i] + end[i]) / 2.0

    def from_optime(self, kind: str, tau: np.ndarray) -> np.ndarray:
        """Day on which operational time ``tau`` falls; days past the grid get end_day + 1."""
        _, end = self._cum(kind)
        i = np.searchsorted(end, tau, side="right")
        return np.where(i < len(end), self.first_day + np.minimum(i, len(end) - 1), self.end_day + 1)

    def shift_days(self, kind: str, day: np.ndarray, delta: np.ndarray) -> np.ndarray:
        """Move events by ``delta`` operational days (busy days are reached more often)."""
        return self.from_optime(kind, self.to_optime(kind, day) + delta)

    # ---- time of day ------------------------------------------------------------------------
    @staticmethod
    def time_of_day(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
        """Seconds after midnight, drawn from the hour profile of ``kind``."""
        hours = rng.choice(24, size=n, p=HOUR_PROFILES[kind])
        return hours * HOUR + rng.integers(0, HOUR, size=n)

    def stamp(self, rng: np.random.Generator, days: np.ndarray, kind: str) -> np.ndarray:
        """Timestamps (seconds) on the given days at a time of day typical for ``kind``."""
        days = np.asarray(days, dtype=np.int64)
        return days * DAY + self.time_of_day(rng, len(days), kind)

    def working_days(self) -> np.ndarray:
        """Monday-to-Friday day numbers of the export window."""
        d = self.days[(self.days >= self.start_day) & (self.weekday < 5)]
        return d


def lognormal(rng: np.random.Generator, median: float | np.ndarray, sigma: float, size: int) -> np.ndarray:
    """Log-normal draws given the median (durations, amounts: skewed, never negative)."""
    return np.asarray(median) * np.exp(sigma * rng.standard_normal(size))


def mean_one_noise(rng: np.random.Generator, sigma: float, size: int | None = None) -> np.ndarray:
    """Multiplicative log-normal noise with mean exactly 1 (keeps expected values unbiased)."""
    return np.exp(sigma * rng.standard_normal(size) - sigma * sigma / 2.0)
