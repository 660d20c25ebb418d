"""Apache Spark as a second engine for the same dbt project.

``raw_parquet`` writes the validated raw layer as Parquet for Spark to read as
sources; ``compare`` checks that the marts of a Spark build equal those of a
DuckDB build of the same export.
"""

from orchestration.spark.compare import MART_KEYS, MartDifference, compare_marts
from orchestration.spark.raw_parquet import write_raw_parquet

__all__ = ["MART_KEYS", "MartDifference", "compare_marts", "write_raw_parquet"]
