"""`mf` answers for whichever warehouse CRM_IMPACT_DB names, without `dbt parse` in between.

The profile attaches the warehouse under the fixed catalog name `crm`
(profiles.yml), so the semantic manifest names no file. One semantic manifest
- the one dbt wrote when it built the session's warehouses - serves two
warehouses with other file names and other data, queried in turn (A, B, A)
by switching CRM_IMPACT_DB only; each answers from its own data. Before the
alias, the manifest named the database after the file's stem and `mf`
failed on any other file ("schema <stem>.marts does not exist").
"""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import dbt_target_path, query
from metricflow_cli import mf_query

# slow (make test-slow; CI runs it): this file builds two warehouses and asks MetricFlow of each
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def two_warehouses(aov_warehouse, core_small_warehouse, tmp_path_factory):
    """Copies of two built warehouses under file names that no dbt run has seen."""
    folder = tmp_path_factory.mktemp("mf_warehouses")
    first, second = folder / "acme.duckdb", folder / "globex.duckdb"
    shutil.copyfile(aov_warehouse, first)
    shutil.copyfile(core_small_warehouse, second)
    return first, second


@pytest.fixture(scope="module")
def semantic_manifest(aov_warehouse):
    return dbt_target_path() / "semantic_manifest.json"


def monthly_orders(db) -> dict[str, float]:
    """order_count per month of the warehouse's own mart (company scope)."""
    return {str(month)[:7]: value for month, value in query(
        db, "select month_start, metric_value from marts.mart_kpi_monthly "
            "where metric_id = 'order_count' and scope_type = 'company' and metric_value > 0")}


def test_semantic_manifest_names_no_warehouse_file(semantic_manifest):
    manifest = json.loads(semantic_manifest.read_text())
    assert {m["node_relation"]["database"] for m in manifest["semantic_models"]} == {"crm"}


def test_mf_answers_from_each_warehouse_in_turn(two_warehouses, semantic_manifest):
    expected = {db: monthly_orders(db) for db in two_warehouses}
    assert all(expected.values()) and expected[two_warehouses[0]] != expected[two_warehouses[1]]
    for db in (*two_warehouses, two_warehouses[0]):
        answer = mf_query(db, semantic_manifest, "--metrics", "order_count", "--group-by", "metric_time__month")
        got = {r["metric_time__month"][:7]: float(r["order_count"]) for r in answer
               if r["order_count"] and float(r["order_count"]) > 0}
        assert got == pytest.approx(expected[db]), db.name
