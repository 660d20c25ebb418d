"""The MetricFlow semantic layer answers, and agrees with the marts.

Every metric of the KPI catalog seed that the semantic layer defines is
queried by month with `mf` and compared with mart_kpi_monthly (company scope,
and region and department scopes through the dimensions), by CRM period with
mart_kpi_before_after, on the demo export, on the hand-made core_small export
in Europe/Kyiv time (sparse months, orphans, a staged rollout, a UTC month
edge) and on the hand-made AOV export. Ratios and totals agree to a relative
1e-9, medians and p90 exactly.

mf reads target/semantic_manifest.json, whose relation names carry the
DuckDB database (the warehouse file's stem), and other dbt runs in the repo
rewrite that file at any time. So each warehouse gets its own snapshot: dbt
parses the project into a temporary target path with CRM_IMPACT_DB pointing
at the warehouse, and mf runs from the repo root with DBT_PROJECT_DIR /
DBT_PROFILES_DIR pointing at a folder holding dbt_project.yml, profiles.yml
and that target/. The snapshot is the semantic manifest of the build that
made the warehouse (tests/conftest.py: same project, same settings, same
database name), so no second parse is needed.

Every `mf` call starts MetricFlow afresh (several seconds), so `make test`
compares the demo by month and by CRM period and checks the manifest;
`make test-slow` adds the other warehouses, the scopes, the saved queries, the
cumulative metrics and `mf validate-configs`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import FIXTURES, PROJECT_ROOT, dbt_target_path, load_and_build, query
from orchestration.dbt_runner import run_dbt
from orchestration.settings import AnalysisSettings

MF = str(Path(sys.executable).parent / "mf")

# Catalog metrics that MetricFlow cannot express, and why (README, "Semantic layer").
NOT_EXPRESSIBLE = {
    "crm_payback_months": "needs the counterfactual gross profit (season-adjusted baseline with trend)",
    "crm_roi": "needs the counterfactual gross profit (season-adjusted baseline with trend)",
    "customer_lifetime_months": "needs a churn flag (no completed order in the last 12 months of the data)",
}

# Dimensions that give the mart's region and department scopes. Survey answers
# are attributed to a department through their ticket or order, not an employee.
REGION_DIMENSION = "customer__region"
DEPARTMENT_DIMENSION = "employee__department"
DEPARTMENT_DIMENSION_OF = {
    metric: "survey__attributed_department" for metric in ("csat_score", "csat_top2_share", "nps")}

# Over a period, MetricFlow counts a period's distinct customers; the mart pools customer-months.
NOT_POOLED_LIKE_THE_MART = {"gross_profit_per_customer"}

SEED = {row["metric_id"]: row for row in csv.DictReader((PROJECT_ROOT / "seeds" / "kpi_definitions.csv").open())}


class SemanticLayer:
    """mf against one warehouse, with the semantic manifest parsed for that warehouse."""

    def __init__(self, name: str, db_path: Path, workdir: Path, settings: AnalysisSettings | None = None) -> None:
        self.name = name
        self.db_path = db_path
        self.project = workdir / "project"
        self.project.mkdir(parents=True)
        for name in ("dbt_project.yml", "profiles.yml"):
            shutil.copy(PROJECT_ROOT / name, self.project / name)
        built = dbt_target_path(settings)
        if built is not None and db_path.name == "crm.duckdb" and (built / "semantic_manifest.json").exists():
            (self.project / "target").mkdir()
            shutil.copy(built / "semantic_manifest.json", self.project / "target" / "semantic_manifest.json")
        else:
            run_dbt(["parse", "--target-path", str(self.project / "target")], settings, db_path)
        self.manifest = json.loads((self.project / "target" / "semantic_manifest.json").read_text())
        self.metrics = {metric["name"]: metric for metric in self.manifest["metrics"]}
        self.saved_queries = {saved["name"]: saved for saved in self.manifest["saved_queries"]}
        self._outputs = 0

    def run(self, *args: str) -> subprocess.CompletedProcess:
        env = dict(os.environ, CRM_IMPACT_DB=str(self.db_path),
                   DBT_PROJECT_DIR=str(self.project), DBT_PROFILES_DIR=str(self.project))
        return subprocess.run([MF, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)

    def query(self, *args: str) -> list[dict[str, str]]:
        """Rows of `mf query <args>` (through a CSV file)."""
        self._outputs += 1
        out = self.project / f"query_{self._outputs}.csv"
        result = self.run("query", *args, "--csv", str(out))
        assert result.returncode == 0 and out.exists(), result.stdout + result.stderr
        with out.open() as f:
            return list(csv.DictReader(f))

    def shared_metrics(self) -> list[str]:
        """Catalog metrics that the semantic layer defines, in seed order."""
        return [metric_id for metric_id in SEED if metric_id in self.metrics]


def number(text: str) -> float | None:
    return None if text in ("", "None") else float(text)


def month(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def assert_same_values(metric: str, from_mf: dict, from_mart: dict, where: str) -> None:
    """Same keys with a value; medians and p90 exactly, ratios and totals to a relative 1e-9."""
    from_mf = {key: value for key, value in from_mf.items() if value is not None}
    from_mart = {key: value for key, value in from_mart.items() if value is not None}
    assert from_mf.keys() == from_mart.keys(), (
        f"{metric} ({where}): only in mf {sorted(from_mf.keys() - from_mart.keys())[:5]}, "
        f"only in the mart {sorted(from_mart.keys() - from_mf.keys())[:5]}")
    exact = SEED[metric]["period_aggregation"] in ("median", "p90")
    for key, expected in from_mart.items():
        if exact:
            assert from_mf[key] == expected, f"{metric} ({where}) {key}"
        else:
            assert from_mf[key] == pytest.approx(expected, rel=1e-9, abs=1e-12), f"{metric} ({where}) {key}"


# --- warehouses -------------------------------------------------------------

KYIV = AnalysisSettings(crm_timezone="Europe/Kyiv")


@pytest.fixture(scope="session")
def kyiv_warehouse(tmp_path_factory) -> Path:
    """The hand-made core_small export, months in Europe/Kyiv time."""
    db = tmp_path_factory.mktemp("core_small_kyiv") / "crm.duckdb"
    return load_and_build(FIXTURES / "core_small", db, KYIV)


@pytest.fixture(scope="session")
def demo_layer(demo_warehouse, tmp_path_factory) -> SemanticLayer:
    return SemanticLayer("demo", demo_warehouse, tmp_path_factory.mktemp("mf_demo"))


@pytest.fixture(scope="session", params=[
    "demo",
    pytest.param("core_small_kyiv", marks=pytest.mark.slow),
    pytest.param("kpi_aov", marks=pytest.mark.slow),
])
def layer(request, demo_layer, tmp_path_factory) -> SemanticLayer:
    """The semantic layer on each test warehouse (the demo in `make test`, all three in `make test-slow`)."""
    if request.param == "demo":
        return demo_layer
    if request.param == "core_small_kyiv":
        warehouse, settings = request.getfixturevalue("kyiv_warehouse"), KYIV
    else:
        warehouse, settings = request.getfixturevalue("aov_warehouse"), None
    return SemanticLayer(request.param, warehouse, tmp_path_factory.mktemp(f"mf_{request.param}"), settings)


def mart_series(db_path: Path, scope_type: str) -> dict[str, dict]:
    """metric_id -> {key: metric_value} of mart_kpi_monthly; key = month (company) or (month, scope_value).

    The mart gives a total 0 in a month of the data without records (record_count 0); MetricFlow leaves
    such a month empty, so those rows are left out of the comparison."""
    series: dict[str, dict] = defaultdict(dict)
    for metric_id, month_start, scope_value, value in query(
            db_path, "select metric_id, month_start, scope_value, metric_value from marts.mart_kpi_monthly "
                     "where scope_type = ? and record_count > 0", [scope_type]):
        series[metric_id][month_start if scope_type == "company" else (month_start, scope_value)] = value
    return series


# --- configuration ----------------------------------------------------------

@pytest.mark.slow
def test_validate_configs(demo_layer):
    result = demo_layer.run("validate-configs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERRORS: 0" in result.stdout


def test_every_catalog_metric_is_defined_or_named_as_not_expressible(demo_layer):
    assert set(SEED) - set(demo_layer.metrics) == set(NOT_EXPRESSIBLE)


def test_metrics_carry_the_catalog_labels_and_meta(demo_layer):
    for name, metric in demo_layer.metrics.items():
        meta = metric["config"]["meta"]
        assert metric["label"] and metric["description"], name
        assert meta.get("family") in {row["family"] for row in SEED.values()}, name
        assert meta.get("unit"), name
        if name in SEED:
            row = SEED[name]
            assert metric["label"] == row["label_en"], name
            assert (meta["family"], meta["unit"], meta["direction"], meta["label_uk"]) == (
                row["family"], row["unit"], row["direction"], row["label_uk"]), name


# --- numbers against the marts ----------------------------------------------

@pytest.mark.slow
def test_every_metric_by_month_equals_the_monthly_mart(layer):
    metrics = layer.shared_metrics()
    rows = layer.query("--metrics", ",".join(metrics), "--group-by", "metric_time__month")
    mart = mart_series(layer.db_path, "company")
    for metric in metrics:
        from_mf = {month(row["metric_time__month"]): number(row[metric]) for row in rows}
        assert_same_values(metric, from_mf, mart.get(metric, {}), "company")


@pytest.mark.slow
def test_every_metric_by_region_and_department_equals_the_mart_scopes(layer):
    for scope_type, default_dimension, dimension_of in (
            ("region", REGION_DIMENSION, {}),
            ("department", DEPARTMENT_DIMENSION, DEPARTMENT_DIMENSION_OF)):
        mart = mart_series(layer.db_path, scope_type)
        by_dimension: dict[str, list[str]] = defaultdict(list)
        for metric in layer.shared_metrics():
            if metric in mart:
                by_dimension[dimension_of.get(metric, default_dimension)].append(metric)
        for dimension, metrics in by_dimension.items():
            rows = layer.query("--metrics", ",".join(metrics), "--group-by", f"metric_time__month,{dimension}")
            for metric in metrics:
                from_mf = {(month(row["metric_time__month"]), row[dimension]): number(row[metric])
                           for row in rows if row[dimension] not in ("", "None")}
                assert_same_values(metric, from_mf, mart[metric], f"{scope_type} by {dimension}")


@pytest.mark.slow
def test_employee_metrics_by_employee_key_equal_the_employee_scope(layer):
    """The marts' employee scope (issue 19) is employee__employee_key in MetricFlow, month by month."""
    mart = mart_series(layer.db_path, "employee")
    if not mart:  # kpi_aov has no employees table: there is nothing to compare, and that must be why
        assert query(layer.db_path, "select count(*) from staging.stg_crm__employees")[0][0] == 0, layer.name
        pytest.skip(f"{layer.name} has no employees, so no employee scope")
    metrics = [m for m in layer.shared_metrics() if m in mart]
    assert metrics
    rows = layer.query("--metrics", ",".join(metrics), "--group-by", "metric_time__month,employee__employee_key")
    for metric in metrics:
        from_mf = {(month(row["metric_time__month"]), row["employee__employee_key"]): number(row[metric])
                   for row in rows if row["employee__employee_key"] not in ("", "None")}
        assert_same_values(metric, from_mf, mart[metric], "employee by employee__employee_key")


