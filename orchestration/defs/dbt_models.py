"""Every dbt model, seed and test as Dagster assets and asset checks.

The run configuration carries the analysis settings, which become dbt vars;
a wrong value stops the run before dbt starts, with the setting named.
"""


from typing import Optional

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration import paths
from orchestration.defs.mart_metadata import mart_metadata
from orchestration.defs.project import crm_dbt_project
from orchestration.defs.translator import CrmDbtTranslator
from orchestration.settings import AnalysisSettings

WAREHOUSE_POOL = "crm_warehouse"  # DuckDB allows one writer per file


class AnalysisSettingsConfig(dg.Config):
    """Run settings of a build; empty values keep the defaults of dbt_project.yml."""

    crm_go_live_date: Optional[str] = None
    crm_ramp_up_days: Optional[int] = None
    crm_baseline_months: Optional[int] = None
    retention_window_months: Optional[int] = None
    crm_timezone: Optional[str] = None
    reporting_currency: Optional[str] = None

    def to_settings(self) -> AnalysisSettings:
        return AnalysisSettings(**self.model_dump())


@dbt_assets(
    manifest=crm_dbt_project.manifest_path,
    project=crm_dbt_project,
    dagster_dbt_translator=CrmDbtTranslator(),
    pool=WAREHOUSE_POOL,
)
def crm_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: AnalysisSettingsConfig):
    """Build and test the selected dbt models with the run's settings.

    The events are passed on once dbt has finished, in dbt's order, with the
    marts' metadata (row count, latest month, the scorecard) read from the
    warehouse: DuckDB admits no reader while dbt writes from another process.
    """
    settings = config.to_settings()
    args = ["build"]
    if settings.dbt_vars():
        args += ["--vars", settings.dbt_vars_json()]
    events, failure = [], None
    try:
        for event in dbt.cli(args, context=context).stream():
            events.append(event)
    except Exception as error:  # a failing test or model: pass on what was built, then fail
        failure = error
    for event in events:
        if isinstance(event, dg.Output):
            schema, table = context.asset_key_for_output(event.output_name).path
            if schema == "marts":
                event = event.with_metadata({**event.metadata, **mart_metadata(paths.warehouse_path(), schema, table)})
        yield event
    if failure is not None:
        raise failure
