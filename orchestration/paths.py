"""Where things live: the dbt project, the warehouse, the demo export, outputs.

Every path that a user may want elsewhere comes from an environment variable,
so that several warehouses can live side by side:

- ``CRM_IMPACT_DB``: the build warehouse (default ``warehouse/crm.duckdb``).
- ``CRM_IMPACT_SERVING_DB``: the read-only copy for BI (default ``warehouse/serving.duckdb``).
- ``CRM_IMPACT_LANDING``: the folder the Dagster sensor watches for new exports.
- ``CRM_IMPACT_REPORTS``: where the HTML report goes (default ``reports/``).
- ``CRM_IMPACT_MEMORY_LIMIT``: DuckDB's memory cap for the loader and dbt
  (default ``4GB``); beyond it DuckDB spills to disk.
- ``CRM_IMPACT_SPARK_HOME``: the Spark target's files: the raw Parquet
  (``raw/``), the tables (``tables/``) and the local metastore (default
  ``warehouse/spark``).

Relative values are taken from the project root, not the current directory,
so the CLI, dbt and Dagster agree whichever folder they are started from.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_EXPORT = PROJECT_ROOT / "seeds" / "demo"


def project_path(value: str | Path) -> Path:
    """A path as the project reads it: ``~`` expanded, a relative path taken from the project root."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def _from_env(name: str, default: str) -> Path:
    return project_path(os.environ.get(name) or default)


def warehouse_path() -> Path:
    """The DuckDB file that the loader and dbt write (``CRM_IMPACT_DB``)."""
    return _from_env("CRM_IMPACT_DB", "warehouse/crm.duckdb")


def serving_path() -> Path:
    """The read-only DuckDB file for BI tools (``CRM_IMPACT_SERVING_DB``)."""
    return _from_env("CRM_IMPACT_SERVING_DB", "warehouse/serving.duckdb")


def landing_path() -> Path:
    """The folder where new CRM exports arrive (``CRM_IMPACT_LANDING``)."""
    return _from_env("CRM_IMPACT_LANDING", "warehouse/landing")


def reports_path() -> Path:
    """Where the HTML report is written (``CRM_IMPACT_REPORTS``)."""
    return _from_env("CRM_IMPACT_REPORTS", "reports")


DEFAULT_MEMORY_LIMIT = "4GB"


def memory_limit() -> str:
    """DuckDB's memory_limit for the loader and dbt (``CRM_IMPACT_MEMORY_LIMIT``, default 4GB)."""
    return os.environ.get("CRM_IMPACT_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT


def spark_home() -> Path:
    """Where the Spark session target keeps its files (``CRM_IMPACT_SPARK_HOME``)."""
    return _from_env("CRM_IMPACT_SPARK_HOME", "warehouse/spark")


def spark_raw_path() -> Path:
    """The raw layer for Spark: one Parquet folder per raw table."""
    return spark_home() / "raw"


def dbt_variables(db_path: Path | None = None, memory: str | None = None) -> dict[str, str]:
    """The variables profiles.yml reads: the warehouse and the Spark home as absolute paths, the memory limit
    (``memory``, else ``memory_limit()``). The warehouse's folder is created, as dbt needs it."""
    db = Path(db_path).resolve() if db_path else warehouse_path()
    db.parent.mkdir(parents=True, exist_ok=True)
    return {"CRM_IMPACT_DB": str(db), "CRM_IMPACT_SPARK_HOME": str(spark_home()),
            "CRM_IMPACT_MEMORY_LIMIT": memory or memory_limit()}


def dbt_environment(db_path: Path | None = None) -> dict[str, str]:
    """The environment of a dbt subprocess: this process's, with ``dbt_variables``."""
    return {**os.environ, **dbt_variables(db_path)}
