"""Row-level rules of the contract, as one SQL statement per file.

Turns the table of read.py (text, and typed Parquet columns as they are) into a
typed staging table in a single vectorised pass. Each row gets the list of rules it breaks (``_errors``), in
this order, which is also the order of the reasons in raw.quarantine:

1. missing: NULL (after trimming; empty = NULL) in a non-nullable or key column
2. type: a value that does not cast to its contract type in the file's
   ValueFormat (values.py: timestamp ISO 8601 or day-first, naive = the
   ``timezone`` setting, Z/offset honoured; date likewise; decimal with the
   file's decimal mark and grouping, finite; int: whole number; bool:
   true/false/1/0)
3. domain: a text value outside its allowed values (compared trimmed and
   case-insensitively, stored lower-case)
4. range: a number below min_value or above max_value
5. order: an end before its start (contract ``ordered`` pairs)
6. future: an event after the export was made (``Cutoff``): every timestamp
   and date column except the plans in ``PLANNED_COLUMNS``
7. fx (orders only): a currency other than the reporting currency with no
   raw.fx_rates row for it on or before the order's local date
8. duplicate key: among rows that pass 1-7, the last row of the file with a
   primary key wins; earlier ones are quarantined as duplicates. Rows that
   break a rule never compete for a key, so a broken last row does not evict
   a good earlier one.

Rules 2-6 look at values that are present and castable only, so a row gets
one reason per actual fault (a bad timestamp is not also 'out of order').
Reason texts name the column and quote the offending value. Each error also
carries its ``rule`` and ``value``, so a load can count its rows by cause
(limits.py) without parsing the reason text.

Orphans (a key that points at no row of another table) are not checked here:
they are kept and reported by dbt relationship tests downstream.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from orchestration.contract import TABLES, Column
from orchestration.load.read import FileColumns
from orchestration.load.sql import ident, literal, number
from orchestration.load.values import ValueFormat, native_text

# Whitespace trimmed from every text value (incl. no-break space and a stray BOM).
_TRIM = literal(" \t\r\n\u00a0\ufeff")

VALUE_CHARS = 80  # longest quoted value in a reason

# Date and timestamp columns that hold plans, not events: they may lie after the
# export's date (a task due next week, a hire starting next month, next year's
# sales target, a region's go-live still to come). Every other date and
# timestamp column records something that happened, and a value after the
# export was made is quarantined as future-dated (rule 6).
PLANNED_COLUMNS: frozenset[tuple[str, str]] = frozenset({
    ("activities", "due_at"),
    ("employees", "hired_at"),
    ("employees", "terminated_at"),
    ("sales_targets", "month"),
    ("crm_rollout", "go_live_date"),
})
EVENT_COLUMNS: dict[str, tuple[str, ...]] = {
    t.name: tuple(c.name for c in t.columns
                  if c.type in ("timestamp", "date") and (t.name, c.name) not in PLANNED_COLUMNS)
    for t in TABLES
}


@dataclass(frozen=True)
class Cutoff:
    """When the export was made: events after it are future-dated.

    ``instant`` is naive UTC (compared with timestamps, stored as naive UTC);
    ``local_date`` is its date in the ``timezone`` setting (compared with
    date columns); ``source`` says where it came from, for the reason text.
    """

    instant: dt.datetime
    local_date: dt.date
    source: str  # 'exported_at in export.yml' | 'the load time'


@dataclass(frozen=True)
class Stage:
    """Names in the staging table made by ``stage_sql``."""

    name: str
    cols: FileColumns
    values: ValueFormat = field(default_factory=ValueFormat)
    cutoff: Cutoff | None = None
    zone: str = "UTC"  # the session TimeZone, in which naive timestamps are read
    text_table: str = "_load_text"  # what read.py made of the file: read again for the quarantined rows' raw_row

    @property
    def rows_table(self) -> str:
        """The staged rows (everything but rule 8)."""
        return f"{self.name}__rows"

    @property
    def dups_table(self) -> str:
        """The valid keys that occur more than once, with the row that wins each."""
        return f"{self.name}__dups"

    def typed(self, column: str) -> str:
        """The typed (validated, cast, defaulted) value of a contract column."""
        return ident(f"t_{column}")

    def column(self, position: int) -> str:
        """File column ``position`` as read: its text, or its value for a native column (read.py)."""
        return f"c{position}"

    def clean(self, position: int) -> str:
        """The trimmed text of file column ``position`` (empty = NULL); a native column's text needs no trim."""
        return native_text(self.column(position)) if position in self.cols.native else f"v{position}"

    def original(self, position: int) -> str:
        """The original text of file column ``position`` in ``original_rows``: what a raw_row quotes."""
        v = f"_original{position}"
        return native_text(v) if position in self.cols.native else v

    def original_rows(self) -> str:
        """The file's rows as read (``text_table``), by ``_original_row`` = _row_number, with column i as
        ``_original<i>``. The staged rows do not keep the file's columns: only quarantined rows quote them,
        and most files have few or none, so writing every row's original text a second time was waste."""
        columns = ", ".join(f"{self.column(i)} AS _original{i}" for i in range(len(self.cols.names)))
        return f"(SELECT _row_number AS _original_row, {columns} FROM {ident(self.text_table)})"

    def empty(self, position: int) -> str:
        """SQL: file column ``position`` is empty (a native column: NULL, without making its text)."""
        return f"{self.column(position)} IS NULL" if position in self.cols.native else f"{self.clean(position)} IS NULL"

    def typed_sql(self, column: Column) -> str:
        """SQL for the typed value of contract column ``column`` (values.py), from its value if native."""
        position = self.cols.contract[column.name]
        if position in self.cols.native:
            return self.values.native_sql(column, self.column(position), self.cols.native[position], self.zone)
        return self.values.typed_sql(column, self.clean(position))


