"""Read an export file into a temporary all-text table, in file order.

Everything is read as text (VARCHAR) with DuckDB's own readers (CSV, JSON
Lines, Parquet) or fastexcel's Arrow output (Excel), and only then validated
and cast in SQL (values.py, validate.py): a bad value must become a quarantine
reason for its row, not a failed read of the whole file. The one exception is a typed Parquet
column whose type reads exactly as its text would (``values.NATIVE_TYPES``: a
DOUBLE for a decimal, a TIMESTAMP for a timestamp, ...): it is read as it is,
which saves casting it to text and parsing it back (issue 20), and its text is
made only where a reason or a quarantined row's raw_row quotes it. Each row keeps its
1-based data row number (header excluded) so that messages can point at it.

Two steps, because they fail differently:

* ``file_columns`` decides how the file is read (encoding.py: its encoding,
  and a UTF-8 copy if it needs one; ``sniff_delimiter``: its delimiter) and
  looks only at its header (CSV, Excel), keys (JSON Lines) or schema
  (Parquet). It runs for every file before the warehouse is touched, so a
  missing required column stops the load with nothing written.
* ``read_text`` reads the rows. A file that cannot be parsed (a row with the
  wrong number of fields, an unterminated quote, a corrupt gzip, a line that
  is not JSON) stops the load too: when the structure of a file is broken,
  values may sit in the wrong columns, so no row of it can be trusted.

CSV headers are parsed with Python's csv module (one record, not the data):
DuckDB's sniffer may take a later, wider row for the header when rows are
ragged, whereas the contract says the first row is the header. The rows are
then read by ``read_csv`` with that header and delimiter, auto-detection off
and strict parsing, in parallel; ``row_number() over ()`` under
``preserve_insertion_order`` numbers them in file order (checked against a
3M-row file on 4 threads). Parquet rows are numbered with the reader's
``file_row_number``.

A mapping preset (hook.py) is applied by ``apply_mapping`` between reading
and validating: the source file is read as text like any other, then its
expressions make the contract-named text columns.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.contract import Table
from orchestration.load.declared import ExportSettings
from orchestration.load.discover import SourceFile
from orchestration.load.encoding import Encoding, detect_encoding, open_binary, transcode
from orchestration.load.errors import LoadError
from orchestration.load.hook import TableMapping, keeps_extras, resolved
from orchestration.load.sql import ident, literal
from orchestration.load.values import is_native

# Columns the loader adds to every raw table; a file may not bring its own.
LINEAGE_COLUMNS = ("_source_file", "_loaded_at")
# Delimiters a CSV file is sniffed among, the default first.
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SNIFF_BYTES = 1 << 16
_SNIFF_RECORDS = 50


@dataclass(frozen=True)
class Layout:
    """How a file is read, decided before the warehouse is opened."""

    path: Path  # what the reader reads: the file itself, or a UTF-8 copy of it
    encoding: Encoding | None = None  # text formats (CSV, JSON Lines)
    delimiter: str | None = None  # CSV
    delimiter_how: str | None = None  # 'declared' | 'detected'

    def describe(self) -> dict[str, str]:
        """What the report says about it: setting -> 'value (how)'."""
        out: dict[str, str] = {}
        if self.encoding is not None:
            out["encoding"] = f"{self.encoding.display} ({self.encoding.how})"
        if self.delimiter is not None:
            out["delimiter"] = f"{DELIMITER_NAMES[self.delimiter]} ({self.delimiter_how})"
        return out


@dataclass(frozen=True)
class FileColumns:
    """The columns of one file, matched to its contract table.

    The text table made by ``read_text`` names column ``i`` ``c{i}``, so
    arbitrary header names never need to survive a round trip through SQL.
    Without a mapping its columns are the file's; with one, the contract
    columns (in contract order) and then the kept extras.
    """

    source: SourceFile
    table: Table
    names: tuple[str, ...]  # column names of the text table (empty header -> column_<position>)
    file_names: tuple[str, ...]  # header names exactly as in the file
    contract: dict[str, int]  # contract column -> text table position
    extras: tuple[tuple[str, int], ...]  # (name, text table position) of non-contract columns
    layout: Layout = field(default=None)  # type: ignore[assignment]
    mapping: TableMapping | None = None
    header: tuple[str, ...] = ()  # the file's header names, trimmed (= names without a mapping)
    native: dict[int, str] = field(default_factory=dict)  # text table position -> DuckDB type, read as it is


# --------------------------------------------------------------------------- layout and header

def _text_sample(path: Path) -> str:
    """The first complete lines of a UTF-8 (copy of a) file, for sniffing."""
    with open_binary(path) as raw:
        data = raw.read(_SNIFF_BYTES)
    if len(data) == _SNIFF_BYTES and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    return data.decode("utf-8-sig", errors="replace")


def sniff_delimiter(sample: str, expected: set[str]) -> str:
    """The delimiter among DELIMITERS that splits ``sample`` best.

    Best = the header has the most expected column names, then every sampled
    record has as many fields as the header, then the most fields. A file whose
    header names are all known is never split wrongly by a comma inside a
    value (``1 234,50``); a one-column file stays comma-separated.
    """
    def score(delimiter: str) -> tuple[int, int, int]:
        records = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))[:_SNIFF_RECORDS]
        if not records:
            return (0, 0, 0)
        header = records[0]
        known = sum(1 for name in header if name.strip().lower() in expected)
        consistent = int(len(header) > 1 and all(len(r) == len(header) for r in records[1:] if r))
        return (known, consistent, len(header))

    return max(DELIMITERS, key=lambda d: (score(d), -DELIMITERS.index(d)))


def _csv_header(path: Path, delimiter: str, label: str) -> list[str]:
    try:
        with open_binary(path) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            header = next(csv.reader(text, delimiter=delimiter), None)
    except UnicodeDecodeError as error:  # pragma: no cover - the encoding was checked first
        raise LoadError(f"{label}: the header is not UTF-8 ({error.reason})") from None
    except (OSError, EOFError, csv.Error) as error:
        raise LoadError(f"{label}: cannot be read: {error}") from None
    if not header:
        raise LoadError(f"{label}: the file is empty; a header row with the column names is required")
    return header


def _parquet_schema(source: SourceFile) -> list[tuple[str, str]]:
    """(column name, DuckDB type) of a Parquet file, in file order."""
    con = duckdb.connect()
    try:
        rows = con.execute("DESCRIBE SELECT * FROM read_parquet($path)", {"path": str(source.path)}).fetchall()
    except duckdb.Error as error:
        raise LoadError(f"{source.path}: cannot be read as Parquet: {_first_lines(error)}") from None
    finally:
        con.close()
    return [(row[0], row[1]) for row in rows]


def _jsonl_header(path: Path, label: str) -> list[str]:
    """Every key of the file's objects, in order of first appearance."""
    if not _text_sample(path).strip():
        raise LoadError(f"{label}: the file is empty; one JSON object per line is required")
    con = duckdb.connect()
    try:
        rows = con.execute(
            "DESCRIBE SELECT * FROM read_json($path, format = 'newline_delimited', sample_size = -1, "
            "maximum_depth = 1)", {"path": str(path)}).fetchall()
    except duckdb.Error as error:
        message = _first_lines(error)
        raise LoadError(f"{label}: cannot be read as JSON Lines: {message}") from None
    finally:
        con.close()
    names = [row[0] for row in rows]
    if not names or names == ["json"]:  # DuckDB's one column for values that are not objects
        raise LoadError(f"{label}: holds no JSON objects; one object per line is required")
    return names


