"""The Dagster code location: it loads, and a real materialization of the
whole graph on a real export builds the marts."""

from __future__ import annotations

import dagster as dg
import pytest

from conftest import FIXTURES, query


def _warehouse(tmp_path, db=None):
    """The run's warehouse, serving file and report folder, all under the test's folder (no environment edited)."""
    from orchestration.defs.resources import WarehouseResource

    return WarehouseResource(path=str(db or tmp_path / "crm.duckdb"), serving_path=str(tmp_path / "serving.duckdb"),
                             reports_dir=str(tmp_path / "reports"))


@pytest.fixture(scope="module")
def definitions(project_manifest):
    from orchestration.definitions import defs

    return defs


def test_definitions_load_with_dbt_models_as_assets(definitions):
    graph = definitions.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert "raw/orders" in keys
    assert "marts/fct_orders" in keys
    assert "marts/mart_kpi_before_after" in keys
    assert graph.get(dg.AssetKey(["marts", "kpi_financial__records"])).group_name == "financial"
    assert graph.get(dg.AssetKey(["staging", "stg_crm__orders"])).group_name == "staging"
    # the dbt source raw/orders is the loader's asset, not a dangling external one
    assert graph.get(dg.AssetKey(["raw", "orders"])).is_materializable


# a whole dbt build through Dagster, plus the publish and the report (about a minute each): `make test-slow`
@pytest.mark.slow
@pytest.mark.parametrize("export", ["kpi_aov", "demo"])
def test_materialize_the_whole_graph(definitions, tmp_path, export):
    """The whole graph on the hand-made AOV export (answers known) and on the embedded demo (the default
    run config: an empty export_dir loads the demo)."""
    db = tmp_path / "crm.duckdb"
    result = dg.materialize(
        definitions.assets,
        resources={**definitions.resources, "warehouse": _warehouse(tmp_path, db)},
        run_config={"ops": {"raw_crm_tables": {"config": {
            "export_dir": str(FIXTURES / "kpi_aov") if export == "kpi_aov" else ""}}}},
    )
    assert result.success
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"raw/orders", "marts/fct_orders", "estimates/kpi_effects", "marts/mart_kpi_before_after",
            "serving/serving_database", "serving/crm_impact_report"} <= materialized
    # the estimator ran between the two dbt steps: the marts read its verdicts
    assert query(db, "select count(*) from marts.mart_kpi_before_after as ba join estimates.kpi_effects as e "
                     "using (metric_id, scope_type, scope_value)")[0][0] > 0
    assert (tmp_path / "serving.duckdb").exists() and (tmp_path / "reports" / "crm_impact.html").exists()
    events = {e.asset_key.to_user_string(): e.materialization.metadata for e in result.get_asset_materialization_events()}
    if export == "demo":
        assert events["raw/orders"]["rows_loaded"].value == query(db, "select count(*) from raw.orders")[0][0] > 0
        assert events["marts/mart_kpi_monthly"]["latest_month"].value == "2025-12"
        assert "| Document error rate |" in events["marts/mart_kpi_before_after"]["scorecard"].value
        return
    (baseline, post), = query(db, "select baseline_value, post_value from marts.mart_kpi_before_after "
                                  "where metric_id = 'average_order_value' and scope_type = 'company'")
    assert (baseline, post) == (pytest.approx(225.0), pytest.approx(405.0))

    # what a person reads in the UI: row count, latest month, the scorecard
    monthly = events["marts/mart_kpi_monthly"]
    assert monthly["dagster/row_count"].value == query(db, "select count(*) from marts.mart_kpi_monthly")[0][0]
    assert monthly["latest_month"].value == "2025-03"  # o8 (pending) makes March a month of the data
    scorecard = events["marts/mart_kpi_before_after"]["scorecard"].value
    assert "| Average order value | 225 | 405 | +80.0% |" in scorecard and "too little data" in scorecard


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

    from orchestration.defs.dbt_models import AnalysisSettingsResource
    from orchestration.defs.raw_tables import PRESENT_CHECK, raw_crm_tables

    export = tmp_path / "export"
    shutil.copytree(FIXTURES / "kpi_aov", export)
    (export / "orders.csv").unlink()
    db = tmp_path / "crm.duckdb"
    result = dg.materialize(
        [raw_crm_tables],
        run_config={"ops": {"raw_crm_tables": {"config": {"export_dir": str(export)}}}},
        resources={"analysis_settings": AnalysisSettingsResource(), "warehouse": _warehouse(tmp_path, db)},
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


def test_an_old_load_shows_the_raw_tables_as_overdue(project_manifest, tmp_path):
    """The freshness policy, evaluated as the Dagster daemon does, at three moments after a load."""
    import asyncio
    import datetime as dt

    from dagster._core.definitions.freshness import FreshnessState
    from dagster._core.definitions.freshness_evaluator import TimeWindowFreshnessPolicyEvaluator
    from dagster._core.loader import LoadingContextForTest
    from dagster._core.test_utils import freeze_time

    from orchestration.definitions import defs
    from orchestration.defs.dbt_models import AnalysisSettingsResource
    from orchestration.defs.raw_tables import raw_crm_tables

    instance = dg.DagsterInstance.ephemeral()
    loaded_at = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.timezone.utc)
    with freeze_time(loaded_at):
        result = dg.materialize(
            [raw_crm_tables], instance=instance,
            run_config={"ops": {"raw_crm_tables": {"config": {"export_dir": str(FIXTURES / "kpi_aov")}}}},
            resources={"analysis_settings": AnalysisSettingsResource(), "warehouse": _warehouse(tmp_path)},
        )
    assert result.success

    node = defs.resolve_asset_graph().get(dg.AssetKey(["raw", "orders"]))

    def state_after(hours: float) -> FreshnessState:
        with freeze_time(loaded_at + dt.timedelta(hours=hours)):
            return asyncio.run(TimeWindowFreshnessPolicyEvaluator().evaluate_freshness(
                context=LoadingContextForTest(instance), node=node))

    assert state_after(2) == FreshnessState.PASS
    assert state_after(30) == FreshnessState.WARN
    assert state_after(72) == FreshnessState.FAIL


