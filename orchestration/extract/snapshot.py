"""The extracted dataset as an export folder the loader accepts, swapped in whole.

dlt keeps the CRM's current state in a DuckDB file (merged by primary key,
run after run). A snapshot maps it to the raw contract with the CRM's API
preset (presets/<crm>_api.yml, the same mapping machinery as file exports)
and writes one ``<table>.csv`` per contract table the preset fills, plus an
``export.yml`` (UTC timestamps, the extraction time as ``exported_at``). The
loader then validates and quarantines those rows exactly as it does a file
export's: one set of rules, whatever the source.

The folder is written beside its destination under a hidden name, its files
named ``*.csv.part`` until all are complete, then renamed over the previous
snapshot in one step; a failed or killed snapshot leaves the previous one as
it was (the hidden folder is removed by the next snapshot).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.contract import TABLES_BY_NAME
from orchestration.extract.common import ExtractError
from orchestration.extract.views import Flat, create_views, landed_columns
from orchestration.load.mapping import Mapping
from orchestration.load.sql import ident, literal

PARTIAL = ".partial-"


@dataclass
class Snapshot:
    """What a snapshot wrote: rows per contract table, records the API reports deleted, per object."""

    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    exported_at: dt.datetime | None = None

    def summary(self) -> str:
        lines = [f"Snapshot {self.path} (exported_at {self.exported_at:%Y-%m-%dT%H:%M:%SZ}):"]
        lines += [f"  {table:<12} {rows:>8,} rows" for table, rows in self.rows.items()]
        gone = {k: v for k, v in self.deleted.items() if v}
        if gone:
            lines.append("  left out as deleted or archived in the CRM: "
                         + ", ".join(f"{v:,} {k}" for k, v in gone.items()))
        return "\n".join(lines)


def _count_deleted(con: duckdb.DuckDBPyConnection, schema: str,
                   deleted: dict[str, tuple[tuple[str, str], ...]]) -> dict[str, int]:
    """landed table -> records the API reports deleted (conditions on flag columns the table never got are skipped)."""
    landed = landed_columns(con, schema)
    out: dict[str, int] = {}
    for table, conditions in deleted.items():
        usable = [f"coalesce({condition}, false)" for column, condition in conditions
                  if column in landed.get(table, set())]
        out[table] = con.execute(f"SELECT count(*) FROM {ident(schema)}.{ident(table)} WHERE {' OR '.join(usable)}"
                                 ).fetchone()[0] if usable else 0
    return out


def write_snapshot(
    dataset_db: Path,
    schema: str,
    mapping: Mapping,
    flats: Sequence[Flat],
    combined: Sequence[tuple[str, str]],
    deleted: dict[str, tuple[tuple[str, str], ...]],
    out_dir: Path,
    *,
    exported_at: dt.datetime | None = None,
) -> Snapshot:
    """Map the dataset in ``dataset_db`` (schema ``schema``) with ``mapping`` into the folder ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.parent.glob(f".{out_dir.name}{PARTIAL}*"):
        shutil.rmtree(stale, ignore_errors=True)
    staging = out_dir.parent / f".{out_dir.name}{PARTIAL}{os.getpid()}"
    staging.mkdir()
    exported_at = exported_at or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    snapshot = Snapshot(out_dir, exported_at=exported_at)
    try:
        if not Path(dataset_db).exists():
            raise ExtractError(f"the extracted dataset {dataset_db} does not exist: run the extraction first")
        con = duckdb.connect(str(dataset_db), read_only=True)
        try:
            con.execute("SET TimeZone = 'UTC'")
            create_views(con, schema, flats, combined)
            snapshot.deleted = _count_deleted(con, schema, deleted)
            for table, table_mapping in mapping.tables.items():
                relation = mapping.sources[table_mapping.source].table
                header = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {ident(relation)}").fetchall()]
                compiled = mapping.compile(table, header, ident(relation), keep=(),
                                           file_label=f"the extracted {relation}")
                keys = ", ".join(ident(k) for k in TABLES_BY_NAME[table].primary_key)
                target = staging / f"{table}.csv.part"
                con.execute(f"COPY (SELECT * FROM ({compiled.sql}) ORDER BY {keys}) TO {literal(str(target))} "
                            "(FORMAT csv, HEADER true)")
                snapshot.rows[table] = con.execute(
                    f"SELECT count(*) FROM read_csv({literal(str(target))}, header = true, all_varchar = true)"
                ).fetchone()[0]
        finally:
            con.close()
        (staging / "export.yml").write_text(
            "# written by crm-impact extract: the API's timestamps are UTC\n"
            f"source_timezone: UTC\nexported_at: {exported_at:%Y-%m-%dT%H:%M:%S}\n"
            # the snapshot is the CRM's whole current state: a record missing from it was deleted there
            "complete: true\n", encoding="utf-8")
        for part in staging.glob("*.csv.part"):
            part.rename(part.with_suffix(""))
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return snapshot


def _swap(staging: Path, out_dir: Path) -> None:
    """Put ``staging`` where ``out_dir`` is, the old snapshot removed only after the new one is in place.

    A table file identical to the previous snapshot's is the previous file, with
    its modification time: the landing sensor's fingerprint of an unchanged
    snapshot stays the same, so it is not loaded again.
    """
    if out_dir.exists():
        for new in staging.glob("*.csv"):
            old_file = out_dir / new.name
            if old_file.is_file() and old_file.read_bytes() == new.read_bytes():
                os.replace(old_file, new)
        old = out_dir.parent / f".{out_dir.name}{PARTIAL}old-{os.getpid()}"
        out_dir.rename(old)
        staging.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out_dir)