def _excel_sheet(source: SourceFile, n_rows: int | None = None):
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(source.path))
        return reader.load_sheet(source.sheet if source.sheet is not None else 0, n_rows=n_rows, dtypes="string")
    except Exception as error:  # fastexcel raises its own error types
        raise LoadError(f"{source.label}: cannot be read: {str(error).splitlines()[0]}") from None


def _excel_header(source: SourceFile) -> list[str]:
    names = [c.name for c in _excel_sheet(source, n_rows=0).available_columns()]
    if not names:
        raise LoadError(f"{source.label}: the sheet is empty; a header row with the column names is required")
    return names


def layout_of(source: SourceFile, settings: ExportSettings, workdir: Path, expected: set[str]) -> Layout:
    """How ``source`` is read: encoding (and a UTF-8 copy in ``workdir`` if needed), delimiter."""
    if source.format in ("parquet", "excel"):
        return Layout(source.path)
    encoding = detect_encoding(source.path, settings.encoding)
    path = source.path
    if encoding.needs_transcoding:
        path = transcode(source.path, encoding, workdir / f"{len(list(workdir.iterdir()))}_{source.table}.utf8")
    if source.format == "jsonl":
        return Layout(path, encoding)
    if settings.delimiter:
        return Layout(path, encoding, settings.delimiter, "declared")
    return Layout(path, encoding, sniff_delimiter(_text_sample(path), expected), "detected")


