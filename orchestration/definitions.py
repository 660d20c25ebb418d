"""The Dagster code location of crm-impact (``dagster dev`` finds it through
``[tool.dagster]`` in pyproject.toml)."""

import dagster as dg

from orchestration.defs.dbt_models import crm_dbt_models
from orchestration.defs.raw_tables import raw_crm_tables
from orchestration.defs.resources import dbt_resource

defs = dg.Definitions(
    assets=[raw_crm_tables, crm_dbt_models],
    resources={"dbt": dbt_resource()},
)
