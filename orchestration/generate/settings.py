"""Settings of one generator run, the sizes derived from ``scale``, and seeded random streams.

Every module takes its random numbers from its own named stream (``Settings.rng("orders")``),
so the output depends only on the arguments: two runs with the same arguments write the same
bytes, and changing how one table is made does not reshuffle every other table.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date

import numpy as np

FORMATS = ("csv", "parquet")
ROLLOUTS = ("company", "staged")
REPORTING_CURRENCY = "UAH"
STAGED_DELAY_MONTHS = 6  # the second rollout wave goes live this many months after the first
# Month-level demand shocks (docs/generator.md, "Month-to-month shocks"): the log of a month's demand
# multiplier is AR(1) with this coefficient and this standard deviation (of the stationary process).
MONTH_SHOCK_AR = 0.5
MONTH_SHOCK_SD = 0.05


@dataclass(frozen=True)
class Settings:
    """The arguments of ``generate_export``, validated."""

    scale: float = 0.01
    seed: int = 42
    fmt: str = "csv"
    go_live: date = date(2024, 9, 1)
    rollout: str = "company"
    dirty: float = 0.0
    ramp_up_days: int = 90
    start: date = date(2023, 1, 1)
    end: date = date(2025, 12, 31)
    effects: dict = field(default_factory=dict)
    month_shock_ar: float = MONTH_SHOCK_AR
    month_shock_sd: float = MONTH_SHOCK_SD

    def __post_init__(self) -> None:
        if not (self.scale > 0):
            raise ValueError(f"scale must be > 0, got {self.scale!r}")
        if self.fmt not in FORMATS:
            raise ValueError(f"fmt must be one of {FORMATS}, got {self.fmt!r}")
        if self.rollout not in ROLLOUTS:
            raise ValueError(f"rollout must be one of {ROLLOUTS}, got {self.rollout!r}")
        if not (0.0 <= self.dirty < 0.5):
            raise ValueError(f"dirty is a share of rows in [0, 0.5), got {self.dirty!r}")
        if self.ramp_up_days < 0:
            raise ValueError(f"ramp_up_days must be >= 0, got {self.ramp_up_days!r}")
        if not (self.start < self.go_live <= self.end):
            raise ValueError(f"go_live {self.go_live} must fall after start {self.start} and not after end {self.end}")
        if not (-1.0 < self.month_shock_ar < 1.0):
            raise ValueError(f"month_shock_ar is an AR(1) coefficient in (-1, 1), got {self.month_shock_ar!r}")
        if not (0.0 <= self.month_shock_sd < 1.0):
            raise ValueError(f"month_shock_sd is a standard deviation of log demand in [0, 1), "
                             f"got {self.month_shock_sd!r}")
        if (self.end - self.start).days < 180:
            raise ValueError("the export must cover at least 180 days")

    # ---- random streams -------------------------------------------------------------------
    def rng(self, name: str) -> np.random.Generator:
        """A generator for one named part of the export, independent of all other parts."""
        return np.random.default_rng([int(self.seed), zlib.crc32(name.encode("utf-8"))])

    # ---- sizes ------------------------------------------------------------------------------
    @property
    def staff_factor(self) -> float:
        """Headcount grows with the square root of scale: a 100x bigger export has 10x the staff
        (a few hundred people at scale 1), so small demos still have every department."""
        return float(np.sqrt(self.scale))