def _header(source: SourceFile, layout: Layout) -> tuple[list[str], list[str]]:
    """The file's column names, and their DuckDB types where the file has types (Parquet; else none)."""
    if source.format == "csv":
        return _csv_header(layout.path, layout.delimiter or ",", str(source.path)), []
    if source.format == "jsonl":
        return _jsonl_header(layout.path, str(source.path)), []
    if source.format == "excel":
        return _excel_header(source), []
    schema = _parquet_schema(source)
    return [name for name, _ in schema], [file_type for _, file_type in schema]


def mapping_sources(mapping: TableMapping) -> set[str]:
    """The source column names a mapping's expressions quote (for sniffing the delimiter)."""
    names: set[str] = set()
    for expression in mapping.columns.values():
        names.update(m.replace('""', '"').strip().lower() for m in re.findall(r'"((?:[^"]|"")+)"', expression))
    return names


def file_columns(source: SourceFile, table: Table, settings: ExportSettings, workdir: Path,
                 mapping: TableMapping | None = None) -> FileColumns:
    """Decide how ``source`` is read and match its header to the contract ``table``.

    Names are compared after trimming and without regard to case. Every
    contract column must be present (order does not matter); others are kept
    as extra columns. With a ``mapping``, every contract column needs an
    expression and every expression must bind to the file's header instead.
    ``workdir`` receives the UTF-8 copy of a file that needs one (the caller
    removes it). Raises LoadError naming the file and the column.
    """
    expected = mapping_sources(mapping) if mapping is not None else set(table.column_names)
    layout = layout_of(source, settings, workdir, expected)
    raw_names, file_types = _header(source, layout)
    names = tuple(n.strip() or f"column_{i + 1}" for i, n in enumerate(raw_names))

    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        key = name.lower()
        if key in seen:
            raise LoadError(f"{source.label}: column {name!r} appears twice in the header "
                            f"(positions {seen[key] + 1} and {position + 1})")
        if key in LINEAGE_COLUMNS:
            raise LoadError(f"{source.label}: column {name!r} is reserved for the loader's lineage; rename it")
        seen[key] = position

    if mapping is not None:
        return _mapped_columns(source, table, layout, tuple(raw_names), names,
                               resolved(mapping, names, source.label))

    missing = [c for c in table.column_names if c not in seen]
    if missing:
        hint = ""
        if len(names) == 1 and source.format == "csv" and any(d in names[0] for d in DELIMITERS[1:]):
            hint = " (the header is one column: another delimiter? set delimiter in export.yml)"
        raise LoadError(
            f"{source.label}: required column {missing[0]!r} is missing"
            + (f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else "")
            + f"; table {table.name} needs {', '.join(table.column_names)}{hint}"
        )
    contract = {c: seen[c] for c in table.column_names}
    used = set(contract.values())
    extras = tuple((name, i) for i, name in enumerate(names) if i not in used)
    return FileColumns(source, table, names, tuple(raw_names), contract, extras, layout, None, names,
                       native=_native_columns(table, contract, file_types))


def _native_columns(table: Table, contract: dict[str, int], file_types: list[str]) -> dict[int, str]:
    """The contract columns of a typed (Parquet) file that are read in their own type (``values.is_native``);
    none for a file without types."""
    if not file_types:
        return {}
    return {position: file_types[position] for name, position in contract.items()
            if is_native(table.column(name), file_types[position])}


