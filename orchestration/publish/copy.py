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

# The per-record KPI tables (kpi_<family>__records: one row per order, ticket, lead... per metric) are
# the dbt models' working rows, about 70% of the marts' rows and of a publish's time. Dashboards read the
# monthly and before/after marts, the facts and the dimensions; a drill-down to the records can ask for
# them (publish --with-records) or read the build warehouse while no build runs (docs/bi.md).
RECORD_TABLES = r"^kpi_.+__records$"


@dataclass(frozen=True)
class SourceTable:
    schema: str
    name: str

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


def source_tables(con: duckdb.DuckDBPyConnection, source_catalog: str,
                  with_records: bool = False) -> list[SourceTable]:
    """Tables and views of the copied schemas in the attached source, in name order; the per-record KPI
    tables only ``with_records``."""
    schemas = ", ".join(literal(s) for s in COPIED_SCHEMAS)
    rows = con.execute(
        f"""
        select table_schema, table_name
        from information_schema.tables
        where table_catalog = ? and table_schema in ({schemas})
          and (? or not (table_schema = 'marts' and regexp_matches(table_name, {literal(RECORD_TABLES)})))
        order by table_schema, table_name
        """,
        [source_catalog, with_records],
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
