"""The analysis settings, checked once and handed to dbt as vars.

dbt validates them again (macros/settings.sql), so a wrong value given
straight to dbt with --vars is caught too; checking here first lets the CLI and
Dagster name the setting before any work starts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SettingError(ValueError):
    """A setting has a value that cannot be right; the message names it."""


@dataclass(frozen=True)
class AnalysisSettings:
    """What the before/after comparison depends on (dbt vars of the same names).

    None means "use the default in dbt_project.yml".
    """

    crm_go_live_date: str | None = None
    crm_ramp_up_days: int | None = None
    crm_baseline_months: int | None = None
    retention_window_months: int | None = None
    crm_timezone: str | None = None
    reporting_currency: str | None = None

    def __post_init__(self) -> None:
        if self.crm_go_live_date is not None:
            try:
                dt.date.fromisoformat(str(self.crm_go_live_date))
            except ValueError:
                raise SettingError(
                    f"Setting crm_go_live_date must be a date YYYY-MM-DD, got {self.crm_go_live_date!r}"
                ) from None
        for name, minimum in (("crm_ramp_up_days", 0), ("crm_baseline_months", 1), ("retention_window_months", 1)):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < minimum):
                raise SettingError(f"Setting {name} must be a whole number of at least {minimum}, got {value!r}")
        if self.crm_timezone is not None:
            try:
                ZoneInfo(self.crm_timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise SettingError(
                    f"Setting crm_timezone must be an IANA time zone such as Europe/Kyiv, got {self.crm_timezone!r}"
                ) from None
        if self.reporting_currency is not None and not re.fullmatch(r"[A-Z]{3}", self.reporting_currency):
            raise SettingError(
                f"Setting reporting_currency must be an ISO 4217 code such as UAH, got {self.reporting_currency!r}"
            )

    def dbt_vars(self) -> dict[str, object]:
        """Only the settings that were given, as a dict for dbt --vars."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def dbt_vars_json(self) -> str:
        return json.dumps(self.dbt_vars(), sort_keys=True)
