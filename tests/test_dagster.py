"""The Dagster code location: it loads, and a real materialization of the
whole graph on a real export builds the marts."""

from __future__ import annotations

import dagster as dg
import pytest

from conftest import FIXTURES, query, warehouse_env


@pytest.fixture(scope="module")
def definitions():
    from orchestration.definitions import defs

    return defs


def test_definitions_load_with_dbt_models_as_assets(definitions):
    graph = definitions.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert "raw/orders" in keys
    assert "marts/fct_orders" in keys
    assert "marts/mart_kpi_before_after" in keys
    assert graph.get(dg.AssetKey(["marts", "kpi_financial__monthly"])).group_name == "financial"
    assert graph.get(dg.AssetKey(["staging", "stg_crm__orders"])).group_name == "staging"
    # the dbt source raw/orders is the loader's asset, not a dangling external one
    assert graph.get(dg.AssetKey(["raw", "orders"])).is_materializable


def test_materialize_the_whole_graph(definitions, tmp_path):
    from orchestration.defs.dbt_models import crm_dbt_models
    from orchestration.defs.raw_tables import raw_crm_tables
    from orchestration.defs.resources import dbt_resource

    with warehouse_env(tmp_path / "crm.duckdb") as db:
        result = dg.materialize(
            [raw_crm_tables, crm_dbt_models],
            resources={"dbt": dbt_resource()},
            run_config={"ops": {"raw_crm_tables": {"config": {"export_dir": str(FIXTURES / "kpi_aov")}}}},
        )
    assert result.success
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"raw/orders", "marts/fct_orders", "marts/mart_kpi_before_after"} <= materialized
    (baseline, post), = query(db, "select baseline_value, post_value from marts.mart_kpi_before_after "
                                  "where metric_id = 'average_order_value' and scope_type = 'company'")
    assert (baseline, post) == (pytest.approx(225.0), pytest.approx(405.0))
