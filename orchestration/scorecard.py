"""The before/after scorecard: read from mart_kpi_before_after, shown as a table.

Used by ``crm-impact demo`` (terminal, via rich) and by the Dagster asset
metadata (Markdown). Reads only; opens the warehouse read-only. The verdict is
the mart's ``verdict`` column: nothing here decides one.

Beside it, the load behind the numbers (marts.mart_data_quality_load and
mart_data_quality_quarantine): per table, rows read, loaded and quarantined
and the top reasons, so that no scorecard is read without its quarantine. The
HTML report reads the same rows through ``read_load``.
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


@dataclass(frozen=True)
class QuarantineReason:
    """One row of marts.mart_data_quality_quarantine."""

    column_name: str
    rule: str
    row_count: int
    example_reason: str | None

    def describe(self) -> str:
        from orchestration.load.limits import RULE_NAMES

        return f"{self.row_count:,} x {self.column_name}: {RULE_NAMES.get(self.rule, self.rule)}"


@dataclass(frozen=True)
class LoadTable:
    """One row of marts.mart_data_quality_load with its quarantine reasons, most frequent first."""

    table_name: str
    load_status: str  # loaded | absent
    rows_read: int | None
    rows_loaded: int | None
    rows_quarantined: int | None
    quarantined_share: float | None
    max_quarantine_share: float | None
    is_quarantine_accepted_above_limit: bool
    reasons: tuple[QuarantineReason, ...] = ()

    def accepted_note(self) -> str | None:
        """The sentence that an accepted quarantine above the limit must come with, else None."""
        if not self.is_quarantine_accepted_above_limit:
            return None
        return (f"{self.table_name}: {self.rows_quarantined:,} of {self.rows_read:,} rows "
                f"({_share(self.quarantined_share)}) were quarantined, above the load's limit of "
                f"{_share(self.max_quarantine_share)}; the load was accepted anyway (--accept-quarantine), "
                f"so every number that uses {self.table_name} misses those rows")


LOAD_TABLE = "mart_data_quality_load"
QUARANTINE_TABLE = "mart_data_quality_quarantine"


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables "
                            "where table_schema = 'marts' and table_name = ?", [name]).fetchone()[0])


def read_load_from(con: duckdb.DuckDBPyConnection) -> list[LoadTable]:
    """The load rows on an open connection, contract tables in name order ([] without the marts)."""
    if not _has_table(con, LOAD_TABLE):
        return []
    reasons: dict[str, list[QuarantineReason]] = {}
    if _has_table(con, QUARANTINE_TABLE):
        for table_name, *reason in con.execute(
            f"select table_name, column_name, rule, row_count, example_reason from marts.{QUARANTINE_TABLE} "
            "order by table_name, reason_rank"
        ).fetchall():
            reasons.setdefault(table_name, []).append(QuarantineReason(*reason))
    columns = [f.name for f in fields(LoadTable) if f.name != "reasons"]
    return [
        LoadTable(*row, reasons=tuple(reasons.get(row[0], ())))
        for row in con.execute(f"select {', '.join(columns)} from marts.{LOAD_TABLE} order by table_name").fetchall()
    ]


def read_load(db_path: Path) -> list[LoadTable]:
    """The load behind the warehouse (or serving file) ``db_path``: one row per contract table."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return read_load_from(con)


def _share(value: float | None) -> str:
    """A share as a percentage: 0.05 -> 5%, 0.4286 -> 42.9%, and a few rows never as 0.0%."""
    if _missing(value):
        return "—"
    if 0 < value < 0.001:
        return "<0.1%"
    text = f"{value:.1%}"
    return text.replace(".0%", "%")


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def load_lines(load: list[LoadTable], top: int = 3) -> list[tuple[str, str, str, str, str, str]]:
    """The loaded tables as (table, read, loaded, quarantined, share, top reasons); absent tables are left out."""
    return [
        (t.table_name, _count(t.rows_read), _count(t.rows_loaded), _count(t.rows_quarantined),
         _share(t.quarantined_share), "; ".join(r.describe() for r in t.reasons[:top]))
        for t in load if t.load_status == "loaded"
    ]


def absent_tables(load: list[LoadTable]) -> list[str]:
    return [t.table_name for t in load if t.load_status != "loaded"]


def load_markdown(load: list[LoadTable]) -> str:
    """The load behind the scorecard as Markdown (empty when the warehouse recorded no load)."""
    if not load:
        return ""
    lines = ["| table | rows read | loaded | quarantined | share | top reasons |", "|---|---|---|---|---|---|"]
    lines += [f"| {' | '.join(line)} |" for line in load_lines(load)]
    absent = absent_tables(load)
    if absent:
        lines.append(f"\nNot in the export: {', '.join(absent)}.")
    lines += [f"\n**{note}.**" for t in load if (note := t.accepted_note())]
    return "\n".join(lines)


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


def to_markdown(rows: list[ScorecardRow], load: list[LoadTable] | None = None) -> str:
    """The scorecard as Markdown; with ``load``, followed by the load behind it."""
    lines = ["| metric | baseline | post | raw change | CRM effect | 95% interval | verdict |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r.label_en} | {format_value(r.baseline_value, r.unit)} | {format_value(r.post_value, r.unit)} "
            f"| {format_relative(r.raw_relative_change)} | {format_effect(r)} | {format_interval(r)} | {r.verdict} |"
        )
    if load:
        lines += ["", "**The load behind these numbers**", "", load_markdown(load)]
    return "\n".join(lines)


VERDICT_COLOURS = {"better": "green", "worse": "red", "no clear change": "yellow", "too little data": "cyan",
                   "unreliable": "magenta", "not available": "dim"}


def print_scorecard(rows: list[ScorecardRow], load: list[LoadTable] | None = None) -> None:
    """Print the scorecard to the terminal as a coloured table, one section per family; with ``load``,
    the load behind it after it."""
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
    if load:
        print_load(load, Console(width=None if sys.stdout.isatty() else 160))


def print_load(load: list[LoadTable], console=None) -> None:
    """The load behind the scorecard: rows read, loaded and quarantined per table, the top reasons, and
    in red any quarantine accepted above the limit."""
    import sys

    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=None if sys.stdout.isatty() else 160)
    table = Table(title="The load behind these numbers (rows read = loaded + quarantined)")
    for header in ("table", "rows read", "loaded", "quarantined", "share", "top reasons"):
        table.add_column(header, justify="left" if header in ("table", "top reasons") else "right")
    for line in load_lines(load):
        table.add_row(*line)
    console.print(table)
    absent = absent_tables(load)
    if absent:
        console.print(f"Not in the export: {', '.join(absent)}.")
    for t in load:
        if (note := t.accepted_note()):
            console.print(f"[bold red]{note}.[/]")
