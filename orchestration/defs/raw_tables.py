"""The raw tables, one asset each, materialized together by the loader.

Downstream dbt sources are keyed ``raw/<table>`` too, so the graph runs from
the export through the loader into every model.
"""


from pathlib import Path

import dagster as dg

from orchestration import paths
from orchestration.contract import TABLES
from orchestration.defs.dbt_models import WAREHOUSE_POOL

RAW_SPECS = [
    dg.AssetSpec(
        key=dg.AssetKey(["raw", table.name]),
        group_name="raw",
        description=f"{table.description} Loaded by `crm-impact load` (raw contract v1).",
        kinds={"duckdb"},
        metadata={"primary_key": ", ".join(table.primary_key), "required": table.required},
    )
    for table in TABLES
]


class LoadConfig(dg.Config):
    """Which export folder to load; empty = the embedded demo export."""

    export_dir: str = ""
    timezone: str = "UTC"
    reporting_currency: str = "UAH"


@dg.multi_asset(specs=RAW_SPECS, pool=WAREHOUSE_POOL)
def raw_crm_tables(context: dg.AssetExecutionContext, config: LoadConfig):
    """Validate an export and load it into the raw schema (quarantining bad rows)."""
    from orchestration.load import load_export

    export_dir = Path(config.export_dir) if config.export_dir else paths.DEMO_EXPORT
    report = load_export(
        export_dir, paths.warehouse_path(), timezone=config.timezone, reporting_currency=config.reporting_currency
    )
    context.log.info(report.summary())
    for table_report in report.tables:
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["raw", table_report.table]),
            metadata={
                "export_dir": str(export_dir),
                "source_file": str(table_report.file) if table_report.file else "absent",
                "status": table_report.status,
                "rows_read": table_report.rows_read,
                "rows_loaded": table_report.rows_loaded,
                "rows_quarantined": table_report.rows_quarantined,
            },
        )
