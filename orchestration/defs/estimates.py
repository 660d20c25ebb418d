"""The estimator as Dagster assets: between the dbt models that build the
monthly KPI series and the marts that read its estimates.

Its two tables are the dbt source ``estimates``, whose asset keys the
translator maps to ``estimates/<table>`` - these assets - so the graph runs
from the series through the estimator into the marts.
"""

import dagster as dg

from orchestration.defs.dbt_models import WAREHOUSE_POOL
from orchestration.defs.resources import WarehouseResource
from orchestration.estimate.store import INPUTS, declared_columns

ESTIMATE_KEYS = {table: dg.AssetKey(["estimates", table]) for table in declared_columns()}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key, group_name="estimates", kinds={"python", "duckdb"},
            deps=[dg.AssetKey([schema, table]) for schema, table in INPUTS.values()],
            description="Written by orchestration/estimate: the model-based effect of the CRM per metric and "
                        "scope with its interval, p-values, power, placebos and verdict (kpi_effects), and the "
                        "counterfactual months (kpi_counterfactual).",
        )
        for key in ESTIMATE_KEYS.values()
    ],
    pool=WAREHOUSE_POOL,
)
def kpi_estimates(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Fit the models on the monthly series of the warehouse and write the estimates."""
    from orchestration.estimate.store import write_estimates

    summary = write_estimates(warehouse.database())
    context.log.info(str(summary))
    for table, key in ESTIMATE_KEYS.items():
        metadata = {"dagster/row_count": summary.rows[table]}
        if table == "kpi_effects":
            metadata["company_verdicts"] = dict(summary.company_verdicts)
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
