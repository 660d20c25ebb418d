"""Is the warehouse there, free and built? One-line answers that say what to do.

DuckDB allows one process to hold a database file for writing, and while it
does no other process may open it at all, not even read-only. The CLI asks
here before a command starts, so that a command that meets a locked, missing
or unbuilt warehouse prints one line and exits 2 instead of a DuckDB
traceback or 275 lines of dbt output (a lock taken in between is still
reported by the command's own error).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from orchestration.load.errors import WarehouseError

# A built warehouse has the before/after mart that publish and the report read.
BUILT_TABLE = ("marts", "mart_kpi_before_after")


def is_lock_error(error: BaseException) -> bool:
    return "lock" in str(error).lower() and isinstance(error, duckdb.Error)


def lock_message(path: Path, error: BaseException) -> str:
    """One line for a warehouse that another process holds."""
    pid = re.search(r"PID (\d+)", str(error))
    holder = f"process {pid.group(1)}" if pid else "another process"
    return (f"the warehouse {path} is in use by {holder} (a load, build, Dagster run, `mf` or a BI tool "
            "opened it for writing); wait for it to finish or close it, then run this again")


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, turning DuckDB's lock error into a one-line WarehouseError."""
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as error:
        if is_lock_error(error):
            raise WarehouseError(lock_message(path, error)) from None
        raise WarehouseError(f"cannot open the warehouse {path}: {str(error).splitlines()[0]}") from None


def check_warehouse(path: Path, *, must_exist: bool = True, built: bool = False, write: bool = False) -> None:
    """Raise WarehouseError (one line, with what to do) unless the warehouse is usable as asked.

    ``write``: the command will open it for writing (a build), so even a
    reader elsewhere is in the way; otherwise a read-only probe is enough.
    """
    path = Path(path)
    if not path.exists():
        if must_exist:
            raise WarehouseError(f"no warehouse at {path}: run `crm-impact load EXPORT_DIR` and "
                                 "`crm-impact build` first (or `crm-impact demo`), or set CRM_IMPACT_DB")
        return
    con = connect(path, read_only=not write)
    try:
        if built:
            schema, table = BUILT_TABLE
            found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = $s "
                                "AND table_name = $t", {"s": schema, "t": table}).fetchone()[0]
            if not found:
                raise WarehouseError(f"the warehouse {path} is not built (no {schema}.{table}): run "
                                     "`crm-impact build` first")
    finally:
        con.close()
