"""Running dbt from the CLI: in-process through dbt's programmatic runner.

Dagster runs dbt through dagster-dbt's DbtCliResource instead (one event per
model for the asset graph); both point dbt at the same project, profile and
warehouse (``paths.dbt_environment``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from orchestration.paths import PROJECT_ROOT, dbt_environment
from orchestration.settings import AnalysisSettings


class DbtFailure(RuntimeError):
    """dbt reported an error or a failing test."""


def run_dbt(args: Sequence[str], settings: AnalysisSettings | None = None, db_path: Path | None = None) -> None:
    """Run one dbt command against the project and a warehouse (default: CRM_IMPACT_DB)."""
    from dbt.cli.main import dbtRunner

    full_args = [*args, "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT)]
    if settings is not None and settings.dbt_vars():
        full_args += ["--vars", settings.dbt_vars_json()]
    previous = dict(os.environ)
    os.environ.update(dbt_environment(db_path))
    try:
        result = dbtRunner().invoke(full_args)
    finally:
        os.environ.clear()
        os.environ.update(previous)
    if not result.success:
        detail = f": {result.exception}" if result.exception else ""
        raise DbtFailure(f"dbt {' '.join(args)} failed{detail}")


def build(settings: AnalysisSettings | None = None, select: Sequence[str] = (), db_path: Path | None = None) -> None:
    """Load the reference seeds, then build and test every model."""
    run_dbt(["seed"], settings, db_path)
    run_dbt(["build", *(["--select", *select] if select else [])], settings, db_path)
