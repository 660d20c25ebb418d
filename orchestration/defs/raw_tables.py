"""The raw tables, one asset each, materialized together by the loader, with
the loader's own checks: a missing required table fails; a share of
quarantined rows above the limit (``orchestration.load.limits``, the same
setting and default as ``crm-impact load``) fails the load unless
``accept_quarantine``, and then this check warns.

Downstream dbt sources are keyed ``raw/<table>`` too, so the graph runs from
the export through the loader into every model.
"""

from pathlib import Path
from typing import Optional

import dagster as dg
from pydantic import Field

from orchestration import paths
from orchestration.contract import REQUIRED_TABLES, TABLES
from orchestration.defs.dbt_models import WAREHOUSE_POOL, AnalysisSettingsResource
from orchestration.defs.freshness import DAILY_FRESHNESS
from orchestration.defs.resources import WarehouseResource
from orchestration.load.limits import DEFAULT_MAX_QUARANTINE_SHARE

RAW_KEYS = {table.name: dg.AssetKey(["raw", table.name]) for table in TABLES}

RAW_SPECS = [
    dg.AssetSpec(
        key=RAW_KEYS[table.name],
        group_name="raw",
        description=f"{table.description} Loaded by `crm-impact load` (raw contract v1).",
        kinds={"duckdb"},
        metadata={"primary_key": ", ".join(table.primary_key), "required": table.required},
        freshness_policy=DAILY_FRESHNESS,
    )
    for table in TABLES
]

QUARANTINE_CHECK = "quarantine_share_below_threshold"
PRESENT_CHECK = "required_table_present"

CHECK_SPECS = [
    dg.AssetCheckSpec(QUARANTINE_CHECK, asset=RAW_KEYS[t.name],
                      description="Warns when more than the allowed share of the file's rows were quarantined "
                                  "(the load fails instead, unless accept_quarantine).")
    for t in TABLES
] + [
    dg.AssetCheckSpec(PRESENT_CHECK, asset=RAW_KEYS[name],
                      description="Fails when the export has no file for this required table.")
    for name in REQUIRED_TABLES
]


class LoadConfig(dg.Config):
    """Which export folder to load (empty = the embedded demo export) and how to read it. The reporting
    currency is not here: it is an analysis setting (the ``analysis_settings`` resource), so the load and
    the build of one run cannot disagree on it."""

    export_dir: str = ""
    source_timezone: Optional[str] = Field(
        default=None, description="IANA time zone of naive timestamps in the export; empty: export.yml's "
        "source_timezone, else UTC")
    max_quarantine_share: float = DEFAULT_MAX_QUARANTINE_SHARE
    accept_quarantine: bool = False


@dg.multi_asset(specs=RAW_SPECS, check_specs=CHECK_SPECS, pool=WAREHOUSE_POOL)
def raw_crm_tables(context: dg.AssetExecutionContext, config: LoadConfig,
                   analysis_settings: AnalysisSettingsResource, warehouse: WarehouseResource):
    """Validate an export and load it into the raw schema (quarantining bad rows)."""
    from orchestration.load import LoadError, load_export

    from orchestration.load.discover import missing_required_tables

    export_dir = Path(config.export_dir) if config.export_dir else paths.DEMO_EXPORT
    missing = missing_required_tables(export_dir)
    if missing:
        for name in REQUIRED_TABLES:
            yield dg.AssetCheckResult(
                asset_key=RAW_KEYS[name], check_name=PRESENT_CHECK, passed=name not in missing,
                metadata={"export_dir": str(export_dir)},
            )
        raise dg.Failure(f"the export {export_dir} has no file for the required table(s) {', '.join(missing)}")
    try:
        with warehouse.environment():  # the memory cap
            report = load_export(
                export_dir, warehouse.database(),
                timezone=config.source_timezone,
                reporting_currency=str(analysis_settings.to_settings().value("reporting_currency")),
                max_quarantine_share=config.max_quarantine_share, accept_quarantine=config.accept_quarantine,
            )
    except LoadError as error:
        raise dg.Failure(f"load failed, nothing was written: {error}") from error
    context.log.info(report.summary())
    for table_report in report.tables:
        key = RAW_KEYS[table_report.table]
        share = table_report.rows_quarantined / table_report.rows_read if table_report.rows_read else 0.0
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "export_dir": str(export_dir),
                "source_file": str(table_report.file) if table_report.file else "absent",
                "status": table_report.status,
                "rows_read": table_report.rows_read,
                "rows_loaded": table_report.rows_loaded,
                "rows_quarantined": table_report.rows_quarantined,
            },
        )
        yield dg.AssetCheckResult(
            asset_key=key, check_name=QUARANTINE_CHECK, passed=share <= config.max_quarantine_share,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"quarantined_share": share, "threshold": config.max_quarantine_share},
        )
        if table_report.table in REQUIRED_TABLES:
            yield dg.AssetCheckResult(asset_key=key, check_name=PRESENT_CHECK, passed=True)