@pytest.mark.slow
def test_every_metric_by_crm_period_equals_before_after(layer):
    """Ratios pooled over the period, medians over the period's records, totals summed."""
    metrics = [m for m in layer.shared_metrics() if m not in NOT_POOLED_LIKE_THE_MART]
    rows = layer.query("--metrics", ",".join(metrics), "--group-by", "calendar_day__crm_period")
    by_period = {row["calendar_day__crm_period"]: row for row in rows}
    mart = query(layer.db_path, "select metric_id, baseline_value, baseline_months, post_value, post_months "
                                "from marts.mart_kpi_before_after where scope_type = 'company'")
    compared = 0
    for metric_id, baseline, baseline_months, post, post_months in mart:
        if metric_id not in metrics:
            continue
        is_total = SEED[metric_id]["period_aggregation"] == "total"
        for period, value, months in (("baseline", baseline, baseline_months), ("post", post, post_months)):
            if value is not None and is_total:
                value = value * months  # the mart gives the mean monthly total
            from_mf = number(by_period[period][metric_id]) if period in by_period else None
            assert_same_values(metric_id, {period: from_mf}, {period: value}, "crm period")
            compared += value is not None
    if layer.name == "demo":
        assert compared >= 2 * (len(metrics) - 1)  # retention has no baseline in the demo


