"""Run the estimator on a built warehouse and store what it finds.

A build has three steps (``orchestration.dbt_runner.build``): dbt builds
everything up to the monthly series; this module reads the series, the KPI
catalog and the rollout, calls ``orchestration.estimate.estimate`` and writes
its two tables; dbt then builds the marts that read them (the dbt source
``estimates``, ``models/marts/_estimates__sources.yml``).

The columns and types of the two tables are those the source YAML declares,
read from it, so the estimator's output, the warehouse tables and the dbt
contract cannot drift apart: a column the YAML has and the estimator does not
fill is an error here, not a NULL downstream.

On DuckDB the tables go into the warehouse's schema ``estimates``. On Spark
the series are read from the Parquet files of the Spark build and the tables
written as Parquet under ``<spark_home>/estimates/<table>/``, which the
on-run-start hook registers as the schema ``estimates`` (macros/spark_sources.sql).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from orchestration.estimate.inputs import TABLES
from orchestration.paths import PROJECT_ROOT

SCHEMA = "estimates"
SOURCES_YAML = PROJECT_ROOT / "models" / "marts" / "_estimates__sources.yml"

# where the estimator's inputs live: (schema, table) of the dbt build (inputs.py names them)
INPUTS = {name: tuple(table.split(".")) for name, table in TABLES.items()}


class EstimateStoreError(RuntimeError):
    """The warehouse lacks what the estimator reads, or its output does not match the declared tables."""


@cache
def declared_columns() -> dict[str, tuple[tuple[str, str], ...]]:
    """{table: ((column, type), ...)} of the dbt source ``estimates``, in the YAML's order."""
    document = yaml.safe_load(SOURCES_YAML.read_text(encoding="utf-8"))
    source = next(s for s in document["sources"] if s["name"] == SCHEMA)
    return {
        table["name"]: tuple((c["name"], c["data_type"].upper()) for c in table["columns"])
        for table in source["tables"]
    }


@dataclass(frozen=True)
class EstimateSummary:
    """What one run of the estimator wrote: rows per table and the verdicts of the company rows."""

    rows: dict[str, int]
    company_verdicts: dict[str, int]

    def __str__(self) -> str:
        verdicts = ", ".join(f"{count} {verdict}" for verdict, count in sorted(self.company_verdicts.items()))
        return (f"Estimated the CRM's effect: {self.rows.get('kpi_effects', 0):,} metric-scopes "
                f"(company: {verdicts or 'none'}), {self.rows.get('kpi_counterfactual', 0):,} counterfactual months")


def _frames(result) -> dict[str, pd.DataFrame]:
    return {"kpi_effects": result.effects, "kpi_counterfactual": result.counterfactual}


def _conformed(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with exactly the declared columns, in order; an undeclared or missing column is an error."""
    names = [name for name, _ in declared_columns()[table]]
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise EstimateStoreError(f"the estimator's {table} lacks the declared column(s) {', '.join(missing)} "
                                 f"({SOURCES_YAML.relative_to(PROJECT_ROOT)})")
    return frame[names]


def _select_typed(table: str, relation: str) -> str:
    casts = ", ".join(f'CAST("{name}" AS {dtype}) AS "{name}"' for name, dtype in declared_columns()[table])
    return f"SELECT {casts} FROM {relation}"


def _read_inputs(con: duckdb.DuckDBPyConnection, relation_of) -> dict[str, pd.DataFrame]:
    frames = {}
    for name, (schema, table) in INPUTS.items():
        try:
            frames[name] = con.execute(f"SELECT * FROM {relation_of(schema, table)}").df()
        except duckdb.Error as error:
            raise EstimateStoreError(
                f"cannot read {schema}.{table}, which the estimator needs: {str(error).splitlines()[0]}; "
                "build the dbt models first (crm-impact build)"
            ) from None
    return frames


def _estimate(frames: dict[str, pd.DataFrame]):
    from orchestration.estimate import estimate

    return estimate(frames["monthly"], frames["definitions"], frames["rollouts"])


def _summary(frames: dict[str, pd.DataFrame]) -> EstimateSummary:
    effects = frames["kpi_effects"]
    company = effects[effects["scope_type"] == "company"]
    return EstimateSummary(
        rows={name: len(frame) for name, frame in frames.items()},
        company_verdicts={str(k): int(v) for k, v in company["verdict"].value_counts().items()},
    )


def write_estimates(db_path: Path) -> EstimateSummary:
    """Estimate from the DuckDB warehouse ``db_path`` and replace its tables ``estimates.*``."""
    with duckdb.connect(str(db_path)) as con:
        frames = _read_inputs(con, lambda schema, table: f'"{schema}"."{table}"')
        output = {table: _conformed(table, frame) for table, frame in _frames(_estimate(frames)).items()}
        con.execute("BEGIN TRANSACTION")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        for table, frame in output.items():
            con.register("_estimate_frame", frame)
            con.execute(f'CREATE OR REPLACE TABLE {SCHEMA}."{table}" AS '
                        + _select_typed(table, "_estimate_frame"))
            con.unregister("_estimate_frame")
        con.execute("COMMIT")
    return _summary(output)


def spark_estimates_path(spark_home: Path) -> Path:
    """Where the estimates of the Spark target live as Parquet (registered by the on-run-start hook)."""
    return spark_home / SCHEMA


def write_estimates_spark(spark_home: Path) -> EstimateSummary:
    """Estimate from the Parquet tables of a Spark build and write ``<spark_home>/estimates/<table>/``."""
    from orchestration.spark.compare import spark_table_path

    def relation_of(schema: str, table: str) -> str:
        path = spark_table_path(spark_home, schema, table)
        return f"read_parquet('{path}/*.parquet')"

    with duckdb.connect() as con:
        frames = _read_inputs(con, relation_of)
        output = {table: _conformed(table, frame) for table, frame in _frames(_estimate(frames)).items()}
        root = spark_estimates_path(spark_home)
        root.mkdir(parents=True, exist_ok=True)
        for table, frame in output.items():
            staging = root / f".{table}.writing"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            con.register("_estimate_frame", frame)
            con.execute(f"COPY ({_select_typed(table, '_estimate_frame')}) TO '{staging / 'part-0.parquet'}' "
                        "(FORMAT parquet)")
            con.unregister("_estimate_frame")
            final = root / table
            shutil.rmtree(final, ignore_errors=True)
            staging.rename(final)
    return _summary(output)
