"""The dbt project as Dagster sees it.

The manifest is parsed on start-up when it is missing (a fresh clone) or when
``dagster dev`` runs (so edits to models show up on reload). dbt runs with the
project root as its working directory, so a relative CRM_IMPACT_DB means the
same file to dbt as to ``orchestration.paths``.
"""

from dagster_dbt import DbtProject

from orchestration.paths import PROJECT_ROOT

crm_dbt_project = DbtProject(project_dir=PROJECT_ROOT, profiles_dir=PROJECT_ROOT)

if not crm_dbt_project.manifest_path.exists():
    crm_dbt_project.preparer.prepare(crm_dbt_project)
else:
    crm_dbt_project.prepare_if_dev()
