"""Resources, configured from the environment with defaults that work on the demo.

dbt is the project's own, beside the Python that runs Dagster, whether or not
the virtualenv is activated (``orchestration.defs.project.dbt_cli``).
"""

from dagster_dbt import DbtCliResource

from orchestration.defs.project import crm_dbt_project, dbt_cli


def dbt_resource() -> DbtCliResource:
    return dbt_cli(crm_dbt_project)
