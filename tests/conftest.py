"""Shared test helpers and the warehouses the tests read: real exports loaded by
the real loader into real DuckDB files, built by the real dbt project. Nothing
is mocked.

Each fixture export is built once per test session (session-scoped fixtures
below) and shared by every test file that reads it. Those tests only read: a
test that changes a warehouse works on its own copy (``copy_warehouse``),
which costs a file copy instead of a build.

Why builds go through one "build slot": dbt re-parses the whole project
(about 10 s) whenever the profile changes, and the warehouse path is part of
the profile. Every test build therefore loads and builds at one fixed path,
``<session tmp>/dbt-build/crm.duckdb``, with one dbt target folder per set of
analysis settings, so that dbt's partial parsing carries over from one build
to the next; the finished file is then moved to where the test wants it. The
file keeps its name, ``crm.duckdb``, because DuckDB names the database after
it and the views that dbt creates refer to that name.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_runner import FIRST_STEP_RESULTS, build
from orchestration.settings import AnalysisSettings

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO = PROJECT_ROOT / "seeds" / "demo"
WAREHOUSE_NAME = "crm.duckdb"

_build_slot: list[Path] = []  # the session's build folder, set by the fixture _dbt_build_slot
_run_results: dict[Path, dict[str, str]] = {}  # warehouse -> {dbt unique_id: status} of its build


@pytest.fixture(scope="session", autouse=True)
def _dbt_build_slot(tmp_path_factory):
    _build_slot.append(tmp_path_factory.mktemp("dbt-build"))
    yield
    _build_slot.clear()


def dbt_target_path(settings: AnalysisSettings | None = None) -> Path | None:
    """The dbt target folder of this session's builds with these settings (None outside a session)."""
    if not _build_slot:
        return None
    dbt_vars = settings.dbt_vars_json() if settings is not None and settings.dbt_vars() else ""
    return _build_slot[0] / f"target-{hashlib.sha1(dbt_vars.encode()).hexdigest()[:10]}"


def _remove_warehouse(path: Path) -> None:
    for file in (path, path.with_name(path.name + ".wal")):
        file.unlink(missing_ok=True)


def load_and_build(export_dir: Path, db_path: Path, settings: AnalysisSettings | None = None,
                   unit_tests: bool = False) -> Path:
    """Load an export with the loader, then seed, build and test every dbt model; the warehouse is db_path.

    A failing dbt data test fails the build (DbtFailure), so every fixture also passes every data test.
    dbt's unit tests do not read the warehouse (their inputs are in the YAML), so they run in the demo's
    build only (``unit_tests=True``) instead of in every fixture's."""
    from orchestration.load import load_export

    db_path = Path(db_path)
    dbt_args = [] if unit_tests else ["--exclude-resource-type", "unit_test"]
    target = dbt_target_path(settings)
    if target is None or db_path.name != WAREHOUSE_NAME:  # outside a session, or another name: build in place
        load_export(export_dir, db_path)
        build(settings, db_path=db_path, dbt_args=dbt_args)
        return db_path
    slot = target.parent / WAREHOUSE_NAME
    _remove_warehouse(slot)
    try:
        load_export(export_dir, slot)
        build(settings, db_path=slot, dbt_args=dbt_args, artifacts=target)
        # a build is two dbt steps around the estimator: both steps' results
        results = [result for name in (FIRST_STEP_RESULTS, "run_results.json")
                   for result in json.loads((target / name).read_text(encoding="utf-8"))["results"]]
        db_path.parent.mkdir(parents=True, exist_ok=True)
        _remove_warehouse(db_path)
        shutil.move(slot, db_path)
    finally:
        _remove_warehouse(slot)
    _run_results[db_path.resolve()] = {r["unique_id"]: r["status"] for r in results}
    return db_path


def build_results(db_path: Path) -> dict[str, str]:
    """{dbt unique_id: status} of the build that made a warehouse (load_and_build in this session)."""
    return _run_results[Path(db_path).resolve()]


def copy_warehouse(source: Path, folder: Path) -> Path:
    """A copy of a built warehouse for a test that changes it; same file name, so dbt's views still resolve."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / Path(source).name
    shutil.copyfile(source, target)
    return target


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of a query against a warehouse, opened read-only."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@contextmanager
def environment(name: str, value: str):
    """An environment variable set for the duration (for subprocesses such as Spark's dbt), then restored."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield value
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


# --- which tests run -------------------------------------------------------------------------------

def _named_on_command_line(config) -> list[Path]:
    """The test files named on the command line (``pytest tests/test_x.py`` or ``tests/test_x.py::test_y``)."""
    root = Path(config.invocation_params.dir)
    named = [arg.split("::")[0] for arg in config.args]
    return [(root / path).resolve() for path in named if path.endswith(".py")]


def pytest_collection_modifyitems(config, items):
    """Without ``-m``, leave out the Spark tests, and the slow tests of every file not named on the command line.

    ``make test`` (plain ``pytest``) is the everyday suite and stays under five minutes on two cores;
    ``pytest tests/test_kpi_financial.py`` runs that file whole, its slow tests included, which is what
    someone working on it wants. An explicit ``-m`` (``make test-slow``, ``make test-spark``) decides alone.
    """
    if config.option.markexpr:
        return
    named = _named_on_command_line(config)
    kept, left_out = [], []
    for item in items:
        slow_here = item.get_closest_marker("slow") is not None and Path(item.path).resolve() not in named
        (left_out if slow_here or item.get_closest_marker("spark") is not None else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


# --- the warehouses that several test files read (built once per session) -------------------------

@pytest.fixture(scope="session")
def aov_warehouse(tmp_path_factory) -> Path:
    """The hand-made AOV export (tests/fixtures/kpi_aov): only the required tables and a few optional ones."""
    return load_and_build(FIXTURES / "kpi_aov", tmp_path_factory.mktemp("aov") / WAREHOUSE_NAME)


@pytest.fixture(scope="session")
def core_small_warehouse(tmp_path_factory) -> Path:
    """The hand-made core_small export (tests/fixtures/core_small): every table, orphans, personal data."""
    return load_and_build(FIXTURES / "core_small", tmp_path_factory.mktemp("core_small") / WAREHOUSE_NAME)


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> Path:
    """The committed demo export (seeds/demo), loaded and built with the default settings, unit tests too."""
    return load_and_build(DEMO, tmp_path_factory.mktemp("demo") / WAREHOUSE_NAME, unit_tests=True)



@pytest.fixture(scope="session")
def dbt_manifest(aov_warehouse) -> dict:
    """dbt's manifest of the project (from the AOV build: a build parses the whole project)."""
    return json.loads((dbt_target_path() / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def project_manifest(dbt_manifest) -> Path:
    """target/manifest.json of the project is this session's (Dagster reads it when its definitions load).

    A checkout keeps whatever manifest its last dbt command wrote there, which may predate the models
    now on disk; a fresh clone parses on first use. Tests that load the Dagster definitions therefore
    put the manifest of this session's builds there first (same project, default settings)."""
    path = PROJECT_ROOT / "target" / "manifest.json"
    path.parent.mkdir(exist_ok=True)
    shutil.copyfile(dbt_target_path() / "manifest.json", path)
    return path
