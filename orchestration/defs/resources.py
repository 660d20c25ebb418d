"""Resources, configured from the environment with defaults that work on the demo.

dbt runs from the same virtualenv as Dagster, whether or not it is activated.
"""

import sys
from pathlib import Path

from dagster_dbt import DbtCliResource

from orchestration.defs.project import crm_dbt_project


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=crm_dbt_project,
        profiles_dir=str(crm_dbt_project.project_dir),
        dbt_executable=str(Path(sys.executable).parent / "dbt"),
    )
