"""``crm-impact inspect DIR``: what a load of an export would do, before anything is written.

It runs the loader's own steps (loader.prepare and loader.process: the same
discovery, format detection, mapping, validation SQL and quarantine) on an
in-memory DuckDB database, so inspect and load cannot disagree; the
warehouse is not opened at all. Per file it reports the table, the format
found (encoding, delimiter, decimal separator, date format, each with
'declared' or 'detected'), each contract column's source, the extras kept,
the rows that would be quarantined by cause with the first few rows of each,
and the verdict: "would load", or the error that would stop the load.

One difference it cannot avoid: a load checks foreign-currency orders against
the fx rates already in the warehouse as well as the export's own; inspect
sees the export's only (as a load into a new warehouse would).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.contract import TABLES
from orchestration.load.errors import LoadError
from orchestration.load.hook import ExportMapping
from orchestration.load.limits import DEFAULT_MAX_QUARANTINE_SHARE, Cause, TableVerdict, check_share, percent
from orchestration.load.loader import cutoff_of, prepare, process
from orchestration.load.read import FileColumns
from orchestration.load.schema import qualified
from orchestration.load.sql import ident
from orchestration.load.validate import Stage

EXAMPLES = 3  # rows shown per cause


@dataclass(frozen=True)
class Example:
    """One row that would be quarantined, as raw.quarantine would hold it."""

    row_number: int
    reason: str
    raw_row: dict


@dataclass(frozen=True)
class FileInspection:
    """One contract table of the export."""

    table: str
    required: bool
    label: str | None = None  # None = no file (absent)
    mapped: bool = False
    format: dict[str, str] = field(default_factory=dict)
    columns: tuple[tuple[str, str], ...] = ()  # (contract column, its source: a header name or the mapping's expression)
    extras: tuple[str, ...] = ()
    rows_read: int = 0
    rows_quarantined: int = 0
    causes: tuple[Cause, ...] = ()
    examples: dict[tuple[str, str], tuple[Example, ...]] = field(default_factory=dict)
    problem: str | None = None  # why this file would stop the load

    @property
    def rows_loaded(self) -> int:
        return self.rows_read - self.rows_quarantined


@dataclass(frozen=True)
class Inspection:
    """What loading an export would do."""

    export_dir: Path
    timezone: str | None
    reporting_currency: str
    max_quarantine_share: float | None
    files: tuple[FileInspection, ...] = ()
    ignored: tuple[str, ...] = ()
    declared: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    error: str | None = None  # a problem found before any row was read (names, headers, settings)

    def __getitem__(self, table: str) -> FileInspection:
        for f in self.files:
            if f.table == table:
                return f
        raise KeyError(table)

    @property
    def problems(self) -> list[str]:
        return ([self.error] if self.error else []) + [f.problem for f in self.files if f.problem]

    @property
    def would_load(self) -> bool:
        return not self.problems

    @property
    def verdict(self) -> str:
        if self.would_load:
            return "would load"
        return "would fail: " + " | ".join(self.problems)

    def render(self) -> str:
        """The report printed by ``crm-impact inspect``."""
        limit = f"{self.max_quarantine_share:.0%}" if self.max_quarantine_share is not None else "none"
        lines = [f"Inspecting {self.export_dir} (nothing is written; timezone {self.timezone or 'UTC'}, "
                 f"currency {self.reporting_currency}, quarantine limit {limit})"]
        if self.declared:
            lines.append("declared in export.yml: " + ", ".join(f"{k} {v!r}" for k, v in self.declared.items()))
        for f in self.files:
            if f.label is None:
                lines.append(f"{f.table}: no file ({'required' if f.required else 'optional, absent'})")
                continue
            share = f.rows_quarantined / f.rows_read if f.rows_read else 0.0
            lines.append(f"{f.table} <- {Path(f.label).name}{' (through the mapping)' if f.mapped else ''}: "
                         f"{f.rows_read:,} rows, {f.rows_loaded:,} would load, {f.rows_quarantined:,} would be "
                         f"quarantined ({percent(share)})")
            if f.format:
                lines.append("  format: " + ", ".join(f"{k} {v}" for k, v in f.format.items()))
            lines.append("  columns: " + ", ".join(f"{c} <- {source_words(s) if f.mapped else s}"
                                                for c, s in f.columns))
            if f.extras:
                lines.append("  extras kept: " + ", ".join(f.extras))
            for cause in f.causes:
                lines.append(f"  quarantine: {cause.describe()}")
                for example in f.examples.get((cause.column, cause.rule), ()):
                    lines.append(f"    row {example.row_number}: {example.reason}")
                    lines.append(f"      {json.dumps(example.raw_row, ensure_ascii=False)}")
            lines.append(f"  verdict: {'would fail: ' + f.problem if f.problem else 'would load'}")
        if self.ignored:
            lines.append(f"ignored (not a contract table): {', '.join(self.ignored)}")
        lines.extend(f"note: {note}" for note in self.notes)
        if self.error:
            lines.append(f"error: {self.error}")
        lines.append(f"Verdict: {'would load' if self.would_load else 'would fail'}")
        return "\n".join(lines)


_QUOTED = re.compile(r'"((?:[^"]|"")+)"')
_PLAIN_COLUMN = re.compile(r'\s*(CAST\(\s*)*"((?:[^"]|"")+)"(\s+AS\s+VARCHAR\s*\))*\s*', re.IGNORECASE)
_EMPTY = re.compile(r"\s*(CAST\(\s*)*NULL(\s+AS\s+VARCHAR\s*\))*\s*", re.IGNORECASE)
_CONSTANT = re.compile(r"\s*(CAST\(\s*)*('(?:[^']|'')*')(\s+AS\s+VARCHAR\s*\))*\s*", re.IGNORECASE)


def source_words(expression: str) -> str:
    """A mapping expression in a few words: the file column it is, a constant, empty, or what it is derived from."""
    if (m := _PLAIN_COLUMN.fullmatch(expression)) and expression.count('"') == 2:
        return m.group(2).replace('""', '"')
    if _EMPTY.fullmatch(expression):
        return "(empty: not in this export)"
    if (m := _CONSTANT.fullmatch(expression)):
        return f"constant {m.group(2)}"
    names = list(dict.fromkeys(n.replace('""', '"') for n in _QUOTED.findall(expression)))
    return f"derived from {', '.join(names)}" if names else "derived (an expression)"


def _column_sources(cols: FileColumns) -> tuple[tuple[str, str], ...]:
    if cols.mapping is not None:
        return tuple((c, cols.mapping.columns[c]) for c in cols.table.column_names)
    return tuple((c, cols.names[cols.contract[c]]) for c in cols.table.column_names)


def inspect_export(
    export_dir: str | Path,
    *,
    timezone: str | None = None,
    reporting_currency: str = "UAH",
    mapping: ExportMapping | None = None,
    max_quarantine_share: float | None = DEFAULT_MAX_QUARANTINE_SHARE,
    accept_quarantine: bool = False,
    examples: int = EXAMPLES,
) -> Inspection:
    """Run the load of ``export_dir`` on an in-memory database and report what it would do.

    Never raises LoadError: a problem that would stop the load is the
    Inspection's ``error`` (before rows are read) or a file's ``problem``.
    """
    check_share(max_quarantine_share)
    base = dict(export_dir=Path(export_dir), timezone=timezone, reporting_currency=reporting_currency,
                max_quarantine_share=max_quarantine_share)
    picked: dict[str, dict[tuple[str, str], list[int]]] = {}
    verdicts: dict[str, TableVerdict] = {}

    def observe(con: duckdb.DuckDBPyConnection, stage: Stage, verdict: TableVerdict) -> None:
        verdicts[stage.cols.table.name] = verdict
        key = ", ".join(stage.cols.table.primary_key)
        rows = con.execute(
            f"""
            SELECT column_name, rule, _row_number FROM (
                SELECT CASE WHEN _ok THEN $key ELSE _errors[1].column_name END AS column_name,
                       CASE WHEN _ok THEN 'duplicate' ELSE _errors[1].rule END AS rule, _row_number
                FROM {ident(stage.name)} WHERE NOT _ok OR _dup_rank > 1
            ) QUALIFY row_number() OVER (PARTITION BY column_name, rule ORDER BY _row_number) <= $n
            ORDER BY _row_number
            """, {"key": key, "n": examples}).fetchall()
        chosen: dict[tuple[str, str], list[int]] = {}
        for column, rule, row in rows:
            chosen.setdefault((column, rule), []).append(row)
        picked[stage.cols.table.name] = chosen

    try:
        with prepare(export_dir, timezone=timezone, reporting_currency=reporting_currency, mapping=mapping) as prep:
            loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            con = duckdb.connect()
            try:
                reports, _ = process(con, prep, load_id="inspect", loaded_at=loaded_at,
                                     cutoff=cutoff_of(prep.settings, prep.timezone, loaded_at), observe=observe)
                quarantined = {
                    (t, r): (reason, raw_row) for t, r, reason, raw_row in con.execute(
                        f"SELECT table_name, row_number, reason, raw_row FROM {qualified('quarantine')}").fetchall()
                }
            finally:
                con.close()
            files = []
            for t in TABLES:
                report = reports[t.name]
                if report.file is None:
                    problem = None
                    files.append(FileInspection(t.name, t.required))
                    continue
                cols = prep.columns[t.name]
                verdict = verdicts[t.name]
                shown = {
                    k: tuple(Example(r, quarantined[(t.name, r)][0], json.loads(quarantined[(t.name, r)][1]))
                             for r in rows)
                    for k, rows in picked.get(t.name, {}).items()
                }
                problem = verdict.problem(max_quarantine_share, accept_quarantine)
                files.append(FileInspection(
                    t.name, t.required, label=report.label, mapped=report.mapped, format=report.format,
                    columns=_column_sources(cols), extras=tuple(n for n, _ in cols.extras),
                    rows_read=report.rows_read, rows_quarantined=report.rows_quarantined, causes=report.causes,
                    examples=shown, problem=problem,
                ))
            return Inspection(**base | {"timezone": prep.timezone}, files=tuple(files),
                              ignored=prep.export.ignored, declared=prep.settings.declared(),
                              notes=tuple(prep.notes))
    except LoadError as error:
        return Inspection(**base, error=str(error))
