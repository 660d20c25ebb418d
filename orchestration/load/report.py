"""What a load did, per table: returned to the CLI and the Dagster asset.

The same numbers are in raw.load_log; the report exists so that callers need
not query the warehouse to print a summary or attach asset metadata.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.load.limits import Cause, percent


# Format facts too ordinary to print in the summary (inspect shows them all).
PLAIN_FORMAT = frozenset({"UTF-8 (valid UTF-8)", "comma (detected)", "'.' (detected)"})


@dataclass(frozen=True)
class TableReport:
    """One contract table in one load.

    status: 'loaded' (the file was read; rows upserted or quarantined),
    'unchanged' (same file and settings as the last load: skipped, counts 0),
    'absent' (no file for this optional table in the export).
    Always rows_read == rows_loaded + rows_quarantined.
    """

    table: str
    file: Path | None
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    checksum: str | None = None
    label: str | None = None  # the file (and sheet) as messages name it
    format: dict[str, str] = field(default_factory=dict)  # setting -> 'value (declared|detected|...)'
    causes: tuple[Cause, ...] = ()  # quarantined rows by column and rule, most frequent first
    mapped: bool = False  # read through a mapping preset
    rows_deleted: int = 0  # raw rows the file no longer holds, deleted (a complete export, export.yml)

    @property
    def quarantined_share(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0


@dataclass(frozen=True)
class LoadTotal:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int


@dataclass(frozen=True)
class LoadReport:
    """Everything one ``load_export`` call did."""

    load_id: str
    export_dir: Path
    db_path: Path
    loaded_at: dt.datetime  # UTC
    timezone: str
    reporting_currency: str
    tables: tuple[TableReport, ...]
    ignored_files: tuple[str, ...] = field(default_factory=tuple)
    declared: dict[str, str] = field(default_factory=dict)  # export.yml's settings
    notes: tuple[str, ...] = ()  # settings overridden, quarantine accepted above the limit
    exported_at: dt.datetime | None = None  # UTC cut-off of future-dated events
    exported_at_source: str = "the load time"

    def __getitem__(self, table: str) -> TableReport:
        for t in self.tables:
            if t.table == table:
                return t
        raise KeyError(table)

    @property
    def total(self) -> LoadTotal:
        return LoadTotal(
            rows_read=sum(t.rows_read for t in self.tables),
            rows_loaded=sum(t.rows_loaded for t in self.tables),
            rows_quarantined=sum(t.rows_quarantined for t in self.tables),
        )

    def summary(self) -> str:
        """A short table of what happened, for a terminal or a log."""
        width = max(len(t.table) for t in self.tables)
        lines = [
            f"Loaded {self.export_dir} into {self.db_path} (load {self.load_id}, "
            f"timezone {self.timezone}, currency {self.reporting_currency})",
            f"  {'table':<{width}}  {'status':<9}  {'read':>10}  {'loaded':>10}  {'quarantined':>11}  file",
        ]
        for t in self.tables:
            lines.append(
                f"  {t.table:<{width}}  {t.status:<9}  {t.rows_read:>10,}  {t.rows_loaded:>10,}  "
                f"{t.rows_quarantined:>11,}  {t.file.name if t.file else '-'}"
            )
        total = self.total
        lines.append(
            f"  {'total':<{width}}  {'':<9}  {total.rows_read:>10,}  {total.rows_loaded:>10,}  "
            f"{total.rows_quarantined:>11,}"
        )
        if total.rows_quarantined:
            lines.append(f"  {total.rows_quarantined:,} rows quarantined: see raw.quarantine where load_id = "
                         f"'{self.load_id}'")
        deleted = [t for t in self.tables if t.rows_deleted]
        if deleted:
            lines.append("  deleted (no longer in the complete export): "
                         + ", ".join(f"{t.table} {t.rows_deleted:,}" for t in deleted))
        if self.declared:
            lines.append("  declared in export.yml: " + ", ".join(f"{k} {v!r}" for k, v in self.declared.items()))
        for t in self.tables:
            # declared values are on the line above; plain ones go without saying
            shown = {k: v for k, v in t.format.items() if v not in PLAIN_FORMAT and not v.endswith("(declared)")}
            if shown:
                lines.append(f"  {t.file.name if t.file else t.table}: "
                             + ", ".join(f"{k} {v}" for k, v in shown.items()))
        for t in self.tables:
            if t.causes:
                lines.append(f"  {t.table} quarantined ({percent(t.quarantined_share)}): "
                             + "; ".join(c.describe() for c in t.causes[:3])
                             + (f"; {len(t.causes) - 3} more causes" if len(t.causes) > 3 else ""))
        if self.ignored_files:
            lines.append(f"  ignored (not a contract table): {', '.join(self.ignored_files)}")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)

    def print_summary(self) -> None:
        print(self.summary())

    def __str__(self) -> str:
        return self.summary()
