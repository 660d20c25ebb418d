"""Reading the estimator's three inputs from a built warehouse (read-only)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

TABLES = {
    "monthly": "intermediate.int_kpi__monthly",
    "definitions": "reference.kpi_definitions",
    "rollouts": "marts.dim_crm_rollout",
}


def read_inputs(db_path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(monthly, definitions, rollouts) as ``estimate()`` takes them, from the DuckDB file ``db_path``."""
    path = Path(db_path)
    if not path.exists():
        raise FileNotFoundError(f"warehouse {path} does not exist; load an export and build first")
    with duckdb.connect(str(path), read_only=True) as con:
        frames = []
        for name, table in TABLES.items():
            try:
                frames.append(con.execute(f"select * from {table}").df())
            except duckdb.CatalogException as error:
                raise LookupError(f"{path}: table {table} ({name}) is missing; build the dbt models "
                                  f"int_kpi__monthly and dim_crm_rollout and the seed kpi_definitions") from error
    monthly, definitions, rollouts = frames
    return monthly, definitions, rollouts
