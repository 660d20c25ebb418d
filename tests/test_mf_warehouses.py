"""`mf` answers for whichever warehouse CRM_IMPACT_DB names, without `dbt parse` in between.

The profile attaches the warehouse under the fixed catalog name `crm`
(profiles.yml), so the semantic manifest that the last dbt run wrote names no
file: two warehouses built one after the other are queried in turn, in both
orders, by switching CRM_IMPACT_DB only, and each answers from its own data.
"""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, PROJECT_ROOT, load_and_build, query
from metricflow_cli import mf_query


@pytest.fixture(scope="module")
def financial_warehouse(tmp_path_factory):
    """The hand-made financial export, built after aov_warehouse (so the manifest is its build's)."""
    return load_and_build(FIXTURES / "kpi_financial", tmp_path_factory.mktemp("financial") / "other.duckdb")


def monthly_orders(db) -> dict[str, float]:
    """order_count per month of the warehouse's own mart (company scope)."""
    return {str(month)[:7]: value for month, value in query(
        db, "select month_start, metric_value from marts.mart_kpi_monthly "
            "where metric_id = 'order_count' and scope_type = 'company' and metric_value > 0")}


def mf_monthly_orders(db) -> dict[str, float]:
    answer = mf_query(db, "--metrics", "order_count", "--group-by", "metric_time__month")
    return {r["metric_time__month"][:7]: float(r["order_count"]) for r in answer if r["order_count"]}


def test_semantic_manifest_names_no_warehouse_file(aov_warehouse, financial_warehouse):
    text = (PROJECT_ROOT / "target" / "semantic_manifest.json").read_text()
    assert financial_warehouse.stem == "other"  # the last build's file, named unlike the catalog
    assert '"other"' not in text
    relations = {m["node_relation"]["database"] for m in json.loads(text)["semantic_models"]}
    assert relations == {"crm"}


def test_mf_answers_from_each_warehouse_in_turn(aov_warehouse, financial_warehouse):
    expected = {db: monthly_orders(db) for db in (aov_warehouse, financial_warehouse)}
    assert expected[aov_warehouse] and expected[financial_warehouse]
    assert expected[aov_warehouse] != expected[financial_warehouse]
    for db in (aov_warehouse, financial_warehouse, aov_warehouse):
        answer = mf_monthly_orders(db)
        assert answer == pytest.approx(expected[db]), db
