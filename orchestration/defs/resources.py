"""Resources, configured from the environment with defaults that work on the demo.

- ``dbt``: the project's own dbt, beside the Python that runs Dagster, whether
  or not the virtualenv is activated (``orchestration.defs.project.dbt_cli``).
- ``warehouse``: the files a run reads and writes - the DuckDB warehouse, the
  serving copy for BI, the report folder - and DuckDB's memory cap. Every asset
  that touches one of them takes this resource, so a run (or a test) points
  the whole graph at another warehouse by configuring it once, instead of
  editing environment variables. Left empty, each field falls back to the
  environment variable the CLI reads (``orchestration/paths.py``), so
  ``dagster dev`` and ``crm-impact`` see the same warehouse by default.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional
from unittest import mock

import dagster as dg
from dagster_dbt import DbtCliResource
from pydantic import Field

from orchestration import paths
from orchestration.defs.project import crm_dbt_project, dbt_cli


def dbt_resource() -> DbtCliResource:
    return dbt_cli(crm_dbt_project)


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse of a run and the files made from it; empty fields keep the CLI's defaults."""

    path: Optional[str] = Field(
        default=None, description="the DuckDB warehouse the loader, dbt and the estimator write "
                                  "(default: CRM_IMPACT_DB, else warehouse/crm.duckdb)")
    serving_path: Optional[str] = Field(
        default=None, description="the read-only copy for BI tools (default: CRM_IMPACT_SERVING_DB, "
                                  "else warehouse/serving.duckdb)")
    reports_dir: Optional[str] = Field(
        default=None, description="where the HTML report is written (default: CRM_IMPACT_REPORTS, else reports/)")
    memory_limit: Optional[str] = Field(
        default=None, description="DuckDB's memory cap for the loader and dbt, e.g. 4GB "
                                  "(default: CRM_IMPACT_MEMORY_LIMIT, else 4GB)")

    def database(self) -> Path:
        return paths.project_path(self.path) if self.path else paths.warehouse_path()

    def serving(self) -> Path:
        return paths.project_path(self.serving_path) if self.serving_path else paths.serving_path()

    def reports(self) -> Path:
        return paths.project_path(self.reports_dir) if self.reports_dir else paths.reports_path()

    @contextmanager
    def environment(self) -> Iterator[None]:
        """This warehouse in the environment of what starts inside the block, then the old values back.

        dbt reads its warehouse and memory cap from profiles.yml, which reads the environment
        (``paths.dbt_variables``, the same variables the CLI sets for its dbt), and dagster-dbt
        starts dbt with the environment of the step; the loader reads the memory cap the same way.
        Each Dagster step runs in a process of its own (or one after another in-process), so the
        change is seen by that step alone.
        """
        with mock.patch.dict(os.environ, paths.dbt_variables(self.database(), self.memory_limit)):
            yield
