"""Rows read = rows loaded + rows quarantined for every file, checked against what the load left in
the warehouse and, for text files, against a count of the file's records made here without the loader.

The loader computes its counts in SQL and refuses to commit when they disagree, so comparing the
LoadReport's numbers with each other proves little. These checks count the other way round: the
records in the file (Python's csv module, or the lines of a JSON Lines file), the rows in
raw.quarantine and in the raw table, and raw.load_log's row for the table.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import duckdb

from orchestration.load.encoding import DISPLAY
from orchestration.load.read import DELIMITER_NAMES
from orchestration.load.report import LoadReport, TableReport

_CODECS = {display: codec for codec, display in DISPLAY.items()}
_DELIMITERS = {name: mark for mark, name in DELIMITER_NAMES.items()}


def records_in_file(t: TableReport) -> int | None:
    """Data records in the file behind ``t``, counted without the loader; None for binary formats."""
    path = Path(t.file)
    name = path.name.lower().removesuffix(".gz")
    if t.mapped or not name.endswith((".csv", ".tsv", ".txt", ".jsonl", ".ndjson")):
        return None
    data = gzip.open(path, "rb").read() if path.name.lower().endswith(".gz") else path.read_bytes()
    encoding = t.format.get("encoding", "UTF-8 (valid UTF-8)").rsplit(" (", 1)[0]
    text = data.decode(_CODECS.get(encoding, "utf-8-sig"))
    if text.startswith("\ufeff"):
        text = text[1:]
    if name.endswith((".jsonl", ".ndjson")):
        return sum(1 for line in text.splitlines() if line.strip())
    delimiter = _DELIMITERS[t.format.get("delimiter", "comma (detected)").rsplit(" (", 1)[0]]
    records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if any(v.strip() for v in r)]
    return len(records) - 1  # the header


def assert_rows_accounted(report: LoadReport) -> LoadReport:
    """Every file of the load: read = loaded + quarantined, and each count is what the warehouse holds."""
    with duckdb.connect(str(report.db_path), read_only=True) as con:
        fresh = con.execute("select count(distinct load_id) from raw.load_log").fetchone()[0] == 1
        for t in report.tables:
            logged = con.execute(
                "select status, rows_read, rows_loaded, rows_quarantined from raw.load_log "
                "where load_id = ? and table_name = ?", [report.load_id, t.table]).fetchall()
            assert logged == [(t.status, t.rows_read, t.rows_loaded, t.rows_quarantined)], t.table
            if t.status != "loaded":
                continue
            assert t.rows_read == t.rows_loaded + t.rows_quarantined, t.table
            quarantined = con.execute("select count(*) from raw.quarantine where load_id = ? and table_name = ?",
                                      [report.load_id, t.table]).fetchone()[0]
            assert quarantined == t.rows_quarantined, t.table
            if fresh:  # nothing loaded before: every valid row of the file is in raw, from this file
                in_raw = con.execute(f'select count(*) from raw."{t.table}" where _source_file = ?',
                                     [str(Path(t.file).resolve())]).fetchone()[0]
                assert in_raw == t.rows_loaded, t.table
            records = records_in_file(t)
            if records is not None:
                assert records == t.rows_read, (t.table, records, t.rows_read)
    return report
