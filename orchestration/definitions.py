"""The Dagster code location of crm-impact (``dagster dev`` finds it through
``[tool.dagster]`` in pyproject.toml)."""

import dagster as dg

from orchestration.defs.automation import daily_load_and_build, landing_folder_sensor, load_and_build_job
from orchestration.defs.dbt_models import AnalysisSettingsResource, crm_dbt_models, crm_kpi_marts
from orchestration.defs.estimates import kpi_estimates
from orchestration.defs.extract import (EXTRACT_ASSETS, EXTRACT_JOBS, EXTRACT_RESOURCES, EXTRACT_SCHEDULES,
                                        with_extraction_upstream)
from orchestration.defs.outputs import crm_impact_report, serving_database
from orchestration.defs.raw_tables import raw_crm_tables
from orchestration.defs.resources import WarehouseResource, dbt_resource

defs = dg.Definitions(
    assets=[with_extraction_upstream(raw_crm_tables), crm_dbt_models, kpi_estimates, crm_kpi_marts,
            serving_database, crm_impact_report, *EXTRACT_ASSETS],
    jobs=[load_and_build_job, *EXTRACT_JOBS],
    schedules=[daily_load_and_build, *EXTRACT_SCHEDULES],
    sensors=[landing_folder_sensor],
    resources={"dbt": dbt_resource(), "analysis_settings": AnalysisSettingsResource(), "warehouse": WarehouseResource(),
               **EXTRACT_RESOURCES},
)