def _mapped_columns(source: SourceFile, table: Table, layout: Layout, raw_names: tuple[str, ...],
                    names: tuple[str, ...], mapping: TableMapping) -> FileColumns:
    missing = [c for c in table.column_names if c not in mapping.columns]
    unknown = [c for c in mapping.columns if c not in table.column_names]
    if missing or unknown:
        raise LoadError(f"the mapping of table {table.name}: "
                        + (f"no expression for {', '.join(missing)} (use NULL for a column the CRM lacks)"
                           if missing else "")
                        + ("; " if missing and unknown else "")
                        + (f"{', '.join(unknown)} not contract columns" if unknown else ""))
    con = duckdb.connect()
    try:
        header = ", ".join(f"CAST(NULL AS VARCHAR) AS {ident(n)}" for n in names)
        for column in table.column_names:
            expression = mapping.columns[column]
            try:
                con.execute(f"DESCRIBE SELECT CAST(({expression}) AS VARCHAR) FROM (SELECT {header}) AS source")
            except duckdb.Error as error:
                raise LoadError(f"{source.label}: the mapping's expression for {table.name}.{column} "
                                f"({expression}) does not fit the file: {_first_lines(error, 1)}; "
                                f"the file's columns are {', '.join(names)}") from None
    finally:
        con.close()
    contract_lower = {c.lower() for c in table.column_names}
    kept = [n for n in names if n.lower() not in contract_lower] if keeps_extras(mapping) else []
    width = len(table.column_names)
    return FileColumns(
        source, table,
        names=tuple(table.column_names) + tuple(kept),
        file_names=raw_names,
        contract={c: i for i, c in enumerate(table.column_names)},
        extras=tuple((n, width + j) for j, n in enumerate(kept)),
        layout=layout, mapping=mapping, header=names,
    )


def _first_lines(error: Exception, limit: int = 3) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    kept: list[str] = []
    for line in lines:
        # DuckDB appends fix suggestions and the failing SQL; the user needs neither
        if line.startswith(("Possible", "*", "LINE ", "^")):
            break
        kept.append(line)
    return " / ".join(kept[:limit])


# --------------------------------------------------------------------------- rows

def _source_select(con: duckdb.DuckDBPyConnection, cols: FileColumns) -> str:
    """SELECT _row_number, c0..cN (the file's columns as text; a native column as it is) FROM the file."""
    source = cols.source
    path = literal(str(cols.layout.path if cols.layout else source.path))
    width = len(cols.file_names)
    if source.format == "csv":
        spec = ", ".join(f"{literal(f'c{i}')}: 'VARCHAR'" for i in range(width))
        return (
            "SELECT row_number() OVER () AS _row_number, * "
            f"FROM read_csv({path}, header = true, auto_detect = false, columns = {{{spec}}}, "
            f"delim = {literal(cols.layout.delimiter or ',')}, quote = '\"', escape = '\"', encoding = 'utf-8', "
            "strict_mode = true, null_padding = false)"
        )
    if source.format == "jsonl":
        spec = ", ".join(f"{literal(n)}: 'VARCHAR'" for n in cols.file_names)
        casts = ", ".join(f"{ident(n)} AS c{i}" for i, n in enumerate(cols.file_names))
        return (f"SELECT row_number() OVER () AS _row_number, {casts} "
                f"FROM read_json({path}, format = 'newline_delimited', columns = {{{spec}}})")
    if source.format == "excel":
        sheet = _excel_sheet(source).to_arrow()
        con.register("_load_excel", sheet)
        casts = ", ".join(f"CAST({ident(n)} AS VARCHAR) AS c{i}" for i, n in enumerate(sheet.schema.names))
        return f"SELECT row_number() OVER () AS _row_number, {casts} FROM _load_excel"
    casts = ", ".join(f"{ident(n)} AS c{i}" if i in cols.native else f"CAST({ident(n)} AS VARCHAR) AS c{i}"
                      for i, n in enumerate(cols.file_names))
    if "file_row_number" in (n.lower() for n in cols.file_names):
        return f"SELECT row_number() OVER () AS _row_number, {casts} FROM read_parquet({path})"
    return (f"SELECT file_row_number + 1 AS _row_number, {casts} "
            f"FROM read_parquet({path}, file_row_number = true)")


