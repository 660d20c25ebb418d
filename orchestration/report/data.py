"""Everything the report shows, read once from the warehouse, read-only.

Why a separate reading step: the page and the charts then work on plain
Python values, and the warehouse is open for milliseconds, not while plotly
renders. Only the ``marts`` and ``reference`` schemas are read, so the build
warehouse and the serving file both work as the source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from pathlib import Path

import duckdb

from orchestration.catalog import family_ids, family_labels
from orchestration.scorecard import LoadTable, read_load_from

# Section titles and their order: the catalog's families (seeds/kpi_families.csv),
# in English and in the article's Ukrainian wording
FAMILY_LABELS = family_labels()

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


# the columns of mart_kpi_before_after that the report shows (Metric's fields of the same names)
BEFORE_AFTER_COLUMNS = (
    "baseline_value", "post_value", "raw_change", "raw_relative_change", "effect", "effect_ci_low",
    "effect_ci_high", "relative_effect", "relative_effect_ci_low", "relative_effect_ci_high", "p_value",
    "p_value_holm", "mde", "mde_relative", "placebo_runs", "placebo_hits", "method", "method_detail",
    "baseline_months", "post_months", "status", "status_reason", "verdict", "verdict_reason",
)


@dataclass(frozen=True)
class Metric:
    """A metric of the catalog with its company before/after row (None values when absent).

    ``verdict`` is the mart's column, read, never recomputed: a metric without
    a company row is "not available".
    """

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
    raw_change: float | None = None
    raw_relative_change: float | None = None
    effect: float | None = None
    effect_ci_low: float | None = None
    effect_ci_high: float | None = None
    relative_effect: float | None = None
    relative_effect_ci_low: float | None = None
    relative_effect_ci_high: float | None = None
    p_value: float | None = None
    p_value_holm: float | None = None
    mde: float | None = None
    mde_relative: float | None = None
    placebo_runs: int | None = None
    placebo_hits: int | None = None
    method: str | None = None
    method_detail: str | None = None
    baseline_months: int | None = None
    post_months: int | None = None
    status: str | None = None
    status_reason: str | None = None
    verdict: str = "not available"
    verdict_reason: str | None = "no before/after row for the company"
    has_before_after: bool = False


@dataclass(frozen=True)
class MonthlyPoint:
    month_start: dt.date
    value: float | None
    period: str
    record_count: int | None


@dataclass(frozen=True)
class PaybackPoint:
    """One month of marts.mart_crm_payback (field names are its columns)."""

    month_start: dt.date
    cumulative_crm_costs: float | None
    cumulative_incremental_gross_profit: float | None
    cumulative_incremental_gross_profit_low: float | None
    cumulative_incremental_gross_profit_high: float | None
    roi_to_date: float | None
    roi_to_date_low: float | None
    roi_to_date_high: float | None
    is_paid_back: bool | None


@dataclass(frozen=True)
class AnalysisWindow:
    """One row of marts.dim_analysis_window (field names are its columns)."""

    first_month: dt.date
    last_complete_month: dt.date
    last_data_month: dt.date
    partial_month_excluded: dt.date | None
    excluded_month_count: int | None
    export_end_at: dt.datetime | None
    export_end_source: str | None


@dataclass(frozen=True)
class Outlier:
    """One row of marts.mart_data_quality_outliers (field names are its columns)."""

    source_table: str
    source_column: str
    record_key: str
    value: float
    threshold: float
    month_start: dt.date | None


@dataclass
class DataQuality:
    """What the report says about the data behind the numbers (empty parts: the marts are missing)."""

    load: list[LoadTable] = field(default_factory=list)  # marts.mart_data_quality_load (+ reasons)
    window: AnalysisWindow | None = None  # marts.dim_analysis_window
    outliers: list[Outlier] = field(default_factory=list)  # marts.mart_data_quality_outliers
    setting_notes: list[str] = field(default_factory=list)  # marts.mart_data_quality_settings
    outlier_count: int = 0  # all rows of mart_data_quality_outliers (``outliers`` holds the first OUTLIERS_SHOWN)

    @property
    def outlier_months(self) -> list[dt.date]:
        """The months that contain at least one of the listed outliers, in order."""
        return sorted({o.month_start for o in self.outliers if o.month_start is not None})


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
    quality: DataQuality = field(default_factory=DataQuality)

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
    available = _columns(con, "marts", "mart_kpi_before_after")
    shown = [c for c in BEFORE_AFTER_COLUMNS if c in available]
    before_after = {
        row[0]: (row[1], row[2], row[3], dict(zip(shown, row[4:])))
        for row in con.execute(
            f"""
            select metric_id, family, unit, direction, {', '.join(shown)}
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
        extra = {"has_before_after": True, **values[3]} if values else {}
        metrics.append(Metric(metric_id, family, label_en, label_uk, unit, direction, bool(is_catalog), definition,
                              **extra))
    # a metric in the marts but not (yet) in the catalog seed is still shown, under its id
    for metric_id in sorted((set(before_after) | set(monthly)) - {m.metric_id for m in metrics}):
        if metric_id in before_after:
            family, unit, direction, values = before_after[metric_id]
            metrics.append(Metric(metric_id, family, metric_id, metric_id, unit, direction, False, "",
                                  has_before_after=True, **values))
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
    order = family_ids()
    return (order.index(family), "") if family in order else (len(order), family)


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
        select {', '.join(f.name for f in fields(PaybackPoint))}
        from marts.{PAYBACK_TABLE}
        {where}
        order by month_start
        """
    ).fetchall()
    return [PaybackPoint(*r) for r in rows]


OUTLIERS_SHOWN = 50  # the report lists at most this many outliers (the mart has them all)


def _quality(con: duckdb.DuckDBPyConnection) -> DataQuality:
    quality = DataQuality(load=read_load_from(con))
    if _table_exists(con, "marts", "dim_analysis_window"):
        row = con.execute(
            f"select {', '.join(f.name for f in fields(AnalysisWindow))} from marts.dim_analysis_window"
        ).fetchone()
        quality.window = AnalysisWindow(*row) if row and row[0] is not None else None
    if _table_exists(con, "marts", "mart_data_quality_outliers"):
        quality.outliers = [Outlier(*r) for r in con.execute(
            f"""
            select {', '.join(f.name for f in fields(Outlier))}
            from marts.mart_data_quality_outliers
            order by abs(value) / nullif(threshold, 0) desc nulls last, source_table, source_column, record_key
            limit {OUTLIERS_SHOWN}
            """
        ).fetchall()]
        quality.outlier_count = con.execute("select count(*) from marts.mart_data_quality_outliers").fetchone()[0]
    if _table_exists(con, "marts", "mart_data_quality_settings"):
        quality.setting_notes = [r[0] for r in con.execute(
            "select note from marts.mart_data_quality_settings order by setting_name").fetchall()]
    return quality


def read_report_data(db_path: Path) -> ReportData:
    """Read the rollout, the catalog, the before/after rows, the monthly series and the payback."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        rollouts = _rollouts(con)
        monthly = _monthly(con)
        metrics = _metrics(con, monthly)
        payback = _payback(con)
        quality = _quality(con)
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
        quality=quality,
    )
