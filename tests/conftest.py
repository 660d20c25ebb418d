"""Shared test helpers: real exports loaded by the real loader into real DuckDB
files, built by the real dbt project. Nothing is mocked."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_runner import build
from orchestration.settings import AnalysisSettings

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def load_and_build(export_dir: Path, db_path: Path, settings: AnalysisSettings | None = None) -> Path:
    """Load an export with the loader, then seed and build every dbt model."""
    from orchestration.load import load_export

    load_export(export_dir, db_path)
    build(settings, db_path=db_path)
    return db_path


def query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of a query against a warehouse, opened read-only."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@contextmanager
def environment(name: str, value: str):
    """An environment variable set for the duration (for subprocesses and Dagster), then restored."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield value
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


@contextmanager
def warehouse_env(db_path: Path):
    """CRM_IMPACT_DB pointing at db_path for the duration (for subprocesses and Dagster)."""
    with environment("CRM_IMPACT_DB", str(db_path)):
        yield db_path


@pytest.fixture(scope="session")
def aov_warehouse(tmp_path_factory) -> Path:
    """The hand-made AOV export (tests/fixtures/kpi_aov), loaded and built."""
    db = tmp_path_factory.mktemp("aov") / "crm.duckdb"
    return load_and_build(FIXTURES / "kpi_aov", db)


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> Path:
    """The embedded demo export (seeds/demo), loaded and built."""
    db = tmp_path_factory.mktemp("demo") / "crm.duckdb"
    return load_and_build(PROJECT_ROOT / "seeds" / "demo", db)