def text_is_view(cols: FileColumns) -> bool:
    """Whether ``read_text`` makes a view rather than a table: for a Parquet file without a mapping.

    Parquet is columnar and typed, so reading it again is cheap: the value-format scan reads only the
    decimal and date columns, and the staging statement reads it once more. Copying every column's text
    into a table first would hold the whole file in memory as text for nothing (the same SQL runs on
    the view, so the same values are checked).
    """
    return cols.source.format == "parquet" and cols.mapping is None


def _text_kind(cols: FileColumns) -> str:
    """What ``read_text`` makes for ``cols``: VIEW or TABLE."""
    return "VIEW" if text_is_view(cols) else "TABLE"


def read_text(con: duckdb.DuckDBPyConnection, cols: FileColumns, name: str) -> int:
    """Create TEMP table (or view, ``text_is_view``) ``name`` (_row_number, c0..cN as VARCHAR, a native
    Parquet column in its own type: ``FileColumns.native``); return its
    row count.

    Without a mapping c<i> is the file's column i; with one, the table has
    the contract columns and kept extras in ``cols.names`` order.
    """
    target = f"{name}__source" if cols.mapping is not None else name
    kind = _text_kind(cols)
    try:
        con.execute(f"CREATE OR REPLACE TEMP {kind} {ident(target)} AS {_source_select(con, cols)}")
        if kind == "VIEW":
            return con.execute(f"SELECT count(*) FROM {ident(name)}").fetchone()[0]
    except duckdb.Error as error:
        message = str(error)
        if "unicode" in message.lower() or "utf-8" in message.lower():
            raise LoadError(f"{cols.source.label}: not UTF-8 encoded ({_first_lines(error, 1)}); "
                            "save the export as UTF-8 or declare its encoding in export.yml") from None
        raise unreadable(cols, error) from None
    finally:
        if cols.source.format == "excel":
            con.unregister("_load_excel")
    if cols.mapping is not None:
        apply_mapping(con, cols, target, name)
        con.execute(f"DROP TABLE {ident(target)}")
    return con.execute(f"SELECT count(*) FROM {ident(name)}").fetchone()[0]


def unreadable(cols: FileColumns, error: duckdb.Error) -> LoadError:
    """The LoadError of a file DuckDB cannot read: met by ``read_text``, or later while its view is read
    (a corrupt Parquet page)."""
    return LoadError(f"{cols.source.label}: cannot be read: {_first_lines(error)}")


def drop_text(con: duckdb.DuckDBPyConnection, cols: FileColumns, name: str) -> None:
    """Drop what ``read_text`` made."""
    con.execute(f"DROP {_text_kind(cols)} {ident(name)}")


def apply_mapping(con: duckdb.DuckDBPyConnection, cols: FileColumns, source_table: str, name: str) -> None:
    """Make the contract-shaped text table ``name`` from the source text table through the mapping.

    The source's c<i> are first given their header names, so the mapping's
    expressions read like SQL over the user's file; _row_number passes through.
    """
    assert cols.mapping is not None
    renamed = ", ".join(f"c{i} AS {ident(n)}" for i, n in enumerate(cols.header))
    width = len(cols.table.column_names)
    selects = [f"CAST(({cols.mapping.columns[c]}) AS VARCHAR) AS c{i}" for i, c in enumerate(cols.table.column_names)]
    selects += [f"{ident(n)} AS c{width + j}" for j, (n, _) in enumerate(cols.extras)]
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS SELECT _row_number, {', '.join(selects)} "
            f"FROM (SELECT _row_number, {renamed} FROM {ident(source_table)}) AS source ORDER BY _row_number")
    except duckdb.Error as error:
        raise LoadError(f"{cols.source.label}: the mapping of table {cols.table.name} failed on the file's "
                        f"values: {_first_lines(error, 1)}") from None
