"""Nothing silent: how much quarantine a load accepts, and what a high share probably means.

A quarantine of a few rows is data hygiene; a quarantine of most of a file is
a misread export (decimal commas, another date order, the CRM's own status
names), and loading the rest would give a confident, wrong scorecard. So a
table whose quarantined share exceeds ``DEFAULT_MAX_QUARANTINE_SHARE`` fails
the whole load (nothing is written) unless the caller accepts it explicitly.
This is the one place of that default: the CLI (``--max-quarantine-share``,
``--accept-quarantine``), ``crm-impact inspect`` and the Dagster raw asset's
check all take it from here.

A required table whose file has a header and no rows fails the load too; an
accepted quarantine does not make it pass.

The failure message names the file, the share, the most frequent causes
(column and rule, with counts and an example value) and, where the pattern is
a known one, the likely cause and its fix (``HINTS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from orchestration.contract import Table
from orchestration.load.sql import ident

DEFAULT_MAX_QUARANTINE_SHARE = 0.05
TOP_CAUSES = 3


@dataclass(frozen=True)
class Cause:
    """Rows of one file quarantined for one rule on one column."""

    column: str
    rule: str  # missing | type | domain | range | order | future | fx | duplicate
    rows: int
    example: str | None  # one offending value (text as in the file)
    reason: str  # one full reason text
    kind: str = ""  # the column's contract type, for type errors

    def describe(self) -> str:
        example = f" (e.g. {self.example!r})" if self.example not in (None, "") else ""
        what = f"not a valid {TYPE_WORDS.get(self.kind, 'value')}" if self.rule == "type" else \
            RULE_NAMES.get(self.rule, self.rule)
        return f"{self.rows:,} x {self.column}: {what}{example}"


TYPE_WORDS = {"timestamp": "timestamp", "date": "date", "decimal": "number", "int": "whole number",
              "bool": "boolean"}


RULE_NAMES = {
    "missing": "empty but required", "type": "not a valid value of its type", "domain": "not an allowed value",
    "range": "out of range", "order": "before its start", "future": "future-dated", "fx": "no fx rate",
    "duplicate": "duplicate key",
}


def causes(con: duckdb.DuckDBPyConnection, stage_table: str, table: Table) -> list[Cause]:
    """Quarantined rows of a staging table by (column, rule), most frequent first.

    A row that breaks several rules counts under its first (as raw.quarantine's
    column_name); a valid row that lost its key counts as a duplicate.
    """
    rows = con.execute(
        f"""
        SELECT column_name, rule, count(*) AS n, min(value) AS example, min(reason) AS reason
        FROM (
            SELECT _errors[1].column_name AS column_name, _errors[1].rule AS rule,
                   _errors[1].value AS value, _errors[1].reason AS reason
            FROM {ident(stage_table)} WHERE NOT _ok
            UNION ALL
            SELECT $key AS column_name, 'duplicate' AS rule, NULL AS value, 'duplicate primary key' AS reason
            FROM {ident(stage_table)} WHERE _ok AND _dup_rank > 1
        )
        GROUP BY ALL ORDER BY n DESC, column_name, rule
        """,
        {"key": ", ".join(table.primary_key)},
    ).fetchall()
    kinds = {c.name: c.type for c in table.columns}
    return [Cause(c, r, n, e, reason, kinds.get(c, "")) for c, r, n, e, reason in rows]


def percent(share: float) -> str:
    """A share as a percentage that never shows a few rows as 0.0%."""
    return "<0.1%" if 0 < share < 0.001 else f"{share:.1%}"


def hint(table: Table, cause: Cause) -> str | None:
    """The likely cause of a frequent quarantine reason, and its fix, when the pattern is a known one."""
    example = cause.example or ""
    column = table.column(cause.column.split(", ")[0]) if cause.rule != "duplicate" else None
    if cause.rule == "type" and column is not None and column.type == "decimal":
        if re.fullmatch(r"[+-]?\d{1,3}([,.]\d{3})+", example):
            mark = "," if "," in example else "."
            return (f"{example} is a thousand or a fraction depending on the export: set thousands_separator: "
                    f"'{mark}' or decimal_separator: '{mark}' in export.yml")
        if "," in example:
            return "decimal comma? set decimal_separator: ',' in export.yml"
        if re.search(r"[^\d\s.,+\-eE]", example):
            return "numbers with a currency sign or unit? export plain numbers"
    if cause.rule == "type" and column is not None and column.type in ("timestamp", "date"):
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}.*", example):
            return ("dates like 03/04/2024 are ambiguous: set date_format: '%d/%m/%Y' (day first) "
                    "or '%m/%d/%Y' (month first) in export.yml")
        return "another date format? set date_format in export.yml (for example '%d.%m.%Y')"
    if cause.rule == "domain":
        return ("values in the CRM's own words? map them with a preset (--preset) or a mapping file (--mapping)")
    if cause.rule == "missing":
        return "is the column empty in this export, or taken from the wrong source column?"
    if cause.rule == "fx":
        return "add fx_rates rows for these currencies, or check the reporting currency (--currency)"
    if cause.rule == "future":
        return ("is exported_at in export.yml right? scheduled records are future-dated until they happen")
    if cause.rule == "duplicate":
        return "the file repeats keys: is it one row per line item rather than per record?"
    if cause.rule == "order":
        return "start and end swapped, or times in different time zones?"
    if cause.rule == "range":
        return "negative amounts for returns or discounts? the contract wants them positive"
    return None


@dataclass(frozen=True)
class TableVerdict:
    """Whether one file's quarantine is within the limit, with its causes."""

    label: str  # the file (and sheet)
    table: Table
    rows_read: int
    rows_quarantined: int
    causes: tuple[Cause, ...]

    @property
    def share(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0

    def empty_required(self) -> bool:
        return self.rows_read == 0 and self.table.required

    def problem(self, max_share: float | None, accept: bool) -> str | None:
        """Why this file stops the load, or None."""
        if self.empty_required():
            return (f"{self.label}: has a header but no rows; {self.table.name} is a required table, "
                    "so the export is incomplete (was it exported with a filter?)")
        if max_share is None or accept or self.share <= max_share:
            return None
        return self.explain(max_share)

    def explain(self, max_share: float | None = None) -> str:
        limit = f", above the limit of {max_share:.0%}" if max_share is not None else ""
        top = "; ".join(c.describe() for c in self.causes[:TOP_CAUSES])
        hints = []
        for cause in self.causes[:TOP_CAUSES]:
            text = hint(self.table, cause)
            if text and text not in hints:
                hints.append(text)
        likely = f". Likely cause: {hints[0]}" if hints else ""
        return (f"{self.label}: {self.rows_quarantined:,} of {self.rows_read:,} rows ({percent(self.share)}) "
                f"would be quarantined{limit}: {top}{likely}")


def check_share(value: float | None) -> float | None:
    """A max_quarantine_share must be a share between 0 and 1."""
    if value is not None and not 0 <= value <= 1:
        raise ValueError(f"max_quarantine_share must be between 0 and 1 (0.05 = 5%), got {value!r}")
    return value
