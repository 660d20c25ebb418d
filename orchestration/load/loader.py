"""``load_export``: one CRM export folder into the raw schema, as one transaction.

The order of work follows from the promise that a failed load writes nothing:

1. Without opening the warehouse: check the settings, find the files
   (discover.py), read every header and check the columns (read.py), hash
   every file. Most fatal errors are found here, and a warehouse that did not
   exist is not even created.
2. In one DuckDB transaction: create the raw tables, then per table read the
   rows as text, validate and cast them (validate.py), upsert the good rows and
   quarantine the rest (upsert.py), log the counts (log.py). fx_rates goes
   first because the orders are checked against it. Any error (a file that
   turns out not to be UTF-8, say) rolls the whole transaction back; a
   warehouse file that this call created is removed again.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

import duckdb

from orchestration import paths

from orchestration.contract import TABLES, TABLES_BY_NAME, Table
from orchestration.load import log
from orchestration.load.discover import SourceFile, discover_export, sha256_file
from orchestration.load.errors import LoadError
from orchestration.load.read import FileColumns, file_columns, read_text
from orchestration.load.report import LoadReport, TableReport
from orchestration.load.schema import ensure_schema, ensure_table, qualified
from orchestration.load.sql import ident, literal
from orchestration.load.upsert import quarantine_rows, upsert_rows
from orchestration.load.validate import Stage, stage_sql

# fx_rates first: the orders' currency rule reads raw.fx_rates as this load leaves it.
LOAD_ORDER: tuple[Table, ...] = tuple(sorted(TABLES, key=lambda t: t.name != "fx_rates"))

_TEXT_TABLE = "_load_text"
_STAGE_TABLE = "_load_stage"


def _check_settings(timezone: str, reporting_currency: str) -> None:
    if not re.fullmatch(r"[A-Z]{3}", reporting_currency or ""):
        raise LoadError(f"setting reporting_currency must be an ISO 4217 code such as UAH, got {reporting_currency!r}")
    con = duckdb.connect()
    try:
        known = con.execute("SELECT count(*) FROM pg_timezone_names() WHERE name = $tz", {"tz": timezone}).fetchone()[0]
    except duckdb.Error as error:  # pragma: no cover - the wheel has ICU built in
        raise LoadError(f"DuckDB's ICU extension (time zones) is not available: {error}") from None
    finally:
        con.close()
    if not known:
        raise LoadError(f"setting timezone must be an IANA time zone name such as UTC or Europe/Kyiv, got {timezone!r}")


def _new_load_id(now: dt.datetime) -> str:
    """Sortable and unique: the UTC start time plus a random suffix."""
    return now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:8]


def _limit_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Cap DuckDB's memory at ``CRM_IMPACT_MEMORY_LIMIT``; beyond it, it spills to disk.

    DuckDB's own default is 80% of the machine, which a large export fills
    (the text of every file is staged before it is typed): 12 GB at scale 5.
    At 4 GB the same load spills a little and is no slower.
    """
    limit = paths.memory_limit()
    try:
        con.execute(f"SET memory_limit = {literal(limit)}")
    except duckdb.Error as error:
        raise LoadError(f"CRM_IMPACT_MEMORY_LIMIT={limit!r} is not a memory size such as 4GB or 1500MB: "
                        f"{str(error).splitlines()[0]}") from None


