"""Copy the marts and the reference tables, whatever they are today.

Why enumerate instead of listing names: new marts keep arriving (one per KPI
family, mart_crm_payback, ...). Publishing whatever ``information_schema``
shows in the copied schemas means a new dbt model reaches BI with the next
publish, with no change here.

A view in those schemas (a model materialised as a view) is copied as a
table of its rows: the serving file has no staging or raw schemas for the
view's query to read from.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from orchestration.publish.sql import literal, qualified

COPIED_SCHEMAS = ("marts", "reference")

# Left out unless asked for, because BI's dashboards read neither and they are nearly all of a publish's
# rows and time (at scale 10, 30 of 32 million rows; docs/benchmarks.md):
# - the per-record KPI tables (kpi_<family>__records: one row per order, ticket, lead... per metric), the
#   dbt models' working rows: a drill-down from a KPI to its records asks for them (publish --with-records);
# - the facts (fct_*: one row per order, order line, ticket...), which the semantic layer's metrics are
#   computed from: a BI tool that runs MetricFlow's SQL asks for them (publish --with-facts).
# The dashboards read the KPI marts (mart_*), the dimensions (dim_*) and the bi views over them. The build
# warehouse holds everything, read-only whenever no load or build runs (docs/bi.md).
RECORD_TABLES = r"^kpi_.+__records$"
FACT_TABLES = r"^fct_"


@dataclass(frozen=True)
class SourceTable:
    schema: str
    name: str

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


def source_tables(con: duckdb.DuckDBPyConnection, source_catalog: str,
                  with_records: bool = False, with_facts: bool = False) -> list[SourceTable]:
    """Tables and views of the copied schemas in the attached source, in name order; the per-record KPI
    tables only ``with_records``, the facts only ``with_facts``."""
    schemas = ", ".join(literal(s) for s in COPIED_SCHEMAS)
    rows = con.execute(
        f"""
        select table_schema, table_name
        from information_schema.tables
        where table_catalog = ? and table_schema in ({schemas})
          and (? or not (table_schema = 'marts' and regexp_matches(table_name, {literal(RECORD_TABLES)})))
          and (? or not (table_schema = 'marts' and regexp_matches(table_name, {literal(FACT_TABLES)})))
        order by table_schema, table_name
        """,
        [source_catalog, with_records, with_facts],
    ).fetchall()
    return [SourceTable(schema, name) for schema, name in rows]


def copy_tables(
    con: duckdb.DuckDBPyConnection, source_catalog: str, target_catalog: str, tables: list[SourceTable]
) -> dict[str, int]:
    """Create each table in the target with the source's rows; return row counts by schema.table."""
    counts: dict[str, int] = {}
    for schema in sorted({t.schema for t in tables}):
        con.execute(f"create schema if not exists {qualified(target_catalog, schema)}")
    for table in tables:
        target = qualified(target_catalog, table.schema, table.name)
        con.execute(f"create table {target} as select * from {qualified(source_catalog, table.schema, table.name)}")
        counts[table.qualified_name] = con.execute(f"select count(*) from {target}").fetchone()[0]
    return counts
