"""How dbt resources appear in Dagster: one hook, get_asset_spec, overridden.

Groups follow the layers and KPI families (staging, intermediate, core,
financial, process, ..., kpi_marts, reference), so the asset graph reads like
the project's folders. dbt sources are tables that Python writes: the loader's
raw tables, keyed ``raw/<table>``, and the estimator's, ``estimates/<table>``,
to match those assets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from orchestration.catalog import family_ids
from orchestration.defs.freshness import DAILY_FRESHNESS, FRESHNESS_GROUPS

# dbt source -> the schema (and asset key prefix) of the Python asset that writes it
SOURCE_SCHEMAS = {"crm": "raw", "estimates": "estimates"}

# the KPI families (seeds/kpi_families.csv): each has its own asset group
KPI_FAMILIES = family_ids()


def group_for(resource_props: Mapping[str, Any]) -> str:
    """The asset group of a dbt resource, from its folder."""
    resource_type = resource_props["resource_type"]
    if resource_type == "seed":
        return "reference"
    if resource_type == "source":
        return "raw"
    folders = list(resource_props.get("fqn", [])[1:-1])
    if not folders:
        return "other"
    if folders[0] == "marts":
        if len(folders) == 1:
            return "kpi_marts"
        return folders[1] if folders[1] in KPI_FAMILIES or folders[1] == "core" else "kpi_marts"
    return folders[0]


class CrmDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            schema = SOURCE_SCHEMAS[props["source_name"]]
            return spec.replace_attributes(key=dg.AssetKey([schema, props["name"]]), group_name=schema)
        group = group_for(props)
        return spec.replace_attributes(
            group_name=group, freshness_policy=DAILY_FRESHNESS if group in FRESHNESS_GROUPS else None
        )
