"""Running dbt from the CLI and the tests: the dbt of this virtualenv, in a
subprocess.

A subprocess, not dbt's in-process runner, because dbt-duckdb keeps its
connection open for the life of the process, and the CLI reads the warehouse
right after a build (the demo's scorecard). Dagster runs dbt through
dagster-dbt's DbtCliResource, also a subprocess; both point dbt at the same
project, profile and warehouse (``paths.dbt_variables``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from orchestration import build_state
from orchestration.paths import PROJECT_ROOT, dbt_environment, spark_home, warehouse_path
from orchestration.settings import AnalysisSettings

DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"


class DbtFailure(RuntimeError):
    """dbt (or the estimator between its two steps) reported an error or a failing test; the
    message ends with dbt's last lines."""


TARGETS = ("duckdb", "spark")


def run_dbt(
    args: Sequence[str], settings: AnalysisSettings | None = None, db_path: Path | None = None,
    target: str = "duckdb", artifacts: Path | None = None,
) -> None:
    """Run one dbt command against the project and a warehouse (default: CRM_IMPACT_DB).

    ``target`` is a profile output of profiles.yml. A Spark run keeps its
    artifacts in target/spark/, so that it never replaces the DuckDB manifest
    that MetricFlow and Dagster read; ``artifacts`` puts them elsewhere (tests
    that build several warehouses at once).

    dbt's output is passed through line by line; on failure its last lines are
    in the exception, so the reason (a failing test, a wrong setting) is not lost.
    """
    if target not in TARGETS:
        raise ValueError(f"unknown dbt target {target!r}; expected one of {', '.join(TARGETS)}")
    command = [str(DBT_EXECUTABLE), *args, "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT),
               "--target", target]
    if artifacts is not None or target != "duckdb":
        command += ["--target-path", str(artifacts or target_path(target))]
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


# The models that read the estimator's tables (dbt source `estimates`) and
# what depends on them; everything else is built before the estimator runs.
ESTIMATED = "source:estimates+"
# run_results.json of the first of a build's two dbt steps (the second's is dbt's own run_results.json)
FIRST_STEP_RESULTS = "run_results_before_estimates.json"


def target_path(target: str = "duckdb") -> Path:
    """dbt's artifacts folder of a target: target/ for DuckDB (what MetricFlow and Dagster read), target/<name>/ else."""
    return PROJECT_ROOT / "target" if target == "duckdb" else PROJECT_ROOT / "target" / target


def build(
    settings: AnalysisSettings | None = None, select: Sequence[str] = (), db_path: Path | None = None,
    target: str = "duckdb", dbt_args: Sequence[str] = (), artifacts: Path | None = None, force: bool = False,
) -> bool:
    """Build and test every model, in three steps: dbt builds the seeds, facts and monthly series
    (everything but the models that read the estimates), the estimator fits its models on the
    monthly series and writes the dbt source ``estimates``, and dbt builds and tests the marts
    that read it (orchestration/estimate/store.py says why the statistics run in Python).

    With ``select``, one dbt build of just that selection, for development: the estimates are
    not refreshed. ``dbt_args`` go to both dbt steps (e.g. ``--exclude-resource-type unit_test``);
    ``artifacts`` is dbt's target folder (default: ``target_path(target)``).

    A whole DuckDB build whose inputs (raw data, code, settings) are those of the last complete build
    is skipped unless ``force`` (orchestration/build_state.py); returns False then, True after a build.
    """
    if select:
        run_dbt(["build", "--select", *select, *dbt_args], settings, db_path, target, artifacts)
        return True
    db = Path(db_path) if db_path else warehouse_path()
    digest = None
    folder = artifacts or target_path(target)
    if target == "duckdb":
        run_arguments = " ".join([(settings or AnalysisSettings()).dbt_vars_json(), *dbt_args])
        digest = build_state.inputs_digest(db, run_arguments)
        if (not force and digest is not None and digest == build_state.last_complete(db)
                and (folder / "manifest.json").is_file()):
            print(f"Nothing new since the last build of {db}: the raw data, the code and the settings are those it "
                  "was built from (crm-impact build --force rebuilds).", flush=True)
            return False
    run_dbt(["build", "--exclude", ESTIMATED, *dbt_args], settings, db_path, target, artifacts)
    # dbt's run_results.json holds its last invocation only: keep the first step's
    shutil.copyfile(folder / "run_results.json", folder / FIRST_STEP_RESULTS)
    from orchestration.estimate.store import EstimateStoreError

    try:
        print(estimate(db_path, target), flush=True)
    except EstimateStoreError as error:
        raise DbtFailure(f"the estimator failed between the two dbt steps: {error}") from None
    run_dbt(["build", "--select", ESTIMATED, *dbt_args], settings, db_path, target, artifacts)
    build_state.record(db, digest, "complete")
    return True


def estimate(db_path: Path | None = None, target: str = "duckdb"):
    """Run the estimator on the monthly series of the last build of ``target`` and store its tables."""
    from orchestration.estimate.store import write_estimates, write_estimates_spark

    if target == "spark":
        return write_estimates_spark(spark_home())
    return write_estimates(Path(db_path).resolve() if db_path else warehouse_path())
