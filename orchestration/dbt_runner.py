"""Running dbt from the CLI and the tests: the dbt of this virtualenv, in a
subprocess.

A subprocess, not dbt's in-process runner, because dbt-duckdb keeps its
connection open for the life of the process, and the CLI reads the warehouse
right after a build (the demo's scorecard). Dagster runs dbt through
dagster-dbt's DbtCliResource, also a subprocess; both point dbt at the same
project, profile and warehouse (``paths.dbt_environment``).
"""

from __future__ import annotations

import subprocess
import sys
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from orchestration.paths import PROJECT_ROOT, dbt_environment
from orchestration.settings import AnalysisSettings

DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"


class DbtFailure(RuntimeError):
    """dbt reported an error or a failing test; the message ends with dbt's last lines."""


TARGETS = ("duckdb", "spark")


def run_dbt(
    args: Sequence[str], settings: AnalysisSettings | None = None, db_path: Path | None = None,
    target: str = "duckdb",
) -> None:
    """Run one dbt command against the project and a warehouse (default: CRM_IMPACT_DB).

    ``target`` is a profile output of profiles.yml. A Spark run keeps its
    artifacts in target/spark/, so that it never replaces the DuckDB manifest
    that MetricFlow and Dagster read.

    dbt's output is passed through line by line; on failure its last lines are
    in the exception, so the reason (a failing test, a wrong setting) is not lost.
    """
    if target not in TARGETS:
        raise ValueError(f"unknown dbt target {target!r}; expected one of {', '.join(TARGETS)}")
    command = [str(DBT_EXECUTABLE), *args, "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT),
               "--target", target]
    if target != "duckdb":
        command += ["--target-path", str(PROJECT_ROOT / "target" / target)]
    if settings is not None and settings.dbt_vars():
        command += ["--vars", settings.dbt_vars_json()]
    tail: deque[str] = deque(maxlen=40)
    with subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=dbt_environment(db_path), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, bufsize=1,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            tail.append(line.rstrip())
    if process.returncode != 0:
        raise DbtFailure(f"dbt {' '.join(args)} failed (exit {process.returncode}):\n" + "\n".join(tail))


def build(
    settings: AnalysisSettings | None = None, select: Sequence[str] = (), db_path: Path | None = None,
    target: str = "duckdb",
) -> None:
    """Load the reference seeds and build and test every model, in one dbt build (seeds first by the DAG)."""
    run_dbt(["build", *(["--select", *select] if select else [])], settings, db_path, target)