def _trimmed(v: str) -> str:
    """SQL for text ``v`` without the whitespace ``_TRIM`` lists around it. Trimming a set of characters
    costs twice a plain trim, and most values have nothing to trim: only a value whose first or last
    character is in the set is trimmed (DuckDB indexes and trims strings by code point, so the result is
    the same; a scale-10 export's id columns took half the time)."""
    return f"CASE WHEN contains({_TRIM}, {v}[1]) OR contains({_TRIM}, {v}[-1]) THEN trim({v}, {_TRIM}) ELSE {v} END"


def _quoted(v: str) -> str:
    """SQL for ``'value'`` in a reason, shortened to VALUE_CHARS."""
    return f"'''' || left({v}, {VALUE_CHARS}) || ''''"


def _error(condition: str, column: str, reason_sql: str, rule: str, value_sql: str) -> tuple[str, str]:
    """(the condition, SQL for the error struct where it holds, else NULL)."""
    return condition, (f"CASE WHEN {condition} THEN {{'column_name': {literal(column)}, 'reason': {reason_sql}, "
                       f"'rule': {literal(rule)}, 'value': left(CAST({value_sql} AS VARCHAR), {VALUE_CHARS})}} END")


def _checks(stage: Stage, reporting_currency: str) -> list[tuple[str, str]]:
    cols = stage.cols
    table = cols.table
    clean = {c: stage.clean(p) for c, p in cols.contract.items()}
    empty = {c: stage.empty(p) for c, p in cols.contract.items()}
    typed = {c: stage.typed(c) for c in cols.contract}
    key = set(table.primary_key)
    checks: list[tuple[str, str]] = []

    # 1. missing
    for c in table.columns:
        if not c.nullable or c.name in key:
            checks.append(_error(empty[c.name], c.name,
                                 literal(f"{c.name} is empty but required"), "missing", "NULL"))
    # 2. type
    for c in table.columns:
        if c.type != "text":
            checks.append(_error(
                f"NOT ({empty[c.name]}) AND {typed[c.name]} IS NULL", c.name,
                f"{literal(c.name + ' ')} || {_quoted(clean[c.name])} || "
                f"{literal(' is not a valid ' + stage.values.type_name(c))}", "type", clean[c.name]))
    # 3. domain
    for c in table.columns:
        if c.domain:
            allowed = ", ".join(literal(d) for d in c.domain)
            checks.append(_error(
                f"{typed[c.name]} NOT IN ({allowed})", c.name,
                f"{literal(c.name + ' ')} || {_quoted(clean[c.name])} || "
                f"{literal(' is not one of: ' + ', '.join(c.domain))}", "domain", clean[c.name]))
    # 4. range
    for c in table.columns:
        if c.min_value is not None:
            checks.append(_error(
                f"{typed[c.name]} < {number(c.min_value)}", c.name,
                f"{literal(c.name + ' ')} || {clean[c.name]} || "
                f"{literal(' is below the minimum ' + number(c.min_value))}", "range", clean[c.name]))
        if c.max_value is not None:
            checks.append(_error(
                f"{typed[c.name]} > {number(c.max_value)}", c.name,
                f"{literal(c.name + ' ')} || {clean[c.name]} || "
                f"{literal(' is above the maximum ' + number(c.max_value))}", "range", clean[c.name]))
    # 5. order
    for start, end in table.ordered:
        checks.append(_error(
            f"{typed[end]} < {typed[start]}", end,
            f"{literal(end + ' ')} || CAST({typed[end]} AS VARCHAR) || "
            f"{literal(' is before ' + start + ' ')} || CAST({typed[start]} AS VARCHAR)", "order", clean[end]))
    # 6. future
    if stage.cutoff is not None:
        cutoff = stage.cutoff
        for name in EVENT_COLUMNS[table.name]:
            if table.column(name).type == "timestamp":
                limit, shown = f"TIMESTAMP {literal(cutoff.instant.isoformat(sep=' '))}", cutoff.instant.isoformat(
                    sep=" ", timespec="seconds") + " UTC"
            else:
                limit, shown = f"DATE {literal(cutoff.local_date.isoformat())}", cutoff.local_date.isoformat()
            checks.append(_error(
                f"{typed[name]} > {limit}", name,
                f"{literal(name + ' ')} || {_quoted(clean[name])} || "
                f"{literal(f' is future-dated: after the export was made ({shown}, {cutoff.source})')}",
                "future", clean[name]))
    # 7. fx
    if table.name == "orders":
        currency = f"upper({clean['currency']})"
        # the order's local date: TIMESTAMPTZ -> DATE uses the session TimeZone
        order_date = f"CAST(timezone('UTC', {typed['created_at']}) AS DATE)"
        checks.append(_error(
            f"{currency} <> {literal(reporting_currency)} AND {typed['created_at']} IS NOT NULL "
            f"AND (_fx_first_date IS NULL OR {order_date} < _fx_first_date)",
            "currency",
            f"'currency ' || {currency} || ': no fx_rates row for ' || {currency} || "
            f"' on or before ' || CAST({order_date} AS VARCHAR) || ' (order ' || "
            f"coalesce({clean['order_id']}, '?') || ')'", "fx", currency))
    return checks