@pytest.mark.slow  # a dbt build through Dagster up to the failing test (about 40 s)
def test_a_failing_blocking_check_stops_the_marts_and_the_publish(project_manifest, tmp_path):
    """Raw data that breaks a fact's key (a duplicate order, as if written around the loader) fails the
    blocking unique test; nothing downstream of it is built or published."""
    import duckdb

    from orchestration.definitions import defs
    from orchestration.load import load_export

    db = tmp_path / "crm.duckdb"
    load_export(FIXTURES / "kpi_aov", db)
    with duckdb.connect(str(db)) as con:
        con.execute("insert into raw.orders select * from raw.orders where order_id = 'o1'")
    result = dg.materialize(
        defs.assets,
        resources={**defs.resources, "warehouse": _warehouse(tmp_path, db)},
        selection=dg.AssetSelection.groups("staging", "intermediate", "core", "financial", "process", "service",
                                           "staff", "customer_base", "adoption", "kpi_marts", "reference",
                                           "estimates", "outputs"),
        raise_on_error=False,
    )
    assert not result.success
    failed_checks = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
    assert any("unique" in name and "order_id" in name for name in failed_checks), failed_checks
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "marts/mart_kpi_before_after" not in materialized
    assert "serving/serving_database" not in materialized
    assert not (tmp_path / "serving.duckdb").exists()


@pytest.mark.slow  # one whole-graph run (about a minute), then one with nothing new
def test_a_run_with_nothing_new_skips_the_build_and_everything_after_it(definitions, tmp_path):
    """The daily schedule on an export that did not change: the loader finds every file unchanged, the
    first dbt step yields nothing (orchestration/build_state.py), and Dagster skips the estimator, the
    marts, the publish and the report with it."""
    db = tmp_path / "crm.duckdb"
    config = {"ops": {"raw_crm_tables": {"config": {"export_dir": str(FIXTURES / "kpi_aov")}}}}
    resources = {**definitions.resources, "warehouse": _warehouse(tmp_path, db)}
    first = dg.materialize(definitions.assets, resources=resources, run_config=config)
    assert first.success
    assert query(db, "select step from ops.build_log order by recorded_at") == [("models",), ("complete",)]
    published = (tmp_path / "serving.duckdb").stat().st_mtime_ns

    again = dg.materialize(definitions.assets, resources=resources, run_config=config)
    assert again.success
    materialized = {e.asset_key.to_user_string() for e in again.get_asset_materialization_events()}
    assert "raw/orders" in materialized  # the load ran (and logged every file unchanged)
    assert not any(key.startswith(("marts/", "staging/", "estimates/", "serving/")) for key in materialized)
    skipped = {e.step_key for e in again.all_events if e.event_type_value == "STEP_SKIPPED"}
    assert {"kpi_estimates", "crm_kpi_marts"} <= skipped, skipped
    assert query(db, "select step from ops.build_log order by recorded_at") == [("models",), ("complete",)]
    assert (tmp_path / "serving.duckdb").stat().st_mtime_ns == published
