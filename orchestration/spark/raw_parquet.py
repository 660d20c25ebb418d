"""The raw layer for Spark: every raw table of a loaded warehouse as Parquet.

The loader validates an export and quarantines bad rows in DuckDB whatever
the engine, so the contract and its rules are one implementation. For the
Spark target it then copies each contract table of schema ``raw`` (loaded
rows and lineage columns) to ``<raw_dir>/<table>/part-0.parquet``; the dbt
hook ``register_python_sources`` makes those folders the tables of Spark's
schema ``raw``. A folder is replaced whole, through a temporary sibling, so
Spark never lists half a table.
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
            staging = raw_dir / f".{table.name}.writing"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            # COPY answers with the number of rows it wrote
            written[table.name] = con.execute(
                f"copy raw.{table.name} to '{staging / 'part-0.parquet'}' (format parquet)"
            ).fetchone()[0]
            final = raw_dir / table.name
            shutil.rmtree(final, ignore_errors=True)
            staging.rename(final)
    return written
