"""The same dbt project on Apache Spark: the demo export, loaded once by the
loader, built on the DuckDB target and on the Spark `session` target (PySpark
in local mode), must pass every dbt test on Spark and give the same marts,
row for row (numbers within 1e-9 relative).

Needs the [spark] extra and Java 17: run with `make test-spark`.
"""

from __future__ import annotations

import json

import pytest

from orchestration import paths
from orchestration.dbt_runner import FIRST_STEP_RESULTS, build, target_path
from orchestration.load import load_export
from orchestration.settings import AnalysisSettings
from orchestration.spark import MART_KEYS, compare_marts, write_raw_parquet
from tests.conftest import environment, query

pytestmark = pytest.mark.spark

FIXTURES = paths.PROJECT_ROOT / "tests" / "fixtures"

CASES = {
    # the demo with the default settings: months in UTC
    "demo_utc": (paths.DEMO_EXPORT, AnalysisSettings()),
    # months in Kyiv time (from_utc_timestamp on Spark, timezone() on DuckDB), so
    # records near midnight at a month's end move month on both engines alike
    "demo_kyiv": (paths.DEMO_EXPORT, AnalysisSettings(crm_timezone="Europe/Kyiv")),
    # an export of five tables: the optional ones are empty on both engines and
    # most KPIs are "not available", with the same reasons
    "sparse_export": (FIXTURES / "kpi_aov", AnalysisSettings()),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def both_builds(request, tmp_path_factory):
    """An export built on both targets with the same settings: (duckdb file, spark home, raw rows written)."""
    root = tmp_path_factory.mktemp(f"spark_{request.param}")
    db = root / "crm.duckdb"
    export, settings = CASES[request.param]
    with environment("CRM_IMPACT_SPARK_HOME", str(root / "spark")):
        load_export(export, db)
        written = write_raw_parquet(db, paths.spark_raw_path())
        build(settings, db_path=db)
        build(settings, db_path=db, target="spark")
        yield db, paths.spark_home(), written


def test_raw_parquet_holds_every_loaded_row(both_builds):
    db, _, written = both_builds
    for table, rows in written.items():
        assert rows == query(db, f"select count(*) from raw.{table}")[0][0], table
    assert written["orders"] > 0


def test_spark_build_passes_every_dbt_test(both_builds):
    # a build is two dbt steps around the estimator (orchestration/dbt_runner.py): both steps' results
    results = [
        result
        for name in (FIRST_STEP_RESULTS, "run_results.json")
        for result in json.loads((target_path("spark") / name).read_text())["results"]
    ]
    by_kind: dict[str, list[str]] = {}
    for result in results:
        by_kind.setdefault(result["unique_id"].split(".")[0], []).append(result["status"])
    failed = [r["unique_id"] for r in results if r["status"] in ("error", "fail", "skipped")]
    assert failed == []
    # every model, data test and unit test of the project ran on Spark
    assert len(by_kind["model"]) >= 60
    assert len(by_kind["test"]) >= 140
    assert len(by_kind["unit_test"]) >= 7


@pytest.mark.parametrize("mart", sorted(MART_KEYS))
def test_spark_marts_equal_duckdb_marts(both_builds, mart):
    db, home, _ = both_builds
    differences = compare_marts(db, home, {mart: MART_KEYS[mart]})
    assert [str(d) for d in differences] == []
    # and the comparison was over real rows with real numbers
    rows, values = query(db, f"select count(*), count(metric_value) from marts.{mart}" if mart == "mart_kpi_monthly"
                         else f"select count(*), count(raw_relative_change) from marts.{mart}")[0]
    assert rows > 10 and values > 5
    if mart == "mart_kpi_before_after":
        # the sparse export's "not available" rows were compared too, reasons included
        statuses = dict(query(db, "select status, count(*) from marts.mart_kpi_before_after group by status"))
        assert statuses.get("ok", 0) > 0
        if written_orders(db) < 100:
            assert statuses["not_available"] > 10


def written_orders(db) -> int:
    return query(db, "select count(*) from raw.orders")[0][0]


def test_spark_business_durations_equal_duckdb(both_builds):
    """Every record's working-time durations (fct_business_durations: intervals converted from local
    time to UTC by each engine's own time-zone functions) agree between the engines to 1e-9."""
    db, home, _ = both_builds
    differences = compare_marts(db, home, {"fct_business_durations": ("business_duration_key",)}, rel_tol=1e-9)
    assert [str(d) for d in differences] == []
    rows, values = query(db, "select count(*), count(first_response_business_minutes) "
                             "from marts.fct_business_durations")[0]
    if written_orders(db) >= 100:  # the demo; the sparse export has no tickets
        assert rows > 100 and values > 100
