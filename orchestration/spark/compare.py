"""Compare the marts of a Spark build with those of a DuckDB build.

Spark writes its tables as Parquet under ``<spark_home>/tables/<schema>.db/``,
which DuckDB reads directly, so the comparison is one SQL join per mart on its
grain: every row must be on both sides, text, dates and flags must be equal,
and numbers equal within a floating-point tolerance (the engines sum and
average in different orders, so the last bits of a double differ).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

# The grain of each compared mart (its unique_combination_of_columns test).
MART_KEYS: dict[str, tuple[str, ...]] = {
    "mart_kpi_monthly": ("month_start", "metric_id", "scope_type", "scope_value"),
    "mart_kpi_before_after": ("metric_id", "scope_type", "scope_value"),
}

# How close two numbers must be. The descriptive values are sums and averages
# that the engines add in different orders: equal to the last few bits. The
# estimates are fitted by the same Python code on those values, whose tiny
# differences an iterative fit (the likelihood of the AR coefficient, the
# DiD bootstrap) can magnify: equal to a millionth.
RELATIVE_TOLERANCE = {"mart_kpi_monthly": 1e-9, "mart_kpi_before_after": 1e-6}

NUMERIC_TYPES = ("DOUBLE", "FLOAT", "DECIMAL", "BIGINT", "INTEGER", "HUGEINT", "SMALLINT")


@dataclass(frozen=True)
class MartDifference:
    """One row or value on which the two builds disagree."""

    mart: str
    key: str
    column: str
    duckdb_value: object
    spark_value: object

    def __str__(self) -> str:
        return f"{self.mart} [{self.key}] {self.column}: duckdb={self.duckdb_value!r} spark={self.spark_value!r}"


def spark_table_path(spark_home: Path, schema: str, table: str) -> Path:
    """Where the Spark session target keeps a table's Parquet files."""
    return spark_home / "tables" / f"{schema}.db" / table


def compare_marts(
    duckdb_path: Path,
    spark_home: Path,
    marts: dict[str, tuple[str, ...]] = MART_KEYS,
    rel_tol: float | None = None,
    abs_tol: float = 1e-9,
) -> list[MartDifference]:
    """Every difference between the marts of the two builds (empty when equal).

    A row missing on one side is reported with column ``<row>``; a column
    missing on one side with key ``<schema>``.
    """
    differences: list[MartDifference] = []
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        for mart, keys in marts.items():
            tolerance = rel_tol if rel_tol is not None else RELATIVE_TOLERANCE.get(mart, 1e-9)
            path = spark_table_path(spark_home, "marts", mart)
            con.execute(
                f"create or replace temp view spark_side as "
                f"select * from read_parquet('{path}/*.parquet')"
            )
            duck_cols = dict(con.execute(f"select column_name, column_type from (describe marts.{mart})").fetchall())
            spark_cols = dict(con.execute("select column_name, column_type from (describe spark_side)").fetchall())
            for column in sorted(set(duck_cols) ^ set(spark_cols)):
                side = "duckdb" if column in duck_cols else "spark"
                differences.append(MartDifference(mart, "<schema>", column,
                                                  side == "duckdb" or None, side == "spark" or None))
            on = " and ".join(f"d.{k} is not distinct from s.{k}" for k in keys)
            key_text = " || ' | ' || ".join(f"coalesce(cast(coalesce(d.{k}, s.{k}) as varchar), '<null>')" for k in keys)
            rows = con.execute(
                f"select {key_text}, d.{keys[0]} is null, s.{keys[0]} is null "
                f"from marts.{mart} d full outer join spark_side s on {on} "
                f"where d.{keys[0]} is null or s.{keys[0]} is null"
            ).fetchall()
            for key, missing_in_duckdb, missing_in_spark in rows:
                differences.append(MartDifference(mart, key, "<row>",
                                                  None if missing_in_duckdb else "present",
                                                  None if missing_in_spark else "present"))
            for column in (c for c in duck_cols if c in spark_cols and c not in keys):
                numeric = duck_cols[column].startswith(NUMERIC_TYPES) and spark_cols[column].startswith(NUMERIC_TYPES)
                if numeric:
                    differs = (
                        f"(d.{column} is null) <> (s.{column} is null) or (d.{column} is distinct from s.{column} "
                        f"and abs(d.{column} - s.{column}) > "
                        f"greatest({abs_tol}, {tolerance} * greatest(abs(d.{column}), abs(s.{column}))))"
                    )
                else:
                    differs = f"d.{column} is distinct from s.{column}"
                for key, d_value, s_value in con.execute(
                    f"select {key_text}, d.{column}, s.{column} "
                    f"from marts.{mart} d join spark_side s on {on} where {differs}"
                ).fetchall():
                    differences.append(MartDifference(mart, key, column, d_value, s_value))
    return differences
