"""Every dbt model, seed and test as Dagster assets and asset checks, in two
steps around the estimator (orchestration/defs/estimates.py): the models that
read the estimates (dbt source ``estimates`` and what depends on it) are
``crm_kpi_marts``, everything else ``crm_dbt_models`` - the same split as
``orchestration.dbt_runner.build``.

The analysis settings are one resource shared by both steps, so a run cannot
build the facts with one go-live and the marts with another; they become dbt
vars, and a wrong value stops the run before dbt starts, with the setting named.
"""


from typing import Optional

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets
from pydantic import Field

from orchestration import build_state
from orchestration.dbt_runner import ESTIMATED
from orchestration.defs.mart_metadata import mart_metadata
from orchestration.defs.project import crm_dbt_project
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.translator import CrmDbtTranslator
from orchestration.settings import AnalysisSettings, setting_fields

WAREHOUSE_POOL = "crm_warehouse"  # DuckDB allows one writer per file


def _settings_resource_class() -> type:
    """The resource's fields are the settings' declarations (orchestration/settings.py): the same names,
    types and help in the launchpad as on the command line, none of them written twice."""
    fields = {spec.name: (Optional[spec.metadata["kind"]], spec.metadata["help"]) for spec in setting_fields()}

    def to_settings(self) -> AnalysisSettings:
        return AnalysisSettings(**{name: getattr(self, name) for name in fields})

    return type("AnalysisSettingsResource", (dg.ConfigurableResource,), {
        "__module__": __name__,
        "__doc__": "Run settings of a build; empty values keep the defaults of dbt_project.yml.",
        "__annotations__": {name: kind for name, (kind, _) in fields.items()},
        **{name: Field(default=None, description=text) for name, (_, text) in fields.items()},
        "to_settings": to_settings,
    })


AnalysisSettingsResource = _settings_resource_class()


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: AnalysisSettings,
           warehouse: WarehouseResource, step: str):
    """Build and test the selected dbt models with the run's settings.

    ``step`` is 'models' (the first dbt step) or 'complete' (the marts, which end a build). A first
    step selected whole whose inputs are those of the last complete build yields nothing: its assets
    are skipped, and with them everything downstream (orchestration/build_state.py). Whole steps
    record themselves in ops.build_log; the marts step completes a build only after its first step.

    The events are passed on once dbt has finished, in dbt's order, with the
    marts' metadata (row count, latest month, the scorecard) read from the
    warehouse: DuckDB admits no reader while dbt writes from another process.
    """
    whole = not context.is_subset
    digest = build_state.inputs_digest(warehouse.database(), settings.dbt_vars_json()) if whole else None
    if step == "models" and digest is not None and digest == build_state.last_complete(warehouse.database()):
        context.log.info("Nothing new since the last complete build: the raw data, the code and the settings are "
                         "those it was built from; the dbt models and everything downstream are skipped.")
        return
    args = ["build"]
    if settings.dbt_vars():
        args += ["--vars", settings.dbt_vars_json()]
    events, failure = [], None
    try:
        with warehouse.environment():  # dbt starts here, with the run's warehouse in its profile
            invocation = dbt.cli(args, context=context)
        for event in invocation.stream():
            events.append(event)
    except Exception as error:  # a failing test or model: pass on what was built, then fail
        failure = error
    for event in events:
        if isinstance(event, dg.Output):
            schema, table = context.asset_key_for_output(event.output_name).path
            if schema == "marts":
                event = event.with_metadata({**event.metadata, **mart_metadata(warehouse.database(), schema, table)})
        yield event
    if failure is not None:
        raise failure
    if step == "models" or build_state.models_step_recorded(warehouse.database(), digest):
        build_state.record(warehouse.database(), digest, step)


@dbt_assets(
    manifest=crm_dbt_project.manifest_path,
    project=crm_dbt_project,
    dagster_dbt_translator=CrmDbtTranslator(),
    exclude=ESTIMATED,
    name="crm_dbt_models",
    pool=WAREHOUSE_POOL,
)
def crm_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                   analysis_settings: AnalysisSettingsResource, warehouse: WarehouseResource):
    """Seeds, staging, facts, dimensions and the monthly KPI series: everything the estimator reads."""
    yield from _build(context, dbt, analysis_settings.to_settings(), warehouse, "models")


@dbt_assets(
    manifest=crm_dbt_project.manifest_path,
    project=crm_dbt_project,
    dagster_dbt_translator=CrmDbtTranslator(),
    select=ESTIMATED,
    name="crm_kpi_marts",
    pool=WAREHOUSE_POOL,
)
def crm_kpi_marts(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                  analysis_settings: AnalysisSettingsResource, warehouse: WarehouseResource):
    """The marts that read the estimates: payback, before/after with the verdicts, the monthly mart."""
    yield from _build(context, dbt, analysis_settings.to_settings(), warehouse, "complete")
