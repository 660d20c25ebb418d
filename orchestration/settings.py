"""The analysis settings: declared once, here; read by the CLI, Dagster and dbt.

Each setting is a field of ``AnalysisSettings`` whose metadata says everything the other parts need:

* the CLI flags of ``crm-impact build`` and ``demo`` are generated from it (``add_cli_arguments``), help
  text included, with the default read from ``dbt_project.yml``;
* Dagster's ``analysis_settings`` resource (orchestration/defs/dbt_models.py) is generated from it, so
  the launchpad shows the same names and help;
* the values given become dbt vars of the same names (``dbt_vars``); the defaults live in
  ``dbt_project.yml`` only, and dbt checks every value again (macros/settings.sql), naming the CLI flag
  from ``cli_flags`` -- a test keeps the two in step.

Time zones are checked by ``is_time_zone`` (pytz, which dbt's own check uses, and DuckDB's ICU, which
converts), the loader's source time zone too, so a zone accepted anywhere is accepted everywhere. The loader's ``--source-timezone`` (the zone of naive timestamps in an export) is not an
analysis setting: it is about reading one export, and belongs to the load (orchestration/load).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from pathlib import Path

import yaml

DBT_PROJECT_FILE = Path(__file__).resolve().parents[1] / "dbt_project.yml"


class SettingError(ValueError):
    """A setting has a value that cannot be right; the message names it."""


def _is_date(value: object) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _whole_number(minimum: int) -> Callable[[object], bool]:
    return lambda value: isinstance(value, int) and not isinstance(value, bool) and value >= minimum


@lru_cache(maxsize=64)
def is_time_zone(value: object) -> bool:
    """The one time-zone check of the project (settings and the loader's source time zone): a name that
    pytz knows (the database dbt's own check, macros/settings.sql, uses) and DuckDB's ICU can convert with
    (the loader and the dbt models convert in DuckDB)."""
    import duckdb
    import pytz

    name = str(value)
    if name not in pytz.all_timezones_set:
        return False
    with duckdb.connect() as con:
        return bool(con.execute("select count(*) from pg_timezone_names() where name = $tz", {"tz": name}).fetchone()[0])


def _true_or_false(text: str) -> bool:
    """A yes/no setting on the command line: true or false (also yes/no, 1/0)."""
    value = str(text).strip().lower()
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def setting(flag: str, kind: type, metavar: str, help: str, check: Callable[[object], bool], expected: str):
    """A field of AnalysisSettings with what the CLI, Dagster and the error messages need."""
    return field(default=None, metadata={"flag": flag, "kind": kind, "metavar": metavar, "help": help,
                                         "check": check, "expected": expected})


@dataclass(frozen=True)
class AnalysisSettings:
    """What the before/after comparison depends on (dbt vars of the same names).

    None means "use the default in dbt_project.yml".
    """

    crm_go_live_date: str | None = setting(
        "--go-live", str, "YYYY-MM-DD", "company-wide go-live date, used when the export has no crm_rollout table",
        _is_date, "a date YYYY-MM-DD")
    crm_ramp_up_days: int | None = setting(
        "--ramp-up-days", int, "N", "learning period after the go-live that counts neither as before nor after",
        _whole_number(0), "a whole number of at least 0")
    crm_baseline_months: int | None = setting(
        "--baseline-months", int, "N", "whole months before the go-live month that form the baseline",
        _whole_number(1), "a whole number of at least 1")
    retention_window_months: int | None = setting(
        "--retention-window-months", int, "N", "rolling window of retention_rate, in months",
        _whole_number(1), "a whole number of at least 1")
    crm_timezone: str | None = setting(
        "--timezone", str, "TZ", "IANA time zone in which a month is a calendar month (e.g. Europe/Kyiv)",
        is_time_zone, "an IANA time zone such as UTC or Europe/Kyiv")
    reporting_currency: str | None = setting(
        "--currency", str, "ISO", "currency of every amount in the marts (the export needs fx rates to it)",
        lambda value: bool(re.fullmatch(r"[A-Z]{3}", str(value))), "an ISO 4217 code such as UAH")
    show_employee_names: bool | None = setting(
        "--show-employee-names", bool, "true|false",
        "let the serving file's BI view bi.kpi_employee_scorecard show employees' names (the marts never do)",
        lambda value: isinstance(value, bool), "true or false")
    business_calendar_default: str | None = setting(
        "--business-calendar", str, "ID", "business calendar of the records no channel or department is assigned "
        "to, for the business-hours durations (seeds/business_calendar/business_calendars.csv)",
        lambda value: bool(re.fullmatch(r"[A-Za-z0-9_]+", str(value))), "a calendar_id such as office")
    business_holiday_country: str | None = setting(
        "--holiday-country", str, "CC", "country whose public holidays close the business calendars "
        "(seeds/business_calendar/public_holidays.csv must be generated for it: make holidays)",
        lambda value: bool(re.fullmatch(r"[A-Z]{2,3}", str(value))), "an ISO 3166 country code such as UA")

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value is not None and not spec.metadata["check"](value):
                raise SettingError(f"Setting {spec.name} ({spec.metadata['flag']}) must be "
                                   f"{spec.metadata['expected']}, got {value!r}")

    def dbt_vars(self) -> dict[str, object]:
        """Only the settings that were given, as a dict for dbt --vars."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def dbt_vars_json(self) -> str:
        return json.dumps(self.dbt_vars(), sort_keys=True)

    def value(self, name: str) -> object:
        """The setting as the build uses it: the given value, else dbt_project.yml's default."""
        given = getattr(self, name)
        return defaults()[name] if given is None else given


def setting_fields():
    """The declarations, in order: name, flag, type, help."""
    return fields(AnalysisSettings)


def cli_flags() -> dict[str, str]:
    """Setting name -> its CLI flag (macros/settings.sql names the same flags; a test compares them)."""
    return {spec.name: spec.metadata["flag"] for spec in setting_fields()}


@lru_cache(maxsize=1)
def defaults() -> dict[str, object]:
    """The defaults of the settings, from dbt_project.yml's vars: their one home."""
    variables = yaml.safe_load(DBT_PROJECT_FILE.read_text(encoding="utf-8"))["vars"]
    return {spec.name: variables[spec.name] for spec in setting_fields()}


def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
    """The settings as flags of a command, generated from the declarations."""
    group = parser.add_argument_group("analysis settings (defaults: dbt_project.yml vars)")
    for spec in setting_fields():
        meta = spec.metadata
        kind = _true_or_false if meta["kind"] is bool else meta["kind"]  # bool("false") would be True
        group.add_argument(meta["flag"], dest=spec.name, type=kind, metavar=meta["metavar"],
                           help=f"{meta['help']} (default {defaults()[spec.name]})".replace("%", "%%"))


def from_cli(args: argparse.Namespace) -> AnalysisSettings:
    return AnalysisSettings(**{spec.name: getattr(args, spec.name, None) for spec in setting_fields()})
