"""The raw layer for Spark: every raw table of a loaded warehouse as Parquet.

The loader validates an export and quarantines bad rows in DuckDB whatever
the engine, so the contract and its rules are one implementation. For the
Spark target it then copies each contract table of schema ``raw`` (loaded
rows and lineage columns) to ``<raw_dir>/<table>/part-0.parquet``; the dbt
hook ``register_python_sources`` makes those folders the tables of Spark's
schema ``raw``. A folder is replaced whole, through a temporary sibling, so
Spark never lists half a table.

The loader's bookkeeping tables, ``load_log`` and ``quarantine``, are written
the same way, so that the marts that explain a quarantine or a missing table
(macros/loader_log.sql) say on Spark what they say on DuckDB.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from orchestration.contract import TABLES


def write_raw_parquet(db_path: Path, raw_dir: Path) -> dict[str, int]:
    """Write the contract tables of ``db_path``'s schema ``raw`` as Parquet.

    Returns the number of rows written per table. Every contract table is in
    ``raw`` after a load (empty when the export lacked it), so an absent
    optional table becomes an empty one on Spark too and the marts say "not
    available" on both engines. Raises FileNotFoundError for a warehouse that
    nothing has been loaded into.
    """
    if not db_path.exists():
        raise FileNotFoundError(f"{db_path}: no warehouse; run `crm-impact load` first")
    raw_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        present = {
            name for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
        for table in TABLES:
            if table.name not in present:
                raise FileNotFoundError(f"{db_path}: raw.{table.name} is missing; run `crm-impact load` first")
            written[table.name] = _write_folder(con, table.name, raw_dir)
        for bookkeeping in BOOKKEEPING_TABLES:
            if bookkeeping in present:
                _write_folder(con, bookkeeping, raw_dir)
    return written


# the loader's own tables (orchestration/load/schema.py), written beside the contract tables, not counted
BOOKKEEPING_TABLES = ("load_log", "quarantine")


def _write_folder(con: duckdb.DuckDBPyConnection, table: str, raw_dir: Path) -> int:
    """raw.<table> as <raw_dir>/<table>/part-0.parquet, replaced whole; returns the rows written."""
    staging = raw_dir / f".{table}.writing"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    # COPY answers with the number of rows it wrote
    rows = con.execute(f"copy raw.{table} to '{staging / 'part-0.parquet'}' (format parquet)").fetchone()[0]
    final = raw_dir / table
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)
    return rows
