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


def test_landing_sensor_requests_each_complete_export_once(definitions, tmp_path, monkeypatch):
    import shutil

    from orchestration.defs.automation import landing_folder_sensor

    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "kpi_aov", landing / "2025-03-export")
    (landing / "incomplete").mkdir()
    (landing / "incomplete" / "customers.csv").write_text("customer_id\n")
    monkeypatch.setenv("CRM_IMPACT_LANDING", str(landing))

    requests = landing_folder_sensor(dg.build_sensor_context())
    assert [r.run_config["ops"]["raw_crm_tables"]["config"]["export_dir"] for r in requests] == [
        str(landing / "2025-03-export")
    ]
    again = landing_folder_sensor(dg.build_sensor_context())
    assert [r.run_key for r in again] == [r.run_key for r in requests]  # same export, same key: run once

    (landing / "2025-03-export" / "orders.csv").write_text(
        (FIXTURES / "kpi_aov" / "orders.csv").read_text() + "o9,c1,,,2025-03-02T10:00:00,completed,UAH,0\n"
    )
    changed = landing_folder_sensor(dg.build_sensor_context())
    assert changed[0].run_key != requests[0].run_key  # a changed export is loaded again


def test_empty_landing_folder_skips(monkeypatch, tmp_path):
    from orchestration.defs.automation import landing_folder_sensor

    monkeypatch.setenv("CRM_IMPACT_LANDING", str(tmp_path / "nothing-here"))
    assert isinstance(landing_folder_sensor(dg.build_sensor_context()), dg.SkipReason)


def test_missing_required_table_fails_its_check_and_the_run(tmp_path):
    import shutil

    from orchestration.defs.raw_tables import PRESENT_CHECK, raw_crm_tables

    export = tmp_path / "export"
    shutil.copytree(FIXTURES / "kpi_aov", export)
    (export / "orders.csv").unlink()
    with warehouse_env(tmp_path / "crm.duckdb") as db:
        result = dg.materialize(
            [raw_crm_tables],
            run_config={"ops": {"raw_crm_tables": {"config": {"export_dir": str(export)}}}},
            raise_on_error=False,
        )
    assert not result.success
    checks = {
        (evaluation.asset_key.to_user_string(), evaluation.check_name): evaluation.passed
        for evaluation in result.get_asset_check_evaluations()
    }
    assert checks[("raw/orders", PRESENT_CHECK)] is False
    assert checks[("raw/customers", PRESENT_CHECK)] is True
    assert not db.exists()  # nothing was written