def stage_sql(stage: Stage, *, reporting_currency: str, fx_table: str) -> list[str]:
    """SQL statements that make the staging relation ``stage.name`` from ``stage.text_table``.

    Columns: _row_number, c<i> (the value of a native key column), v<i> (clean text, of the key and extra
    columns), t_<column>
    (typed contract values, defaults applied), _broken, _errors (list of
    {column_name, reason, rule, value}; NULL for a valid row), _ok, _dup_rank (1 = the row that is loaded for its key,
    2 = a valid row that lost its key to a later one), _winner (row number of the
    row that won the key).
    ``fx_table`` is the raw fx_rates table the orders are checked against.

    Rule 8 is found set-based, not by a window over every row: the valid rows'
    keys are grouped once (a hash aggregate) and only the keys that occur more
    than once are kept, with their last row (``max(_row_number)``, the row a
    window ordered by row number descending would rank first). ``stage.name``
    is a view that joins the rows to those few keys: the same _dup_rank = 1 rows
    and the same _winner as the window gave, without sorting the file.
    """
    cols = stage.cols
    table = cols.table
    width = len(cols.names)
    texts = [i for i in range(width) if i not in cols.native]  # the columns read as text, trimmed here
    clean = ", ".join(f"nullif({_trimmed(stage.column(i))}, '') AS {stage.clean(i)}" for i in texts)
    typed = ", ".join(f"{stage.typed_sql(c)} AS {stage.typed(c.name)}" for c in table.columns)
    fx_join = ""
    if table.name == "orders":  # rule 7 needs the first rate date per currency
        fx_join = (
            f"LEFT JOIN (SELECT upper(trim(currency)) AS _fx_currency, min(rate_date) AS _fx_first_date "
            f"FROM {fx_table} GROUP BY 1) AS fx "
            f"ON fx._fx_currency = upper(typed.{stage.clean(cols.contract['currency'])})"
        )
    found = _checks(stage, reporting_currency)
    checks = ",\n        ".join(error for _, error in found)
    # a row breaks a rule where a condition is true (NULL = not broken, as in the error's CASE); the list of
    # errors is built only for those rows: most rows are valid, and a list of structs per row is costly
    broken = "coalesce(" + " OR ".join(f"({condition})" for condition, _ in found) + ", false)" if found else "false"
    defaults = ", ".join(
        f"coalesce({stage.typed(c)}, {number(v) if isinstance(v, (int, float)) else literal(str(v))}) "
        f"AS {stage.typed(c)}"
        for c, v in table.defaults.items()
    )
    replace = f" REPLACE ({defaults})" if defaults else ""
    key = ", ".join(stage.typed(k) for k in table.primary_key)
    # the file's columns and their clean text are kept only where they are read after this statement: the
    # key columns (the duplicate reason) and the extra columns (stored as they are); the reasons of rules
    # 1-7 are already made, and a quarantined row's raw_row reads the file again (Stage.original_rows)
    kept = {cols.contract[k] for k in table.primary_key} | {p for _, p in cols.extras}
    unread = [stage.clean(i) for i in texts if i not in kept]
    unread += [stage.column(i) for i in range(width) if not (i in kept and i in cols.native)]
    exclude = f" EXCLUDE ({', '.join(unread)})"
    rows, dups = ident(stage.rows_table), ident(stage.dups_table)
    same_key = " AND ".join(f"r.{stage.typed(k)} = d.{stage.typed(k)}" for k in table.primary_key)
    return [f"""
CREATE OR REPLACE TEMP TABLE {rows} AS
WITH clean AS (
    SELECT _row_number, {", ".join([stage.column(i) for i in range(width)] + ([clean] if clean else []))}
    FROM {ident(stage.text_table)}
),
typed AS (
    SELECT *, {typed} FROM clean
),
checked AS (
    SELECT typed.*, {broken} AS _broken, CASE WHEN {broken} THEN list_filter([
        {checks}
    ], lambda e: e IS NOT NULL) END AS _errors
    FROM typed {fx_join}
)
SELECT *{exclude}{replace}, NOT _broken AS _ok FROM checked
""", f"""
CREATE OR REPLACE TEMP TABLE {dups} AS
SELECT {key}, max(_row_number) AS _winner FROM {rows} WHERE _ok GROUP BY {key} HAVING count(*) > 1
""", f"""
CREATE OR REPLACE TEMP VIEW {ident(stage.name)} AS
SELECT r.*,
    CASE WHEN r._ok THEN CASE WHEN d._winner IS NULL OR r._row_number = d._winner THEN 1 ELSE 2 END END
        AS _dup_rank,
    CASE WHEN r._ok THEN coalesce(d._winner, r._row_number) END AS _winner
FROM {rows} AS r LEFT JOIN {dups} AS d ON r._ok AND {same_key}
"""]


def drop_stage_sql(stage: Stage) -> list[str]:
    """SQL statements that drop what ``stage_sql`` made."""
    return [f"DROP VIEW {ident(stage.name)}", f"DROP TABLE {ident(stage.rows_table)}",
            f"DROP TABLE {ident(stage.dups_table)}"]
