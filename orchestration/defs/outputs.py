"""The pipeline's outputs for people: the serving file for BI and the HTML report.

Both sit downstream of the marts, so a failing blocking dbt test (which stops
the marts) stops them too: BI never sees marts built on bad data.
"""

import dagster as dg

from orchestration.defs.dbt_models import WAREHOUSE_POOL
from orchestration.defs.resources import WarehouseResource

MART_KEYS = [
    dg.AssetKey(["marts", name])
    for name in ("mart_kpi_monthly", "mart_kpi_before_after", "mart_crm_payback", "dim_date", "dim_customers",
                 "dim_employees", "dim_products", "dim_crm_rollout")
]


@dg.asset(key=["serving", "serving_database"], deps=MART_KEYS, group_name="outputs", pool=WAREHOUSE_POOL,
          kinds={"duckdb"}, freshness_policy=None)
def serving_database(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The read-only copy of the marts for BI tools (the warehouse resource's serving_path), swapped in atomically."""
    from orchestration.publish import publish

    result = publish(warehouse.database(), warehouse.serving())
    return dg.MaterializeResult(metadata={
        "path": str(result.serving_path),
        "tables": len(result.tables),
        "dagster/row_count": result.total_rows,
        "latest_month": str(result.latest_month),
        "seconds": round(result.duration_seconds, 2),
    })


@dg.asset(key=["serving", "crm_impact_report"], deps=[serving_database], group_name="outputs", kinds={"html"})
def crm_impact_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The self-contained HTML before/after report, read from the serving file (no lock on the warehouse)."""
    from orchestration.report import write_report

    out = write_report(warehouse.serving(), warehouse.reports() / "crm_impact.html")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(out)),
                                          "size_kb": round(out.stat().st_size / 1024)})
