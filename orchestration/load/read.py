"""Read an export file into a temporary all-text table, in file order.

Everything is read as text (VARCHAR) with DuckDB's own readers and only then
validated and cast in SQL (see validate.py): a bad value must become a
quarantine reason for its row, not a failed read of the whole file. Each row
keeps its 1-based data row number (header excluded) so that messages can point
at it.

Two steps, because they fail differently:

* ``file_columns`` looks only at the header (CSV) or schema (Parquet). It runs
  for every file before the warehouse is touched, so a missing required column
  stops the load with nothing written.
* ``read_text`` reads the rows. A file that cannot be parsed (not UTF-8, a row
  with the wrong number of fields, an unterminated quote, a corrupt gzip) stops
  the load too: when the structure of a CSV is broken, values may sit in the
  wrong columns, so no row of it can be trusted.

CSV headers are parsed with Python's csv module (one record, not the data):
DuckDB's sniffer may take a later, wider row for the header when rows are
ragged, whereas the contract says the first row is the header. The rows are
then read by ``read_csv`` with that header, auto-detection off and strict
parsing, in parallel; ``row_number() over ()`` under ``preserve_insertion_order``
numbers them in file order (checked against a 3M-row file on 4 threads).
Parquet rows are numbered with the reader's ``file_row_number``.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass

import duckdb

from orchestration.contract import Table
from orchestration.load.discover import SourceFile
from orchestration.load.errors import LoadError
from orchestration.load.sql import ident, literal

# Columns the loader adds to every raw table; a file may not bring its own.
LINEAGE_COLUMNS = ("_source_file", "_loaded_at")


@dataclass(frozen=True)
class FileColumns:
    """The columns of one file, matched to its contract table.

    The text table made by ``read_text`` names file column ``i`` ``c{i}``, so
    arbitrary header names never need to survive a round trip through SQL.
    """

    source: SourceFile
    table: Table
    names: tuple[str, ...]  # header names, trimmed (empty -> column_<position>)
    file_names: tuple[str, ...]  # header names exactly as in the file
    contract: dict[str, int]  # contract column -> file position
    extras: tuple[tuple[str, int], ...]  # (name, file position) of non-contract columns


def _csv_header(source: SourceFile) -> list[str]:
    opener = gzip.open if source.path.name.lower().endswith(".gz") else open
    try:
        with opener(source.path, "rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            header = next(csv.reader(text), None)
    except UnicodeDecodeError as error:
        raise LoadError(f"{source.path}: the header is not UTF-8 ({error.reason}); save the export as UTF-8") from None
    except (OSError, EOFError, csv.Error) as error:
        raise LoadError(f"{source.path}: cannot be read: {error}") from None
    if not header:
        raise LoadError(f"{source.path}: the file is empty; a header row with the column names is required")
    return header


def _parquet_header(source: SourceFile) -> list[str]:
    con = duckdb.connect()
    try:
        rows = con.execute("DESCRIBE SELECT * FROM read_parquet($path)", {"path": str(source.path)}).fetchall()
    except duckdb.Error as error:
        raise LoadError(f"{source.path}: cannot be read as Parquet: {_first_lines(error)}") from None
    finally:
        con.close()
    return [row[0] for row in rows]


def file_columns(source: SourceFile, table: Table) -> FileColumns:
    """Read the header of ``source`` and match it to the contract ``table``.

    Names are compared after trimming and without regard to case. Every
    contract column must be present (order does not matter); others are kept
    as extra columns. Raises LoadError naming the file and the column.
    """
    raw_names = _csv_header(source) if source.format == "csv" else _parquet_header(source)
    names = tuple(n.strip() or f"column_{i + 1}" for i, n in enumerate(raw_names))

    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        key = name.lower()
        if key in seen:
            raise LoadError(f"{source.path}: column {name!r} appears twice in the header "
                            f"(positions {seen[key] + 1} and {position + 1})")
        if key in LINEAGE_COLUMNS:
            raise LoadError(f"{source.path}: column {name!r} is reserved for the loader's lineage; rename it")
        seen[key] = position

    missing = [c for c in table.column_names if c not in seen]
    if missing:
        raise LoadError(
            f"{source.path}: required column {missing[0]!r} is missing"
            + (f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else "")
            + f"; table {table.name} needs {', '.join(table.column_names)}"
        )
    contract = {c: seen[c] for c in table.column_names}
    used = set(contract.values())
    extras = tuple((name, i) for i, name in enumerate(names) if i not in used)
    return FileColumns(source, table, names, tuple(raw_names), contract, extras)


def _first_lines(error: Exception, limit: int = 3) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    kept: list[str] = []
    for line in lines:
        # DuckDB appends fix suggestions and the failing SQL; the user needs neither
        if line.startswith(("Possible", "*", "LINE ", "^")):
            break
        kept.append(line)
    return " / ".join(kept[:limit])


def read_text(con: duckdb.DuckDBPyConnection, cols: FileColumns, name: str) -> int:
    """Create TEMP table ``name`` (_row_number, c0..cN as VARCHAR); return its row count."""
    path = literal(str(cols.source.path))
    width = len(cols.names)
    if cols.source.format == "csv":
        spec = ", ".join(f"{literal(f'c{i}')}: 'VARCHAR'" for i in range(width))
        select = (
            "SELECT row_number() OVER () AS _row_number, * "
            f"FROM read_csv({path}, header = true, auto_detect = false, columns = {{{spec}}}, "
            "delim = ',', quote = '\"', escape = '\"', encoding = 'utf-8', strict_mode = true, "
            "null_padding = false)"
        )
    else:
        casts = ", ".join(f"CAST({ident(n)} AS VARCHAR) AS c{i}" for i, n in enumerate(cols.file_names))
        if "file_row_number" in (n.lower() for n in cols.file_names):
            select = f"SELECT row_number() OVER () AS _row_number, {casts} FROM read_parquet({path})"
        else:
            select = (f"SELECT file_row_number + 1 AS _row_number, {casts} "
                      f"FROM read_parquet({path}, file_row_number = true)")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS {select}")
    except duckdb.Error as error:
        message = str(error)
        if "unicode" in message.lower() or "utf-8" in message.lower():
            raise LoadError(f"{cols.source.path}: not UTF-8 encoded ({_first_lines(error, 1)}); "
                            "save the export as UTF-8") from None
        raise LoadError(f"{cols.source.path}: cannot be read: {_first_lines(error)}") from None
    return con.execute(f"SELECT count(*) FROM {ident(name)}").fetchone()[0]
