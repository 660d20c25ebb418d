"""The CRM API extraction as Dagster assets, upstream of the raw tables.

``CRM_IMPACT_SOURCE=hubspot`` (or ``pipedrive``) in the code location's
environment turns it on: one asset per extracted object (dagster-dlt's
``@dlt_assets`` over the same dlt source and pipeline as ``crm-impact
extract``), then ``extract/<crm>/snapshot``, the contract-shaped export folder
the raw tables are loaded from (``CRM_IMPACT_LANDING/<crm>-api``, where the
landing sensor sees it too). Unset, the graph has no extraction assets and
nothing changes for file exports.

The token is read when a run starts, never at import: a run without it fails
with one sentence naming the variable to set. The job ``extract_load_and_build``
runs everything from the API to the report; its daily schedule starts stopped,
like the project's other schedules.
"""


import os
import uuid
from collections.abc import Sequence

import dagster as dg
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from orchestration import paths
from orchestration.extract import ExtractError
from orchestration.extract.common import describe_failure
from orchestration.extract.hubspot import CAPPED
from orchestration.extract.run import CrmSource, pipeline_for, source_named
from orchestration.extract.run import snapshot as write_snapshot

SOURCE_ENV = "CRM_IMPACT_SOURCE"
GROUP = "extract"
# the dlt source's shape (its resources, hence the assets) does not depend on the token;
# the one built at import carries this placeholder and is never run
_NO_TOKEN = "read-from-the-environment-at-run-time"


def configured_source() -> CrmSource | None:
    """The CRM named by CRM_IMPACT_SOURCE, or None when it is unset."""
    name = (os.environ.get(SOURCE_ENV) or "").strip()
    if not name:
        return None
    try:
        return source_named(name)
    except ExtractError as error:
        raise dg.DagsterInvalidDefinitionError(f"{SOURCE_ENV}: {error}") from None


def snapshot_dir(crm: CrmSource):
    return paths.landing_path() / f"{crm.name}-api"


def snapshot_key(crm: CrmSource) -> dg.AssetKey:
    return dg.AssetKey([GROUP, crm.name, "snapshot"])


class _Translator(DagsterDltTranslator):
    """Asset keys extract/<crm>/<object>, no upstream source assets, the raw tables' freshness cadence."""

    def __init__(self, crm: CrmSource) -> None:
        super().__init__()
        self.crm = crm

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        spec = super().get_asset_spec(data)
        return spec.replace_attributes(
            key=dg.AssetKey([GROUP, self.crm.name, data.resource.name]), deps=[], group_name=GROUP,
            description=f"{self.crm.label} API: {data.resource.name}, extracted incrementally by dlt "
                        f"into the extraction dataset (docs/extract.md).",
        )


def _build(crm: CrmSource) -> tuple[list, list, list]:
    pipeline = pipeline_for(crm)
    translator = _Translator(crm)

    @dlt_assets(dlt_source=crm.build(_NO_TOKEN, crm.base_url()), dlt_pipeline=pipeline,
                name=f"{crm.name}_api_objects", dagster_dlt_translator=translator)
    def crm_api_objects(context: dg.AssetExecutionContext, dlt: DagsterDltResource):
        """Extract what changed in the CRM since the last run (dlt's incremental cursors)."""
        try:
            token = crm.token()
        except ExtractError as error:
            raise dg.Failure(description=str(error)) from None
        run_key = uuid.uuid4().hex
        try:
            yield from dlt.run(context=context, dlt_source=crm.build(token, crm.base_url(), run_key=run_key),
                               dlt_pipeline=pipeline, dagster_dlt_translator=translator)
        except Exception as error:  # noqa: BLE001 - one line, without the token
            raise dg.Failure(description=f"extraction from {crm.label} failed, the previous snapshot is kept: "
                                         f"{describe_failure(error, (token,))}") from None
        finally:
            capped = CAPPED.pop(run_key, set())
        if capped:
            context.log.warning(f"HubSpot's search stopped at its 10,000-result cap for {', '.join(sorted(capped))}; "
                                "the next run continues from the cursor (crm-impact extract runs passes until done)")

    object_keys = list(crm_api_objects.keys)

    @dg.asset(key=snapshot_key(crm), deps=object_keys, group_name=GROUP, kinds={"dlt", "csv"},
              description=f"The extracted {crm.label} objects mapped to the raw contract by the {crm.preset} "
                          "preset: a complete export folder, swapped in whole, that the raw tables load.")
    def crm_api_snapshot(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        try:
            snap = write_snapshot(crm, snapshot_dir(crm))
        except ExtractError as error:
            raise dg.Failure(description=str(error)) from None
        context.log.info(snap.summary())
        return dg.MaterializeResult(metadata={
            "path": str(snap.path), **{f"rows_{t}": n for t, n in snap.rows.items()},
            **{f"deleted_{t}": n for t, n in snap.deleted.items() if n},
        })

    job = dg.define_asset_job(
        name="extract_load_and_build",
        selection=dg.AssetSelection.groups(GROUP).downstream(),
        description=f"Extract {crm.label} through its API, load the snapshot into the raw schema and build "
                    "everything downstream.",
        config={"ops": {"raw_crm_tables": {"config": {"export_dir": str(snapshot_dir(crm))}}}},
    )
    schedule = dg.ScheduleDefinition(
        name="daily_extract_load_and_build", job=job, cron_schedule="0 5 * * *", execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=f"Every morning at 05:00 UTC: extract what changed in {crm.label}, load and build.",
    )
    return [crm_api_objects, crm_api_snapshot], [job], [schedule]


_CRM = configured_source()
EXTRACT_ASSETS, EXTRACT_JOBS, EXTRACT_SCHEDULES = _build(_CRM) if _CRM else ([], [], [])
EXTRACT_RESOURCES = {"dlt": DagsterDltResource()} if _CRM else {}


def with_extraction_upstream(raw_assets: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The raw tables, downstream of the snapshot when an API source is configured (else unchanged)."""
    if _CRM is None:
        return raw_assets
    key = snapshot_key(_CRM)
    return dg.map_asset_specs(lambda spec: spec.merge_attributes(deps=[key]), [raw_assets])[0]


__all__: Sequence[str] = ("EXTRACT_ASSETS", "EXTRACT_JOBS", "EXTRACT_RESOURCES", "EXTRACT_SCHEDULES",
                          "with_extraction_upstream")