@pytest.mark.slow
def test_cumulative_metrics(demo_layer):
    rows = demo_layer.query("--metrics", "crm_costs_to_date,net_revenue_ytd", "--group-by", "metric_time__month")
    costs_to_date = {month(row["metric_time__month"]): number(row["crm_costs_to_date"]) for row in rows}
    revenue_ytd = {month(row["metric_time__month"]): number(row["net_revenue_ytd"]) for row in rows}
    payback = query(demo_layer.db_path, "select month_start, cumulative_crm_costs from marts.mart_crm_payback")
    assert payback
    for month_start, cumulative in payback:
        assert (costs_to_date.get(month_start) or 0.0) == pytest.approx(cumulative, rel=1e-9), month_start
    revenue = mart_series(demo_layer.db_path, "company")["net_revenue"]
    for month_start in revenue:
        expected = sum(v for m, v in revenue.items() if m.year == month_start.year and m <= month_start)
        assert revenue_ytd[month_start] == pytest.approx(expected, rel=1e-9), month_start


# --- saved queries ----------------------------------------------------------

def test_one_saved_query_per_family_with_its_metrics(demo_layer):
    families = {row["family"] for row in SEED.values()}
    assert set(demo_layer.saved_queries) == {f"kpi_{family}_monthly" for family in families}
    for family in families:
        saved = demo_layer.saved_queries[f"kpi_{family}_monthly"]
        expected = {m for m in demo_layer.shared_metrics() if SEED[m]["family"] == family}
        assert set(saved["query_params"]["metrics"]) == expected, family


@pytest.mark.slow
def test_every_saved_query_runs(demo_layer):
    periods = dict(query(demo_layer.db_path, "select distinct month_start, crm_period from marts.mart_kpi_monthly "
                                             "where scope_type = 'company'"))
    for name, saved in demo_layer.saved_queries.items():
        rows = demo_layer.query("--saved-query", name)
        assert rows, name
        columns = list(rows[0])
        assert columns[:2] == ["metric_time__month", "calendar_day__crm_period"], name
        assert set(columns[2:]) == set(saved["query_params"]["metrics"]), name
        months = [month(row["metric_time__month"]) for row in rows]
        assert months == sorted(months), name
        for row in rows:
            assert row["calendar_day__crm_period"] == periods[month(row["metric_time__month"])], (name, row)
