"""The before/after scorecard: read from mart_kpi_before_after, shown as a table.

Used by ``crm-impact demo`` (terminal, via rich) and by the Dagster asset
metadata (Markdown). Reads only; opens the warehouse read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

_QUERY = """
    select
        ba.metric_id, d.label_en, d.label_uk, ba.family, ba.unit, ba.direction,
        ba.baseline_value, ba.post_value, ba.relative_change,
        ba.change_ci95_low, ba.change_ci95_high, ba.improved, ba.status, ba.status_reason,
        ba.season_adjusted_relative_change, ba.did_relative_change
    from marts.mart_kpi_before_after as ba
    join reference.kpi_definitions as d using (metric_id)
    where ba.scope_type = 'company'
    order by
        case ba.family when 'financial' then 1 when 'process' then 2 when 'service' then 3
            when 'staff' then 4 when 'customer_base' then 5 else 6 end,
        ba.metric_id
"""


@dataclass(frozen=True)
class ScorecardRow:
    metric_id: str
    label_en: str
    label_uk: str
    family: str
    unit: str
    direction: str
    baseline_value: float | None
    post_value: float | None
    relative_change: float | None
    ci_low: float | None
    ci_high: float | None
    improved: bool | None
    status: str
    status_reason: str | None
    season_adjusted_relative_change: float | None = None
    did_relative_change: float | None = None

    @property
    def verdict(self) -> str:
        if self.status != "ok":
            return "not available"
        if self.ci_low is not None and self.ci_high is not None and self.ci_low <= 0 <= self.ci_high:
            return "no clear change"
        return "better" if self.improved else "worse"


def read_scorecard(db_path: Path) -> list[ScorecardRow]:
    """The company-level rows of mart_kpi_before_after, catalog order."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return [ScorecardRow(*row) for row in con.execute(_QUERY).fetchall()]


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("ratio",):
        return f"{value:.1%}"
    if unit in ("money", "count"):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def format_change(row: ScorecardRow) -> str:
    if row.relative_change is None:
        return "—"
    return f"{row.relative_change:+.1%}"


def format_relative(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1%}"


def format_interval(row: ScorecardRow) -> str:
    if row.ci_low is None or row.ci_high is None:
        return "—"
    return f"{format_value(row.ci_low, row.unit)} .. {format_value(row.ci_high, row.unit)}"


def to_markdown(rows: list[ScorecardRow]) -> str:
    lines = ["| metric | baseline | post | change | 95% interval (abs.) | verdict |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r.label_en} | {format_value(r.baseline_value, r.unit)} | {format_value(r.post_value, r.unit)} "
            f"| {format_change(r)} | {format_interval(r)} | {r.verdict} |"
        )
    return "\n".join(lines)


def print_scorecard(rows: list[ScorecardRow]) -> None:
    """Print the scorecard to the terminal as a coloured table, one section per family."""
    import sys

    from rich.console import Console
    from rich.table import Table

    colours = {"better": "green", "worse": "red", "no clear change": "yellow", "not available": "dim"}
    show_did = any(r.did_relative_change is not None for r in rows)
    table = Table(title="CRM impact: baseline -> post (company)", show_lines=False)
    headers = ["metric", "baseline", "post", "change", "95% interval (abs.)", "season-adj.",
               *(["DiD"] if show_did else []), "verdict"]
    for header in headers:
        table.add_column(header, justify="left" if header in ("metric", "verdict") else "right")
    family = None
    for r in rows:
        if r.family != family:
            family = r.family
            table.add_section()
            table.add_row(f"[bold]{family}[/]")
        verdict = r.verdict if r.status == "ok" else f"{r.verdict}: {r.status_reason}"
        table.add_row(
            r.label_en, format_value(r.baseline_value, r.unit), format_value(r.post_value, r.unit),
            format_change(r), format_interval(r), format_relative(r.season_adjusted_relative_change),
            *([format_relative(r.did_relative_change)] if show_did else []),
            f"[{colours[r.verdict]}]{verdict}[/]",
        )
    Console(width=None if sys.stdout.isatty() else 150).print(table)
