"""The before/after scorecard: read from mart_kpi_before_after, shown as a table.

Used by ``crm-impact demo`` (terminal, via rich) and by the Dagster asset
metadata (Markdown). Reads only; opens the warehouse read-only. The verdict is
the mart's ``verdict`` column: nothing here decides one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path

import duckdb

@dataclass(frozen=True)
class ScorecardRow:
    """A company row of mart_kpi_before_after with the catalog's labels (field names are its columns)."""

    metric_id: str
    label_en: str
    label_uk: str
    family: str
    unit: str
    direction: str
    baseline_value: float | None
    post_value: float | None
    raw_relative_change: float | None
    effect: float | None
    effect_ci_low: float | None
    effect_ci_high: float | None
    relative_effect: float | None
    relative_effect_ci_low: float | None
    relative_effect_ci_high: float | None
    p_value_holm: float | None
    method: str | None
    method_detail: str | None
    verdict: str
    verdict_reason: str | None


_QUERY = f"""
    select {', '.join(f'ba.{f.name}' if f.name not in ('label_en', 'label_uk') else f'd.{f.name}'
                      for f in fields(ScorecardRow))}
    from marts.mart_kpi_before_after as ba
    join reference.kpi_definitions as d using (metric_id)
    left join reference.kpi_families as f on f.family = ba.family
    where ba.scope_type = 'company'
    order by f.family_order nulls last, ba.family, ba.metric_id
"""


def read_scorecard(db_path: Path) -> list[ScorecardRow]:
    """The company-level rows of mart_kpi_before_after, catalog order."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return [ScorecardRow(*row) for row in con.execute(_QUERY).fetchall()]


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(value: float | None, unit: str) -> str:
    if _missing(value):
        return "—"
    if unit in ("ratio",):
        return f"{value:.1%}"
    if unit in ("money", "count") or (unit == "months" and float(value).is_integer()):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def format_relative(value: float | None) -> str:
    return "—" if _missing(value) else f"{value:+.1%}"


def format_effect(row: ScorecardRow) -> str:
    """The estimated effect, relative where there is a counterfactual to divide by (payback rows: the value)."""
    if not _missing(row.relative_effect):
        return format_relative(row.relative_effect)
    return format_value(row.effect, row.unit) if row.unit in ("ratio", "months") else "—"


def format_interval(row: ScorecardRow) -> str:
    """The 95% interval of the effect, on the scale of format_effect."""
    if not _missing(row.relative_effect_ci_low) and not _missing(row.relative_effect_ci_high):
        return f"{format_relative(row.relative_effect_ci_low)} .. {format_relative(row.relative_effect_ci_high)}"
    if _missing(row.effect_ci_low) and _missing(row.effect_ci_high):
        return "—"
    return f"{format_value(row.effect_ci_low, row.unit)} .. {format_value(row.effect_ci_high, row.unit)}"


def to_markdown(rows: list[ScorecardRow]) -> str:
    lines = ["| metric | baseline | post | raw change | CRM effect | 95% interval | verdict |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r.label_en} | {format_value(r.baseline_value, r.unit)} | {format_value(r.post_value, r.unit)} "
            f"| {format_relative(r.raw_relative_change)} | {format_effect(r)} | {format_interval(r)} | {r.verdict} |"
        )
    return "\n".join(lines)


VERDICT_COLOURS = {"better": "green", "worse": "red", "no clear change": "yellow", "too little data": "cyan",
                   "unreliable": "magenta", "not available": "dim"}


def print_scorecard(rows: list[ScorecardRow]) -> None:
    """Print the scorecard to the terminal as a coloured table, one section per family."""
    import sys

    from rich.console import Console
    from rich.table import Table

    table = Table(title="CRM impact: estimated effect of the CRM (company)", show_lines=False)
    for header in ("metric", "baseline", "post", "raw change", "CRM effect", "95% interval", "verdict"):
        table.add_column(header, justify="left" if header in ("metric", "verdict") else "right")
    family = None
    for r in rows:
        if r.family != family:
            family = r.family
            table.add_section()
            table.add_row(f"[bold]{family}[/]")
        verdict = r.verdict if r.verdict in ("better", "worse", "no clear change") or not r.verdict_reason \
            else f"{r.verdict}: {r.verdict_reason}"
        table.add_row(
            r.label_en, format_value(r.baseline_value, r.unit), format_value(r.post_value, r.unit),
            format_relative(r.raw_relative_change), format_effect(r), format_interval(r),
            f"[{VERDICT_COLOURS.get(r.verdict, 'white')}]{verdict}[/]",
        )
    Console(width=None if sys.stdout.isatty() else 160).print(table)
