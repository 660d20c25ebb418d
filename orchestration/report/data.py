"""Everything the report shows, read once from the warehouse, read-only.

Why a separate reading step: the page and the charts then work on plain
Python values, and the warehouse is open for milliseconds, not while plotly
renders. Only the ``marts`` and ``reference`` schemas are read, so the build
warehouse and the serving file both work as the source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

FAMILY_ORDER = ("financial", "process", "service", "staff", "customer_base", "adoption")

# Section titles: the catalog's family names, in English and in the article's
# Ukrainian wording (the article the KPIs follow, see the README).
FAMILY_LABELS = {
    "financial": ("Financial results and payback", "Фінансові показники та окупність вкладень"),
    "process": ("Work processes", "Оптимізація робочих процесів"),
    "service": ("Customer service quality", "Якість обслуговування клієнтів"),
    "staff": ("Staff effectiveness", "Ефективність роботи працівників"),
    "customer_base": ("Customer base", "Розвиток клієнтської бази"),
    "adoption": ("CRM adoption", "Залучення співробітників до роботи з CRM"),
}

PAYBACK_TABLE = "mart_crm_payback"


@dataclass(frozen=True)
class Rollout:
    """One row of marts.dim_crm_rollout."""

    scope_type: str
    scope_value: str
    go_live_date: dt.date
    ramp_up_end_date: dt.date
    baseline_start_month: dt.date
    first_post_month: dt.date
    is_from_settings: bool


@dataclass(frozen=True)
class Metric:
    """A metric of the catalog with its company before/after row (None values when absent)."""

    metric_id: str
    family: str
    label_en: str
    label_uk: str
    unit: str
    direction: str
    is_catalog_metric: bool
    definition: str
    baseline_value: float | None = None
    post_value: float | None = None
    absolute_change: float | None = None
    relative_change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    improved: bool | None = None
    baseline_months: int | None = None
    post_months: int | None = None
    season_adjusted_change: float | None = None
    season_adjusted_relative_change: float | None = None
    did_change: float | None = None
    did_relative_change: float | None = None
    did_ci_low: float | None = None
    did_ci_high: float | None = None
    status: str | None = None
    status_reason: str | None = None
    has_before_after: bool = False

    @property
    def verdict(self) -> str:
        """The rule of the terminal scorecard and of bi.kpi_scorecard."""
        if not self.has_before_after or self.status != "ok":
            return "not available"
        if self.ci_low is not None and self.ci_high is not None and self.ci_low <= 0 <= self.ci_high:
            return "no clear change"
        return "better" if self.improved else "worse"

    @property
    def verdict_reason(self) -> str | None:
        if not self.has_before_after:
            return "no before/after row for the company"
        if self.status != "ok":
            return self.status_reason or "not available"
        return None


@dataclass(frozen=True)
class MonthlyPoint:
    month_start: dt.date
    value: float | None
    period: str
    record_count: int | None


@dataclass(frozen=True)
class PaybackPoint:
    month_start: dt.date
    cumulative_crm_costs: float | None
    cumulative_incremental_gross_profit: float | None
    roi_to_date: float | None
    is_paid_back: bool | None


@dataclass
class ReportData:
    source_path: Path
    company: Rollout | None
    rollouts: list[Rollout]
    metrics: list[Metric]  # catalog order: family, then the seed's order
    monthly: dict[str, list[MonthlyPoint]]  # company scope, by metric_id, month order
    payback: list[PaybackPoint] | None  # None: no marts.mart_crm_payback table
    first_month: dt.date | None = None
    last_month: dt.date | None = None
    families: list[str] = field(default_factory=list)

    @property
    def ramp_up_days(self) -> int | None:
        """Days from the last go-live to the end of the ramp-up (the crm_ramp_up_days setting)."""
        if self.company is None:
            return None
        last_go_live = max(r.go_live_date for r in self.rollouts)
        return (self.company.ramp_up_end_date - last_go_live).days

    @property
    def baseline_months(self) -> int | None:
        """Whole months in the company baseline (the crm_baseline_months setting)."""
        if self.company is None:
            return None
        start, go_live = self.company.baseline_start_month, self.company.go_live_date
        return (go_live.year - start.year) * 12 + go_live.month - start.month

    @property
    def staged_rollouts(self) -> list[Rollout]:
        """Scopes with a go-live of their own (department, region); empty for a company-wide go-live."""
        return [r for r in self.rollouts if r.scope_type not in ("company", "rollout_wave")]


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
    )


def _columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    return {r[0] for r in rows}


def _rollouts(con: duckdb.DuckDBPyConnection) -> list[Rollout]:
    if not _table_exists(con, "marts", "dim_crm_rollout"):
        return []  # the page then shows the series without the rollout marks
    rows = con.execute(
        """
        select scope_type, scope_value, go_live_date, ramp_up_end_date, baseline_start_month,
               first_post_month, is_from_settings
        from marts.dim_crm_rollout
        order by go_live_date, scope_type, scope_value
        """
    ).fetchall()
    return [Rollout(*r) for r in rows]


def _metrics(con: duckdb.DuckDBPyConnection, monthly: dict[str, list[MonthlyPoint]]) -> list[Metric]:
    definitions = con.execute(
        """
        select metric_id, family, label_en, label_uk, unit, direction,
               coalesce(is_catalog_metric, true), coalesce(definition, ''), period_aggregation
        from reference.kpi_definitions
        """
    ).fetchall()
    before_after = {
        row[0]: row[1:]
        for row in con.execute(
            """
            select metric_id, family, unit, direction, baseline_value, post_value, absolute_change, relative_change,
                   change_ci95_low, change_ci95_high, improved, baseline_months, post_months,
                   season_adjusted_change, season_adjusted_relative_change,
                   did_change, did_relative_change, did_ci95_low, did_ci95_high,
                   status, status_reason
            from marts.mart_kpi_before_after
            where scope_type = 'company'
            """
        ).fetchall()
    }
    metrics = []
    for metric_id, family, label_en, label_uk, unit, direction, is_catalog, definition, aggregation in definitions:
        if aggregation == "payback" and metric_id not in before_after and metric_id not in monthly:
            # crm_payback_months and crm_roi are shown by the payback section, not the scorecard
            continue
        values = before_after.get(metric_id)
        if values is None:
            metric = Metric(metric_id, family, label_en, label_uk, unit, direction, bool(is_catalog), definition)
        else:
            metric = Metric(
                metric_id, family, label_en, label_uk, unit, direction, bool(is_catalog), definition,
                *values[3:], has_before_after=True,
            )
        metrics.append(metric)
    # a metric in the marts but not (yet) in the catalog seed is still shown, under its id
    for metric_id in sorted((set(before_after) | set(monthly)) - {m.metric_id for m in metrics}):
        if metric_id in before_after:
            family, unit, direction, *values = before_after[metric_id]
            metrics.append(
                Metric(metric_id, family, metric_id, metric_id, unit, direction, False, "", *values,
                       has_before_after=True)
            )
        else:
            family, unit, direction = _monthly_attributes(con, metric_id)
            metrics.append(Metric(metric_id, family, metric_id, metric_id, unit, direction, False, ""))
    seed_order = {m.metric_id: i for i, m in enumerate(metrics)}
    metrics.sort(key=lambda m: (_family_rank(m.family), seed_order[m.metric_id]))
    return metrics


def _monthly_attributes(con: duckdb.DuckDBPyConnection, metric_id: str) -> tuple[str, str, str]:
    return con.execute(
        "select any_value(family), any_value(unit), any_value(direction) from marts.mart_kpi_monthly where metric_id = ?",
        [metric_id],
    ).fetchone()


def _family_rank(family: str) -> tuple[int, str]:
    return (FAMILY_ORDER.index(family), "") if family in FAMILY_ORDER else (len(FAMILY_ORDER), family)


def _monthly(con: duckdb.DuckDBPyConnection) -> dict[str, list[MonthlyPoint]]:
    series: dict[str, list[MonthlyPoint]] = {}
    for metric_id, *point in con.execute(
        """
        select metric_id, month_start, metric_value, crm_period, record_count
        from marts.mart_kpi_monthly
        where scope_type = 'company'
        order by metric_id, month_start
        """
    ).fetchall():
        series.setdefault(metric_id, []).append(MonthlyPoint(*point))
    return series


def _payback(con: duckdb.DuckDBPyConnection) -> list[PaybackPoint] | None:
    if not _table_exists(con, "marts", PAYBACK_TABLE):
        return None
    # a scoped payback table (if it grows scopes) is shown for the company
    where = "where scope_type = 'company'" if "scope_type" in _columns(con, "marts", PAYBACK_TABLE) else ""
    rows = con.execute(
        f"""
        select month_start, cumulative_crm_costs, cumulative_incremental_gross_profit, roi_to_date, is_paid_back
        from marts.{PAYBACK_TABLE}
        {where}
        order by month_start
        """
    ).fetchall()
    return [PaybackPoint(*r) for r in rows]


def read_report_data(db_path: Path) -> ReportData:
    """Read the rollout, the catalog, the before/after rows, the monthly series and the payback."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        rollouts = _rollouts(con)
        monthly = _monthly(con)
        metrics = _metrics(con, monthly)
        payback = _payback(con)
    company = next((r for r in rollouts if r.scope_type == "company"), None)
    months = [p.month_start for points in monthly.values() for p in points]
    families = sorted({m.family for m in metrics}, key=_family_rank)
    return ReportData(
        source_path=Path(db_path),
        company=company,
        rollouts=rollouts,
        metrics=metrics,
        monthly=monthly,
        payback=payback,
        first_month=min(months, default=None),
        last_month=max(months, default=None),
        families=families,
    )