def load_export(
    export_dir: str | Path,
    db_path: str | Path,
    *,
    timezone: str = "UTC",
    reporting_currency: str = "UAH",
) -> LoadReport:
    """Validate the export in ``export_dir`` and upsert it into the raw schema of ``db_path``.

    ``timezone`` is the zone of naive timestamps in the export (stored as naive
    UTC); ``reporting_currency`` is the currency that needs no fx rate.
    Raises LoadError (with nothing written) for a missing required table or
    column, an unreadable or non-UTF-8 file, two files for one table, or an
    invalid setting. Row-level faults go to raw.quarantine instead.
    """
    _check_settings(timezone, reporting_currency)
    export = discover_export(export_dir)
    columns: dict[str, FileColumns] = {
        name: file_columns(source, TABLES_BY_NAME[name]) for name, source in export.files.items() if source
    }
    checksums = {name: sha256_file(source.path) for name, source in export.files.items() if source}

    db = Path(db_path)
    existed = db.exists()
    db.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db))
    except duckdb.Error as error:
        raise LoadError(f"cannot open the warehouse {db}: {error}") from None

    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    load_id = _new_load_id(loaded_at)
    settings = {"timezone": timezone, "reporting_currency": reporting_currency}
    reports: dict[str, TableReport] = {}
    try:
        con.execute(f"SET TimeZone = {literal(timezone)}")
        con.execute("SET preserve_insertion_order = true")
        _limit_memory(con)
        con.execute("BEGIN TRANSACTION")
        ensure_schema(con)
        extras_in_raw = {
            t.name: ensure_table(con, t, [n for n, _ in columns[t.name].extras] if t.name in columns else [])
            for t in TABLES
        }
        for table in LOAD_ORDER:
            source = export.files[table.name]
            if source is None:
                reports[table.name] = TableReport(table.name, None, "absent")
                log.write_log(con, load_id=load_id, table=table.name, source_file=None, checksum=None,
                              status="absent", rows_read=0, rows_loaded=0, rows_quarantined=0,
                              loaded_at=loaded_at, fingerprint=None, **settings)
                continue
            reports[table.name] = _load_table(
                con, columns[table.name], checksums[table.name], extras_in_raw[table.name],
                load_id=load_id, loaded_at=loaded_at, **settings,
            )
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        con.close()
        if not existed:
            for leftover in (db, db.with_name(db.name + ".wal")):
                leftover.unlink(missing_ok=True)
        raise
    con.close()

    return LoadReport(
        load_id=load_id,
        export_dir=export.directory,
        db_path=db,
        loaded_at=loaded_at,
        timezone=timezone,
        reporting_currency=reporting_currency,
        tables=tuple(reports[t.name] for t in TABLES),
        ignored_files=export.ignored,
    )


def _load_table(
    con: duckdb.DuckDBPyConnection,
    cols: FileColumns,
    checksum: str,
    extras_in_raw: dict[str, str],
    *,
    load_id: str,
    loaded_at: dt.datetime,
    timezone: str,
    reporting_currency: str,
) -> TableReport:
    source: SourceFile = cols.source
    table = cols.table
    source_file = str(source.path.resolve())
    fx = log.fx_digest(con) if table.name == "orders" else None
    fingerprint = log.fingerprint(checksum, timezone=timezone, reporting_currency=reporting_currency, fx=fx)
    common = dict(load_id=load_id, table=table.name, source_file=source_file, checksum=checksum,
                  loaded_at=loaded_at, timezone=timezone, reporting_currency=reporting_currency,
                  fingerprint=fingerprint)

    if fingerprint == log.last_fingerprint(con, table.name):
        log.write_log(con, status="unchanged", rows_read=0, rows_loaded=0, rows_quarantined=0, **common)
        return TableReport(table.name, source.path, "unchanged", checksum=checksum)

    rows_read = read_text(con, cols, _TEXT_TABLE)
    stage = Stage(_STAGE_TABLE, cols)
    con.execute(stage_sql(stage, _TEXT_TABLE, reporting_currency=reporting_currency,
                          fx_table=qualified("fx_rates")))
    con.execute(f"DROP TABLE {ident(_TEXT_TABLE)}")
    rows_loaded = upsert_rows(con, stage, extras_in_raw, source_file=source_file, loaded_at=loaded_at)
    rows_quarantined = quarantine_rows(con, stage, load_id=load_id, source_file=source_file, loaded_at=loaded_at)
    con.execute(f"DROP TABLE {ident(_STAGE_TABLE)}")
    if rows_read != rows_loaded + rows_quarantined:  # pragma: no cover - a loader bug, never bad input
        raise RuntimeError(f"{source.path}: {rows_read} rows read but {rows_loaded} loaded + "
                           f"{rows_quarantined} quarantined; the load was rolled back")
    log.write_log(con, status="loaded", rows_read=rows_read, rows_loaded=rows_loaded,
                  rows_quarantined=rows_quarantined, **common)
    return TableReport(table.name, source.path, "loaded", rows_read, rows_loaded, rows_quarantined, checksum)
