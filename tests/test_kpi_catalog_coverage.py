"""Every metric of the catalog reaches the marts on the demo export, and the
seed that drives marts, semantic layer and report is the catalog itself."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, load_and_build, query

CATALOG = Path(PROJECT_ROOT).parent / "shared" / "spec" / "kpi_catalog.md"


def catalog_metric_ids() -> dict[str, str]:
    """metric_id -> family, read from the catalog's table."""
    ids = {}
    for line in CATALOG.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*(financial|process|service|staff|customer_base|adoption)\s*\|\s*(\w+)\s*\|", line)
        if match:
            ids[match.group(2)] = match.group(1)
    return ids


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> Path:
    return load_and_build(PROJECT_ROOT / "seeds" / "demo", tmp_path_factory.mktemp("demo") / "crm.duckdb")


def test_seed_is_the_catalog():
    with (PROJECT_ROOT / "seeds" / "kpi_definitions.csv").open(encoding="utf-8") as f:
        seed = {row["metric_id"]: row for row in csv.DictReader(f)}
    catalog = catalog_metric_ids()
    assert len(catalog) == 28
    catalog_rows = {m: r for m, r in seed.items() if r["is_catalog_metric"] == "true"}
    assert {m: r["family"] for m, r in catalog_rows.items()} == catalog
    for row in seed.values():
        assert row["label_en"] and row["label_uk"] and row["unit"] and row["direction"] in ("up", "down")


def test_every_catalog_metric_is_in_before_after_on_the_demo(demo_warehouse):
    rows = query(demo_warehouse, "select metric_id, status, status_reason from marts.mart_kpi_before_after "
                                 "where scope_type = 'company'")
    by_metric = {m: (s, r) for m, s, r in rows}
    assert set(catalog_metric_ids()) <= by_metric.keys()
    for metric, (status, reason) in by_metric.items():
        assert status in ("ok", "not_available", "not_reached")
        assert (status == "ok") == (reason is None), metric  # every gap says why


def test_demo_metrics_are_mostly_available(demo_warehouse):
    """On the demo every metric has both periods, but those that need more history than three years
    give (retention: two 12-month windows before the baseline; lifetime: churned customers after go-live)."""
    unavailable = {m for (m,) in query(demo_warehouse, "select metric_id from marts.mart_kpi_before_after "
                                                     "where scope_type = 'company' and status = 'not_available'")}
    assert unavailable <= {"retention_rate", "customer_lifetime_months"}


def test_monthly_series_has_every_available_metric(demo_warehouse):
    monthly = {m for (m,) in query(demo_warehouse, "select distinct metric_id from marts.mart_kpi_monthly")}
    assert set(catalog_metric_ids()) - {"crm_payback_months"} <= monthly
