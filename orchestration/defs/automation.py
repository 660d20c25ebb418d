"""When the pipeline runs: a daily schedule and a sensor on the landing folder.

Both launch the same job (load the export, then build everything downstream)
with the export folder as run config. Runs that write the warehouse share the
``crm_warehouse`` concurrency pool, since DuckDB allows one writer per file.
"""

import dagster as dg

from orchestration import paths
from orchestration.defs.extract import GROUP as EXTRACT_GROUP
from orchestration.landing import ready_exports

# Not the extraction (when an API source is configured): this job loads an export folder that is already
# there; extract_load_and_build (orchestration/defs/extract.py) is the one that calls the CRM's API.
load_and_build_job = dg.define_asset_job(
    name="load_and_build",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(EXTRACT_GROUP),
    description="Load a CRM export into the raw schema and build every model, mart and output downstream.",
)


def _run_config(export_dir: str) -> dict:
    return {"ops": {"raw_crm_tables": {"config": {"export_dir": export_dir}}}}


@dg.sensor(job=load_and_build_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def landing_folder_sensor(context: dg.SensorEvaluationContext):
    """Loads each new or changed export that lands in CRM_IMPACT_LANDING, once."""
    landing = paths.landing_path()
    exports = ready_exports(landing)
    if not exports:
        return dg.SkipReason(f"no complete export in {landing}")
    return [
        dg.RunRequest(run_key=f"{export.path.name}:{export.fingerprint}", run_config=_run_config(str(export.path)))
        for export in exports
    ]


@dg.schedule(job=load_and_build_job, cron_schedule="0 6 * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.STOPPED)
def daily_load_and_build(context: dg.ScheduleEvaluationContext):
    """Every morning: load the newest export in the landing folder (the demo when it is empty) and build."""
    exports = ready_exports(paths.landing_path())
    export_dir = str(exports[-1].path) if exports else ""
    return dg.RunRequest(run_key=None, run_config=_run_config(export_dir))
