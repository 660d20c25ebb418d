"""The dbt project as Dagster sees it, and the one dbt that runs it.

dbt is always the project's own: the ``dbt`` beside the Python that runs
Dagster (``orchestration.dbt_runner.DBT_EXECUTABLE``, the same one the CLI and
the tests run), never the first ``dbt`` on PATH. ``.venv/bin/dagster dev``
started without an activated virtualenv has no dbt on PATH, and dagster-dbt's
default (``dbtf`` when found, else ``dbt`` from PATH) would then fail to load
the code location ("The dbt executable 'dbt' was not found on PATH") or run
another installation's dbt.

The manifest is parsed on start-up when it is missing (a fresh clone) or when
``dagster dev`` runs (so edits to models show up on reload), by dagster-dbt's
own preparer with that executable. dbt runs with the project root as its
working directory, so a relative CRM_IMPACT_DB means the same file to dbt as
to ``orchestration.paths``.
"""

from __future__ import annotations

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer

from orchestration.dbt_runner import DBT_EXECUTABLE
from orchestration.paths import PROJECT_ROOT


def dbt_cli(project: DbtProject) -> DbtCliResource:
    """A DbtCliResource for ``project`` that runs the project's own dbt."""
    return DbtCliResource(
        project_dir=project, profiles_dir=str(project.profiles_dir), dbt_executable=str(DBT_EXECUTABLE)
    )


class ProjectDbtPreparer(DagsterDbtProjectPreparer):
    """dagster-dbt's preparer (``dbt parse``, guarded against concurrent updates), with the project's dbt.

    The project has no dbt packages, so only the manifest step is replaced.
    """

    def _prepare_manifest(self, project: DbtProject) -> None:
        dbt_cli(project).cli(self._prepare_project_cli_args, target_path=project.target_path).wait()
        self._invalidate_seeds_in_partial_parse(project)


crm_dbt_project = DbtProject(project_dir=PROJECT_ROOT, profiles_dir=PROJECT_ROOT)
preparer = ProjectDbtPreparer()

if not crm_dbt_project.manifest_path.exists():
    preparer.prepare(crm_dbt_project)
else:
    preparer.prepare_if_dev(crm_dbt_project)
