"""How a file writes numbers and dates, and the SQL that reads them.

Decided per file, on its all-text table, in SQL (one pass over the decimal and
date columns), unless export.yml declares it: a declared value always wins.

Numbers (decimal columns):

* ``.`` is the default decimal mark. A file is read with a decimal comma when
  at least ``MIN_EVIDENCE`` of its decimal values can only be read that way
  (``12,50``, ``1 234,50``, ``1.234,5``) and none can only be read with a dot
  (``12.50``, ``1,234.50``). ``1,234`` and ``1.234`` alone prove nothing: each
  is a thousand or a fraction depending on the mark.
  Symmetrically, a file is known to use ``.`` when at least MIN_EVIDENCE
  values can only be read with a dot and none only with a comma.
* Grouping by a space, a no-break space or a narrow no-break space is always
  accepted in proper groups of three (``1 234 567,5``): a space is never a
  decimal mark. The other mark is accepted as grouping in a value that also
  has a decimal part (``1,234.50``, ``1.234,50``); in values without one
  (``1,234``, ``32.819``) only when the file's decimal mark is known
  (declared or detected: then the other mark cannot be a decimal mark) or
  ``thousands_separator`` is declared. Otherwise ``1,234`` is quarantined
  rather than guessed.

Dates and timestamps:

* ISO 8601 always (as before); day-first with dots (``31.12.2024``,
  ``31.12.2024 14:05``, ``31.12.2024 14:05:09``) always: no one writes
  month-first dates with dots.
* Slashes are ambiguous (``03/04/2024``). A file is read day-first when most
  of its date values are slash dates and some have a first number above 12
  while none has a second number above 12 (``31/12/2024``); month-first in
  the opposite case. Otherwise its slash dates are quarantined, and the
  message says to declare ``date_format`` (``%d/%m/%Y`` or ``%m/%d/%Y``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from orchestration.contract import Column
from orchestration.load.declared import ExportSettings
from orchestration.load.sql import ident, literal

MIN_EVIDENCE = 3  # decimal values that only a comma can read, before a file is taken as decimal-comma
SLASH_SHARE = 0.5  # share of a file's date values that are slash dates, before their order is detected
DOTTED_DAY_FIRST = "%d.%m.%Y"
_SPACES = " \u00a0\u202f"  # space, no-break space, narrow no-break space
_TRIM = literal(" \t\r\n\u00a0\ufeff")

# Strict shapes checked before TRY_CAST, which alone is lenient
# (it would round '3.5' into an int and read 'nan' or '1_000' as numbers).
DECIMAL_RE = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
INT_RE = r"[+-]?[0-9]+(\.0*)?"
DATE_RE = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([T ]00:00(:00(\.0*)?)?)?"
_ONLY_COMMA = r"[+-]?([0-9]+|[0-9]{1,3}([ .\x{00a0}\x{202f}][0-9]{3})+),[0-9]+"
_ONLY_DOT = r"[+-]?([0-9]+|[0-9]{1,3}([ ,\x{00a0}\x{202f}][0-9]{3})+)\.[0-9]+([eE][+-]?[0-9]+)?"
_PAD = r"[\s\x{00a0}\x{feff}]*"  # what the clean step trims, allowed around a value


def _padded(pattern: str) -> str:
    """``pattern`` with the whitespace the clean step trims allowed around it (its groups keep their numbers)."""
    return f"{_PAD}(?:{pattern}){_PAD}"


_COMMA_GROUPS = r"[+-]?[0-9]{1,3}(,[0-9]{3})+"  # 1,234: a thousand or a fraction, no evidence either way
_DOT_GROUPS = r"[+-]?[0-9]{1,3}(\.[0-9]{3})+"
_SLASH = r"([0-9]{1,2})/([0-9]{1,2})/[0-9]{4}([ T].*)?"

# Typed Parquet columns read as they are, not through their text (issue 20): by contract type, the DuckDB
# types whose values give, in the range ``_NATIVE_RANGE`` allows, exactly the value that ``typed_sql``
# reads from their text (``CAST(value AS VARCHAR)``, which has no whitespace and is never empty).
# tests/test_load_native.py checks each pair on edge values in several time zones and value formats.
# Every other type goes through its text as before: FLOAT (its text '1.1' reads back as another DOUBLE
# than the FLOAT's value), an int column from a DOUBLE (3.0 is a whole number, 1e+20 is not), and the
# types no test covers (DECIMAL, unsigned integers, timestamps in other units).
_INTEGERS = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT"})
NATIVE_TYPES: dict[str, frozenset[str]] = {
    "decimal": _INTEGERS | {"DOUBLE"},
    "int": _INTEGERS,
    "timestamp": frozenset({"TIMESTAMP", "TIMESTAMP WITH TIME ZONE"}),
    "date": frozenset({"DATE"}),
    "bool": frozenset({"BOOLEAN"}),
}
# The values of a native column that are read directly; any other (NaN, infinity, a date before year 1
# or after 9999) goes through its text as before, so its reason is the same.
_NATIVE_RANGE = {
    "DOUBLE": "isfinite({v})",
    "DATE": "{v} BETWEEN DATE '0001-01-01' AND DATE '9999-12-31'",
    "TIMESTAMP": "{v} BETWEEN TIMESTAMP '0001-01-01' AND TIMESTAMP '9999-12-31 23:59:59.999999'",
    "TIMESTAMP WITH TIME ZONE":
        "{v} BETWEEN TIMESTAMPTZ '0001-01-02 00:00:00+00' AND TIMESTAMPTZ '9999-12-30 00:00:00+00'",
}


def is_native(col: Column, file_type: str) -> bool:
    """Whether a file column of DuckDB type ``file_type`` is read natively for contract column ``col``."""
    return file_type in NATIVE_TYPES.get(col.type, frozenset())


def native_text(v: str) -> str:
    """The text of native column ``v``: what the loader read for it before (and quotes in reasons)."""
    return f"CAST({v} AS VARCHAR)"


DATE_FORMAT_NAMES = {"%d.%m.%Y": "DD.MM.YYYY", "%d/%m/%Y": "DD/MM/YYYY", "%m/%d/%Y": "MM/DD/YYYY",
                     "%Y/%m/%d": "YYYY/MM/DD", "%d-%m-%Y": "DD-MM-YYYY"}


@dataclass(frozen=True)
class ValueFormat:
    """How one file writes numbers and dates."""

    decimal_separator: str = "."
    thousands_separator: str | None = None  # declared; None = spaces only (and the other mark beside a decimal part)
    date_format: str | None = None  # date part of non-ISO dates besides DD.MM.YYYY (declared or detected)
    how: dict[str, str] = field(default_factory=dict)  # setting -> 'declared' | 'detected'

    def describe(self) -> dict[str, str]:
        """What the report says: setting -> 'value (how)', for the settings that are not the default."""
        out: dict[str, str] = {}
        if "decimal_separator" in self.how or self.decimal_separator != ".":
            out["decimal separator"] = f"{self.decimal_separator!r} ({self.how.get('decimal_separator', 'default')})"
        if self.thousands_separator is not None:
            out["thousands separator"] = f"{self.thousands_separator!r} (declared)"
        if self.date_format is not None:
            name = DATE_FORMAT_NAMES.get(self.date_format, self.date_format)
            out["date format"] = f"{name} ({self.how.get('date_format', 'declared')})"
        return out

    # ---------------------------------------------------------------- SQL for typed values

    def decimal_sql(self, v: str) -> str:
        """The DOUBLE of clean text ``v``, NULL unless it is a finite number in this format."""
        d = self.decimal_separator
        other = "," if d == "." else "."
        e = {".": r"\.", ",": ","}
        shapes = [DECIMAL_RE if d == "." else DECIMAL_RE.replace(r"\.", ",")]
        grouping = ""
        if self.thousands_separator != "":
            shapes.append(rf"[+-]?[0-9]{{1,3}}([{_SPACES}][0-9]{{3}})+({e[d]}[0-9]*)?")
            known = "decimal_separator" in self.how  # declared or detected: the other mark can only group
            fraction = rf"({e[d]}[0-9]*)?" if known else rf"{e[d]}[0-9]+"
            shapes.append(rf"[+-]?[0-9]{{1,3}}({e[other]}[0-9]{{3}})+{fraction}")
            grouping = _SPACES + other
        if self.thousands_separator:
            t = self.thousands_separator
            shapes.append(rf"[+-]?[0-9]{{1,3}}({e.get(t, t)}[0-9]{{3}})+({e[d]}[0-9]*)?")
            grouping += t
        plain = v
        if grouping:
            plain = f"regexp_replace({v}, {literal('[' + grouping + ']')}, '', 'g')"
        if d != ".":
            plain = f"replace({plain}, ',', '.')"
        first = shapes[0]
        # the plain shape first (most values; exactly the contract's check when the mark is '.'), the
        # grouped shapes only for the rest: CASE evaluates each branch on the rows still undecided
        plain_value = f"TRY_CAST({v} AS DOUBLE)" if d == "." else f"TRY_CAST(replace({v}, ',', '.') AS DOUBLE)"
        sql = (f"CASE WHEN regexp_full_match({v}, {literal(first)}) "
               f"THEN CASE WHEN isfinite({plain_value}) THEN {plain_value} END")
        if len(shapes) > 1:
            grouped = "|".join(f"({s})" for s in shapes[1:])
            sql += (f" WHEN regexp_full_match({v}, {literal(grouped)}) AND isfinite(TRY_CAST({plain} AS DOUBLE)) "
                    f"THEN TRY_CAST({plain} AS DOUBLE)")
        return sql + " END"

    def _date_formats(self) -> list[str]:
        formats = [DOTTED_DAY_FIRST]
        if self.date_format and self.date_format not in formats:
            formats.append(self.date_format)
        return formats

    def timestamp_sql(self, v: str) -> str:
        """TIMESTAMPTZ of ``v``: ISO 8601 (naive = session TimeZone, Z/offset honoured), else the day-first forms."""
        formats = [f + suffix for f in self._date_formats() for suffix in (" %H:%M:%S", " %H:%M", "")]
        listed = ", ".join(literal(f) for f in formats)
        return f"coalesce(TRY_CAST({v} AS TIMESTAMPTZ), CAST(try_strptime({v}, [{listed}]) AS TIMESTAMPTZ))"

    def date_sql(self, v: str) -> str:
        """DATE of ``v``: YYYY-MM-DD (midnight time allowed), else the day-first forms (midnight time allowed)."""
        listed = ", ".join(literal(f) for f in self._date_formats())
        bare = f"regexp_replace({v}, '[ T]00:00(:00)?$', '')"
        return (f"CASE WHEN regexp_full_match({v}, {literal(DATE_RE)}) THEN TRY_CAST({v} AS DATE) "
                f"ELSE CAST(try_strptime({bare}, [{listed}]) AS DATE) END")

    def typed_sql(self, col: Column, v: str) -> str:
        """SQL for the typed value of ``col`` from its clean text ``v`` (NULL if it does not cast)."""
        if col.type == "text":
            return f"lower({v})" if col.domain else v
        if col.type == "timestamp":
            # The session TimeZone is the `timezone` setting: a naive value is read in
            # it, one with Z/offset keeps its instant; stored as naive UTC.
            return f"timezone('UTC', {self.timestamp_sql(v)})"
        if col.type == "date":
            return self.date_sql(v)
        if col.type == "decimal":
            return self.decimal_sql(v)
        if col.type == "int":
            return (f"CASE WHEN regexp_full_match({v}, {literal(INT_RE)}) "
                    f"THEN TRY_CAST(split_part({v}, '.', 1) AS BIGINT) END")
        if col.type == "bool":
            return (f"CASE lower({v}) WHEN 'true' THEN true WHEN '1' THEN true "
                    f"WHEN 'false' THEN false WHEN '0' THEN false END")
        raise ValueError(f"unknown contract type {col.type!r}")

    def native_sql(self, col: Column, v: str, file_type: str, zone: str) -> str:
        """SQL for the typed value of native column ``v`` (DuckDB type ``file_type``, ``is_native``) in a
        session whose TimeZone is ``zone``: the value itself where it is in range and the file's format
        reads its text so, else ``typed_sql`` on its text. Equal to ``typed_sql(col, native_text(v))`` on
        every value."""
        text_path = self.typed_sql(col, native_text(v))
        if col.type == "decimal" and self.decimal_separator != ".":
            return text_path  # its text '1.5' is not a number with a decimal comma
        if col.type == "timestamp" and file_type == "TIMESTAMP" and zone == "UTC":
            value = v  # read in UTC and stored as naive UTC: itself, without two time zone conversions
        elif col.type == "timestamp":
            # a naive value is read in the session TimeZone, as its text is (TRY_CAST: no error out of range)
            instant = v if file_type.endswith("TIME ZONE") else f"TRY_CAST({v} AS TIMESTAMPTZ)"
            value = f"timezone('UTC', {instant})"
        elif col.type == "decimal":
            value = f"CAST({v} AS DOUBLE)"
        elif col.type == "int":
            value = f"CAST({v} AS BIGINT)"
        else:
            value = v
        guard = _NATIVE_RANGE.get(file_type)
        if guard is None:
            return value
        return f"CASE WHEN {guard.format(v=v)} THEN {value} ELSE {text_path} END"

    def type_name(self, col: Column) -> str:
        """How a reason names the type a value failed to be."""
        base = {"timestamp": "timestamp (ISO 8601)", "date": "date (YYYY-MM-DD)", "decimal": "number",
                "int": "whole number", "bool": "boolean (true/false/1/0)"}[col.type]
        if col.type in ("timestamp", "date") and self.date_format:
            name = DATE_FORMAT_NAMES.get(self.date_format, self.date_format)
            base = base[:-1] + f" or {name})"
        if col.type == "decimal" and self.decimal_separator != ".":
            base += f" (decimal separator {self.decimal_separator!r})"
        return base


def _dot_evidence(text_table: str, v: str) -> str:
    """SQL counting the values of text ``v`` that only a dot reads; '.' is in nearly every value of a dot
    file, so the count stops at MIN_EVIDENCE (see detect_value_format)."""
    return (f"SELECT count(*) FROM (SELECT 1 FROM {ident(text_table)} WHERE contains({v}, '.') "
            f"AND regexp_full_match({v}, {literal(_padded(_ONLY_DOT))}) "
            f"AND NOT regexp_full_match({v}, {literal(_padded(_DOT_GROUPS))}) LIMIT {MIN_EVIDENCE})")


def detect_value_format(con: duckdb.DuckDBPyConnection, text_table: str, columns: list[tuple[Column, int]],
                        settings: ExportSettings, native: dict[int, str] | None = None) -> ValueFormat:
    """The ValueFormat of one file: declared values from ``settings``, the rest detected on ``text_table``.

    ``columns`` are the contract columns with their position (``c<i>``) in the text table; ``native``
    the positions read in their own type (read.py) with that type. The text of a number or a date in
    its own type never holds a comma or a slash, so their counts are 0 without a scan; it still counts
    among the date values, and a DOUBLE's text may be dot evidence.
    """
    native = native or {}
    how: dict[str, str] = {}
    decimal = settings.decimal_separator
    if decimal:
        how["decimal_separator"] = "declared"
    date_format = settings.date_format
    if date_format:
        how["date_format"] = "declared"

    # One scan of the text table, one aggregate per column and question (the dot evidence apart), no
    # unnesting and no trim() (the patterns allow the surrounding whitespace themselves): the regular
    # expressions run only on values that have the character they are about.
    aggregates: list[str] = []
    capped: list[str] = []  # counts that only matter up to MIN_EVIDENCE
    if not decimal:
        for c, i in columns:
            if c.type == "decimal" and i in native:
                if native[i] == "DOUBLE":  # an integer type's text has no dot
                    capped.append(_dot_evidence(text_table, native_text(f"c{i}")))
            elif c.type == "decimal":
                aggregates.append(
                    f"count(*) FILTER (contains(c{i}, ',') AND regexp_full_match(c{i}, {literal(_padded(_ONLY_COMMA))}) "
                    f"AND NOT regexp_full_match(c{i}, {literal(_padded(_COMMA_GROUPS))})) AS comma_{i}")
                capped.append(_dot_evidence(text_table, f"c{i}"))
    dates = [i for c, i in columns if c.type in ("date", "timestamp")]
    if not date_format and any(i not in native for i in dates):  # else no slash date can be there
        for c, i in columns:
            if c.type in ("date", "timestamp") and i in native:
                aggregates.append(f"count(c{i}) AS values_{i}")  # the share of slash dates counts them too
            elif c.type in ("date", "timestamp"):
                pattern = literal(_padded(_SLASH))
                slash = f"contains(c{i}, '/') AND regexp_full_match(c{i}, {pattern})"
                part = lambda n: f"TRY_CAST(regexp_extract(c{i}, {pattern}, {n}) AS INT)"  # noqa: E731
                aggregates.append(f"count(c{i}) AS values_{i}")
                aggregates.append(f"count(*) FILTER ({slash}) AS slash_{i}")
                aggregates.append(f"count(*) FILTER ({slash} AND {part(1)} > 12) AS day_first_{i}")
                aggregates.append(f"count(*) FILTER ({slash} AND {part(2)} > 12) AS month_first_{i}")
    totals: dict[str, int] = {}
    if aggregates:
        cursor = con.execute(f"SELECT {', '.join(aggregates)} FROM {ident(text_table)}")
        row = cursor.fetchone()
        for (name, *_), value in zip(cursor.description, row):
            key = name.rsplit("_", 1)[0]
            totals[key] = totals.get(key, 0) + int(value)
    # min(count, MIN_EVIDENCE) per column: their sum reaches MIN_EVIDENCE, or is 0, exactly when the full
    # counts' sum does, and that is all the decision below asks of it
    dot = sum(con.execute(query).fetchone()[0] for query in capped)
    numbers = {"comma": totals.get("comma", 0), "dot": dot}
    slashes = {k: totals.get(k, 0) for k in ("values", "slash", "day_first", "month_first")}

    if not decimal:
        decimal = "."
        if numbers and numbers["comma"] >= MIN_EVIDENCE and numbers["dot"] == 0:
            decimal, how["decimal_separator"] = ",", "detected"
        elif numbers and numbers["dot"] >= MIN_EVIDENCE and numbers["comma"] == 0:
            how["decimal_separator"] = "detected"
    if not date_format and slashes and slashes["values"] and slashes["slash"] >= SLASH_SHARE * slashes["values"]:
        if slashes["day_first"] and not slashes["month_first"]:
            date_format, how["date_format"] = "%d/%m/%Y", "detected"
        elif slashes["month_first"] and not slashes["day_first"]:
            date_format, how["date_format"] = "%m/%d/%Y", "detected"
    return ValueFormat(decimal, settings.thousands_separator, date_format, how)
