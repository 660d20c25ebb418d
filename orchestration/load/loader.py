"""``load_export``: one CRM export folder into the raw schema, as one transaction.

The order of work follows from the promise that a failed load writes nothing:

1. Without opening the warehouse (``prepare``): check the settings, read
   export.yml (declared.py), find the files (discover.py), decide how each is
   read and read every header (read.py: encoding, a UTF-8 copy where needed,
   delimiter, the columns or the mapping), hash every file. Most fatal errors
   are found here, and a warehouse that did not exist is not even created.
2. On a DuckDB connection (``process``): create the raw tables, then per
   table read the rows as text, detect how the file writes numbers and dates
   (values.py), validate and cast them (validate.py), upsert the good rows and
   quarantine the rest (upsert.py), log the counts (log.py). fx_rates goes
   first because the orders are checked against it.
3. The limits (limits.py): a table whose quarantined share is above the limit,
   or a required table with no rows, fails the load.

``load_export`` runs 2 and 3 in one transaction on the warehouse: any error
or a failed limit rolls the whole transaction back, and a warehouse file that
this call created is removed. ``crm-impact inspect`` (inspect.py) runs the
same ``prepare`` and ``process`` on an in-memory database, so what it says
would happen is what a load does.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from orchestration import paths
from orchestration.contract import TABLES, TABLES_BY_NAME, Table
from orchestration.load import log
from orchestration.load.declared import ExportSettings, read_export_settings
from orchestration.load.discover import Export, discover_export, sha256_file
from orchestration.load.errors import LoadError
from orchestration.load.hook import ExportMapping, mapping_digest
from orchestration.load.limits import TableVerdict, causes, check_share
from orchestration.load.read import FileColumns, drop_text, file_columns, read_text, text_is_view, unreadable
from orchestration.load.report import LoadReport, TableReport
from orchestration.load.schema import ensure_schema, ensure_table, qualified
from orchestration.load.sql import ident, literal
from orchestration.load.upsert import delete_absent_rows, quarantine_rows, upsert_rows
from orchestration.load.validate import Cutoff, Stage, drop_stage_sql, stage_sql
from orchestration.load.values import detect_value_format
from orchestration.load.warehouse import connect
from orchestration.settings import is_time_zone

# fx_rates first: the orders' currency rule reads raw.fx_rates as this load leaves it.
LOAD_ORDER: tuple[Table, ...] = tuple(sorted(TABLES, key=lambda t: t.name != "fx_rates"))

_TEXT_TABLE = "_load_text"
_STAGE_TABLE = "_load_stage"
DEFAULT_TIMEZONE = "UTC"


def _check_settings(timezone: str, reporting_currency: str) -> None:
    if not re.fullmatch(r"[A-Z]{3}", reporting_currency or ""):
        raise LoadError(f"setting reporting_currency must be an ISO 4217 code such as UAH, got {reporting_currency!r}")
    known = is_time_zone(timezone)
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


def _resolve_timezone(timezone: str | None, settings: ExportSettings) -> tuple[str, list[str]]:
    """The zone of naive timestamps: the caller's setting, else export.yml's source_timezone, else UTC."""
    declared = settings.source_timezone
    if timezone is None:
        return declared or DEFAULT_TIMEZONE, []
    if declared and declared != timezone:
        return timezone, [f"timezone {timezone} (given for this load) overrides source_timezone {declared} "
                          f"of {settings.path}"]
    return timezone, []


def declared_export(prep: "Prepared", cutoff: Cutoff) -> dt.datetime | None:
    """The export date that raw.load_log records: only a declared one (UTC), never the load time, which
    says nothing about how far the data reach (dbt's calendar decides with it whether the last month is
    complete)."""
    return cutoff.instant if prep.settings.exported_at is not None else None


def cutoff_of(settings: ExportSettings, timezone: str, loaded_at: dt.datetime) -> Cutoff:
    """When the export was made (naive UTC and local date): export.yml's exported_at, else the load time.

    A naive exported_at is local time in ``timezone``; a bare date means the
    end of that day there.
    """
    zone = ZoneInfo(timezone)
    value = settings.exported_at
    if value is None:
        instant = loaded_at
        source = "the load time; set exported_at in export.yml if the export is older"
    else:
        source = f"exported_at in {settings.path.name if settings.path else 'export.yml'}"
        if isinstance(value, dt.datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=zone)
        else:
            aware = dt.datetime.combine(value + dt.timedelta(days=1), dt.time(), zone) - dt.timedelta(microseconds=1)
        instant = aware.astimezone(dt.UTC).replace(tzinfo=None)
    local = instant.replace(tzinfo=dt.UTC).astimezone(zone).date()
    return Cutoff(instant, local, source)


@dataclass
class Prepared:
    """Everything decided before the warehouse is opened."""

    export: Export
    settings: ExportSettings
    columns: dict[str, FileColumns]
    checksums: dict[str, str]
    timezone: str
    reporting_currency: str
    notes: list[str] = field(default_factory=list)


@contextmanager
def prepare(export_dir: str | Path, *, timezone: str | None, reporting_currency: str,
            mapping: ExportMapping | None = None) -> Iterator[Prepared]:
    """Step 1 of the module docstring; the temporary UTF-8 copies live until the block ends."""
    settings = read_export_settings(Path(export_dir))
    tz, notes = _resolve_timezone(timezone, settings)
    try:
        _check_settings(tz, reporting_currency)
    except LoadError as error:
        if timezone is None and settings.source_timezone and "timezone" in str(error):
            raise LoadError(f"{settings.path}: source_timezone must be an IANA time zone name such as "
                            f"Europe/Kyiv, got {tz!r}") from None
        raise
    export = discover_export(export_dir, mapping)
    workdir = Path(tempfile.mkdtemp(prefix="crm-impact-load-"))
    try:
        columns = {
            name: file_columns(source, TABLES_BY_NAME[name], settings, workdir, export.mappings.get(name))
            for name, source in export.files.items() if source
        }
        checksums = {name: sha256_file(source.path) for name, source in export.files.items() if source}
        yield Prepared(export, settings, columns, checksums, tz, reporting_currency, notes)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# observe(con, stage, verdict): called with each staged file before its staging table is dropped
Observer = Callable[[duckdb.DuckDBPyConnection, Stage, TableVerdict], None]


def process(con: duckdb.DuckDBPyConnection, prep: Prepared, *, load_id: str, loaded_at: dt.datetime,
            cutoff: Cutoff, observe: Observer | None = None, max_quarantine_share: float | None = None,
            ) -> tuple[dict[str, TableReport], list[TableVerdict]]:
    """Step 2 on ``con`` (the caller owns the transaction): every table, fx_rates first.

    ``max_quarantine_share`` is only recorded in raw.load_log here (the caller applies it).
    """
    con.execute(f"SET TimeZone = {literal(prep.timezone)}")
    con.execute("SET preserve_insertion_order = true")
    _limit_memory(con)
    ensure_schema(con)
    settings = {"timezone": prep.timezone, "reporting_currency": prep.reporting_currency,
                "exported_at": declared_export(prep, cutoff), "max_quarantine_share": max_quarantine_share}
    extras_in_raw = {
        t.name: ensure_table(con, t, [n for n, _ in prep.columns[t.name].extras] if t.name in prep.columns else [])
        for t in TABLES
    }
    reports: dict[str, TableReport] = {}
    verdicts: list[TableVerdict] = []
    for table in LOAD_ORDER:
        source = prep.export.files[table.name]
        if source is None:
            reports[table.name] = TableReport(table.name, None, "absent")
            log.write_log(con, load_id=load_id, table=table.name, source_file=None, checksum=None,
                          status="absent", rows_read=0, rows_loaded=0, rows_quarantined=0,
                          loaded_at=loaded_at, fingerprint=None, **settings)
            continue
        report, verdict = _load_table(
            con, prep, prep.columns[table.name], prep.checksums[table.name], extras_in_raw[table.name],
            load_id=load_id, loaded_at=loaded_at, cutoff=cutoff, observe=observe,
            max_quarantine_share=max_quarantine_share,
        )
        reports[table.name] = report
        if verdict is not None:
            verdicts.append(verdict)
    return reports, verdicts


def load_export(
    export_dir: str | Path,
    db_path: str | Path,
    *,
    timezone: str | None = None,
    reporting_currency: str = "UAH",
    mapping: ExportMapping | None = None,
    max_quarantine_share: float | None = None,
    accept_quarantine: bool = False,
) -> LoadReport:
    """Validate the export in ``export_dir`` and upsert it into the raw schema of ``db_path``.

    ``timezone`` is the zone of naive timestamps in the export (stored as naive
    UTC); None = export.yml's ``source_timezone``, else UTC.
    ``reporting_currency`` is the currency that needs no fx rate. ``mapping``
    is a CRM mapping preset (hook.py). ``max_quarantine_share``: a table with
    a larger share of quarantined rows fails the load (None = no limit; the
    CLI and Dagster pass limits.DEFAULT_MAX_QUARANTINE_SHARE), unless
    ``accept_quarantine``.

    Raises LoadError (with nothing written) for a missing required table or
    column, an unreadable file, two files for one table, a near-miss or
    unsupported file name, an invalid setting or export.yml, a required table
    without rows, or a quarantine above the limit; WarehouseError (a LoadError)
    when another process holds the warehouse. Row-level faults go to
    raw.quarantine instead.
    """
    check_share(max_quarantine_share)
    with prepare(export_dir, timezone=timezone, reporting_currency=reporting_currency, mapping=mapping) as prep:
        db = Path(db_path)
        existed = db.exists()
        db.parent.mkdir(parents=True, exist_ok=True)
        con = connect(db)
        loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        load_id = _new_load_id(loaded_at)
        cutoff = cutoff_of(prep.settings, prep.timezone, loaded_at)
        try:
            con.execute("BEGIN TRANSACTION")
            reports, verdicts = process(con, prep, load_id=load_id, loaded_at=loaded_at, cutoff=cutoff,
                                        max_quarantine_share=max_quarantine_share)
            problems = [p for v in verdicts if (p := v.problem(max_quarantine_share, accept_quarantine))]
            if problems:
                above = any(not v.empty_required() and v.problem(max_quarantine_share, False) for v in verdicts)
                fix = (" (to load anyway, keeping the quarantined rows out: --accept-quarantine)"
                       if above and not accept_quarantine else "")
                raise LoadError(problems[0] + fix if len(problems) == 1
                                else f"{len(problems)} tables fail the load{fix}:\n  " + "\n  ".join(problems))
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

    notes = list(prep.notes)
    if accept_quarantine and max_quarantine_share is not None:
        accepted = [f"{v.table.name} {v.share:.1%}" for v in verdicts
                    if not v.empty_required() and v.share > max_quarantine_share]
        if accepted:
            notes.append(f"quarantine above the limit of {max_quarantine_share:.0%} accepted: {', '.join(accepted)}")
    return LoadReport(
        load_id=load_id,
        export_dir=prep.export.directory,
        db_path=db,
        loaded_at=loaded_at,
        timezone=prep.timezone,
        reporting_currency=reporting_currency,
        tables=tuple(reports[t.name] for t in TABLES),
        ignored_files=prep.export.ignored,
        declared=prep.settings.declared(),
        notes=tuple(notes),
        exported_at=cutoff.instant,
        exported_at_source=cutoff.source,
    )


def _load_table(
    con: duckdb.DuckDBPyConnection,
    prep: Prepared,
    cols: FileColumns,
    checksum: str,
    extras_in_raw: dict[str, str],
    *,
    load_id: str,
    loaded_at: dt.datetime,
    cutoff: Cutoff,
    observe: Observer | None,
    max_quarantine_share: float | None = None,
) -> tuple[TableReport, TableVerdict | None]:
    source = cols.source
    table = cols.table
    source_file = str(source.path.resolve())
    fx = log.fx_digest(con) if table.name == "orders" else None
    details = {"declared": prep.settings.declared(), "sheet": source.sheet, "mapping": mapping_digest(cols.mapping)}
    fingerprint = log.fingerprint(checksum, timezone=prep.timezone, reporting_currency=prep.reporting_currency,
                                  fx=fx, details=details)
    common = dict(load_id=load_id, table=table.name, source_file=source_file, checksum=checksum,
                  loaded_at=loaded_at, timezone=prep.timezone, reporting_currency=prep.reporting_currency,
                  fingerprint=fingerprint, exported_at=declared_export(prep, cutoff),
                  max_quarantine_share=max_quarantine_share)

    if fingerprint == log.last_fingerprint(con, table.name):
        log.write_log(con, status="unchanged", rows_read=0, rows_loaded=0, rows_quarantined=0, **common)
        return TableReport(table.name, source.path, "unchanged", checksum=checksum, label=source.label,
                           mapped=cols.mapping is not None), None

    rows_read = read_text(con, cols, _TEXT_TABLE)
    try:
        values = detect_value_format(con, _TEXT_TABLE, [(c, cols.contract[c.name]) for c in table.columns],
                                     prep.settings, cols.native)
        stage = Stage(_STAGE_TABLE, cols, values, cutoff, zone=prep.timezone, text_table=_TEXT_TABLE)
        for statement in stage_sql(stage, reporting_currency=prep.reporting_currency,
                                   fx_table=qualified("fx_rates")):
            con.execute(statement)
    except duckdb.Error as error:
        if text_is_view(cols):  # the file is first read here, not by read_text
            raise unreadable(cols, error) from None
        raise
    rows_loaded = upsert_rows(con, stage, extras_in_raw, source_file=source_file, loaded_at=loaded_at)
    rows_deleted = delete_absent_rows(con, stage) if prep.settings.complete else 0
    rows_quarantined = quarantine_rows(con, stage, load_id=load_id, source_file=source_file, loaded_at=loaded_at)
    found = tuple(causes(con, _STAGE_TABLE, table)) if rows_quarantined else ()
    verdict = TableVerdict(source.label, table, rows_read, rows_quarantined, found)
    if observe is not None:
        observe(con, stage, verdict)
    for statement in drop_stage_sql(stage):
        con.execute(statement)
    drop_text(con, cols, _TEXT_TABLE)
    if rows_read != rows_loaded + rows_quarantined:  # pragma: no cover - a loader bug, never bad input
        raise RuntimeError(f"{source.path}: {rows_read} rows read but {rows_loaded} loaded + "
                           f"{rows_quarantined} quarantined; the load was rolled back")
    log.write_log(con, status="loaded", rows_read=rows_read, rows_loaded=rows_loaded,
                  rows_quarantined=rows_quarantined, rows_deleted=rows_deleted, **common)
    described = {**(cols.layout.describe() if cols.layout else {}), **values.describe()}
    if source.sheet is not None:
        described = {"sheet": repr(source.sheet), **described}
    return TableReport(table.name, source.path, "loaded", rows_read, rows_loaded, rows_quarantined, checksum,
                       label=source.label, format=described, causes=found,
                       mapped=cols.mapping is not None, rows_deleted=rows_deleted), verdict
