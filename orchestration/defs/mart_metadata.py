"""What a person reads about a mart in the Dagster UI: its row count, the latest
month it covers, and for the before/after mart the scorecard itself.

Read after dbt has finished (DuckDB allows no reader beside a writer in
another process), from the warehouse the run built.
"""

from pathlib import Path

import dagster as dg
import duckdb

from orchestration.scorecard import read_load, read_scorecard, to_markdown

MONTH_COLUMNS = ("month_start", "order_month", "lead_month", "ticket_month", "survey_month", "document_month",
                 "approval_month", "activity_month", "usage_month", "expense_month", "cost_month", "target_month")


def mart_metadata(db_path: Path, schema: str, table: str) -> dict:
    """Row count, latest month and (mart_kpi_before_after) the scorecard of one relation."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        columns = {
            name for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchall()
        }
        if not columns:
            return {}
        metadata: dict = {"dagster/row_count": con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]}
        month_column = next((c for c in MONTH_COLUMNS if c in columns), None)
        if month_column:
            latest = con.execute(f'select max({month_column}) from "{schema}"."{table}"').fetchone()[0]
            metadata["latest_month"] = str(latest)[:7] if latest else "none"
    if table == "mart_kpi_before_after":
        metadata["scorecard"] = dg.MetadataValue.md(to_markdown(read_scorecard(db_path), read_load(db_path)))
    return metadata
