"""Row-level rules of the contract, as one SQL statement per file.

Turns the all-text table of read.py into a typed staging table in a single
vectorised pass. Each row gets the list of rules it breaks (``_errors``), in
this order, which is also the order of the reasons in raw.quarantine:

1. missing: NULL (after trimming; empty = NULL) in a non-nullable or key column
2. type: a value that does not cast to its contract type
   (timestamp: ISO 8601, naive = the ``timezone`` setting, Z/offset honoured;
   date: YYYY-MM-DD; decimal: '.' decimal mark, finite; int: whole number;
   bool: true/false/1/0)
3. domain: a text value outside its allowed values (compared trimmed and
   case-insensitively, stored lower-case)
4. range: a number below min_value or above max_value
5. order: an end before its start (contract ``ordered`` pairs)
6. fx (orders only): a currency other than the reporting currency with no
   raw.fx_rates row for it on or before the order's local date
7. duplicate key: among rows that pass 1-6, the last row of the file with a
   primary key wins; earlier ones are quarantined as duplicates. Rows that
   break a rule never compete for a key, so a broken last row does not evict
   a good earlier one.

Rules 2-5 look at values that are present and castable only, so a row gets
one reason per actual fault (a bad timestamp is not also 'out of order').
Reason texts name the column and quote the offending value.

Orphans (a key that points at no row of another table) are not checked here:
they are kept and reported by dbt relationship tests downstream.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.contract import Column
from orchestration.load.read import FileColumns
from orchestration.load.sql import ident, literal, number

# Whitespace trimmed from every text value (incl. no-break space and a stray BOM).
_TRIM = literal(" \t\r\n\u00a0\ufeff")

# Strict shapes checked before TRY_CAST, which alone is lenient
# (it would round '3.5' into an int and read 'nan' or '1_000' as numbers).
_INT_RE = literal(r"[+-]?[0-9]+(\.0*)?")
_DECIMAL_RE = literal(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DATE_RE = literal(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([T ]00:00(:00(\.0*)?)?)?")

_TYPE_NAMES = {
    "timestamp": "timestamp (ISO 8601)",
    "date": "date (YYYY-MM-DD)",
    "decimal": "number",
    "int": "whole number",
    "bool": "boolean (true/false/1/0)",
}

VALUE_CHARS = 80  # longest quoted value in a reason


@dataclass(frozen=True)
class Stage:
    """Names in the staging table made by ``stage_sql``."""

    name: str
    cols: FileColumns

    def typed(self, column: str) -> str:
        """The typed (validated, cast, defaulted) value of a contract column."""
        return ident(f"t_{column}")

    def text(self, position: int) -> str:
        """The original text of file column ``position``."""
        return f"c{position}"

    def clean(self, position: int) -> str:
        """The trimmed text of file column ``position`` (empty = NULL)."""
        return f"v{position}"


def _typed_expr(col: Column, v: str) -> str:
    """SQL for the typed value of ``col`` from its clean text ``v`` (NULL if it does not cast)."""
    if col.type == "text":
        return f"lower({v})" if col.domain else v
    if col.type == "timestamp":
        # The session TimeZone is the `timezone` setting: a naive value is read in
        # it, one with Z/offset keeps its instant; stored as naive UTC.
        return f"timezone('UTC', TRY_CAST({v} AS TIMESTAMPTZ))"
    if col.type == "date":
        return f"CASE WHEN regexp_full_match({v}, {_DATE_RE}) THEN TRY_CAST({v} AS DATE) END"
    if col.type == "decimal":
        return (f"CASE WHEN regexp_full_match({v}, {_DECIMAL_RE}) AND isfinite(TRY_CAST({v} AS DOUBLE)) "
                f"THEN TRY_CAST({v} AS DOUBLE) END")
    if col.type == "int":
        return f"CASE WHEN regexp_full_match({v}, {_INT_RE}) THEN TRY_CAST(split_part({v}, '.', 1) AS BIGINT) END"
    if col.type == "bool":
        return (f"CASE lower({v}) WHEN 'true' THEN true WHEN '1' THEN true "
                f"WHEN 'false' THEN false WHEN '0' THEN false END")
    raise ValueError(f"unknown contract type {col.type!r}")


def _quoted(v: str) -> str:
    """SQL for ``'value'`` in a reason, shortened to VALUE_CHARS."""
    return f"'''' || left({v}, {VALUE_CHARS}) || ''''"


def _error(condition: str, column: str, reason_sql: str) -> str:
    return f"CASE WHEN {condition} THEN {{'column_name': {literal(column)}, 'reason': {reason_sql}}} END"


def _checks(stage: Stage, reporting_currency: str) -> list[str]:
    cols = stage.cols
    table = cols.table
    clean = {c: stage.clean(p) for c, p in cols.contract.items()}
    typed = {c: stage.typed(c) for c in cols.contract}
    key = set(table.primary_key)
    checks: list[str] = []

    # 1. missing
    for c in table.columns:
        if not c.nullable or c.name in key:
            checks.append(_error(f"{clean[c.name]} IS NULL", c.name,
                                 literal(f"{c.name} is empty but required")))
    # 2. type
    for c in table.columns:
        if c.type != "text":
            checks.append(_error(
                f"{clean[c.name]} IS NOT NULL AND {typed[c.name]} IS NULL", c.name,
                f"{literal(c.name + ' ')} || {_quoted(clean[c.name])} || "
                f"{literal(' is not a valid ' + _TYPE_NAMES[c.type])}"))
    # 3. domain
    for c in table.columns:
        if c.domain:
            allowed = ", ".join(literal(d) for d in c.domain)
            checks.append(_error(
                f"{typed[c.name]} NOT IN ({allowed})", c.name,
                f"{literal(c.name + ' ')} || {_quoted(clean[c.name])} || "
                f"{literal(' is not one of: ' + ', '.join(c.domain))}"))
    # 4. range
    for c in table.columns:
        if c.min_value is not None:
            checks.append(_error(
                f"{typed[c.name]} < {number(c.min_value)}", c.name,
                f"{literal(c.name + ' ')} || {clean[c.name]} || "
                f"{literal(' is below the minimum ' + number(c.min_value))}"))
        if c.max_value is not None:
            checks.append(_error(
                f"{typed[c.name]} > {number(c.max_value)}", c.name,
                f"{literal(c.name + ' ')} || {clean[c.name]} || "
                f"{literal(' is above the maximum ' + number(c.max_value))}"))
    # 5. order
    for start, end in table.ordered:
        checks.append(_error(
            f"{typed[end]} < {typed[start]}", end,
            f"{literal(end + ' ')} || CAST({typed[end]} AS VARCHAR) || "
            f"{literal(' is before ' + start + ' ')} || CAST({typed[start]} AS VARCHAR)"))
    # 6. fx
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
            f"coalesce({clean['order_id']}, '?') || ')'"))
    return checks


def stage_sql(stage: Stage, text_table: str, *, reporting_currency: str, fx_table: str) -> str:
    """SQL that creates the TEMP staging table ``stage.name`` from ``text_table``.

    Columns: _row_number, c<i> (original text), v<i> (clean text), t_<column>
    (typed contract values, defaults applied), _errors (list of
    {column_name, reason}), _ok, _dup_rank (1 = the row that is loaded for its key),
    _winner (row number of the row that won the key).
    ``fx_table`` is the raw fx_rates table the orders are checked against.
    """
    cols = stage.cols
    table = cols.table
    width = len(cols.names)
    clean = ", ".join(f"nullif(trim({stage.text(i)}, {_TRIM}), '') AS {stage.clean(i)}" for i in range(width))
    typed = ", ".join(
        f"{_typed_expr(c, stage.clean(cols.contract[c.name]))} AS {stage.typed(c.name)}" for c in table.columns
    )
    fx_join = ""
    if table.name == "orders":  # rule 6 needs the first rate date per currency
        fx_join = (
            f"LEFT JOIN (SELECT upper(trim(currency)) AS _fx_currency, min(rate_date) AS _fx_first_date "
            f"FROM {fx_table} GROUP BY 1) AS fx "
            f"ON fx._fx_currency = upper(typed.{stage.clean(cols.contract['currency'])})"
        )
    checks = ",\n        ".join(_checks(stage, reporting_currency))
    defaults = ", ".join(
        f"coalesce({stage.typed(c)}, {number(v) if isinstance(v, (int, float)) else literal(str(v))}) "
        f"AS {stage.typed(c)}"
        for c, v in table.defaults.items()
    )
    replace = f" REPLACE ({defaults})" if defaults else ""
    key = ", ".join(stage.typed(k) for k in table.primary_key)
    return f"""
CREATE OR REPLACE TEMP TABLE {ident(stage.name)} AS
WITH clean AS (
    SELECT _row_number, {", ".join(stage.text(i) for i in range(width))}, {clean}
    FROM {ident(text_table)}
),
typed AS (
    SELECT *, {typed} FROM clean
),
checked AS (
    SELECT typed.*, list_filter([
        {checks}
    ], lambda e: e IS NOT NULL) AS _errors
    FROM typed {fx_join}
),
flagged AS (
    SELECT *{replace}, len(_errors) = 0 AS _ok FROM checked
)
SELECT *,
    CASE WHEN _ok THEN row_number() OVER dup END AS _dup_rank,
    CASE WHEN _ok THEN first_value(_row_number) OVER dup END AS _winner
FROM flagged
WINDOW dup AS (PARTITION BY _ok, {key} ORDER BY _row_number DESC)
"""
