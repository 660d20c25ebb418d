"""Every metric of the catalog reaches the marts on the demo export, and the
seed that drives marts, semantic layer and report is the catalog itself."""

from __future__ import annotations

from conftest import query
from orchestration import catalog

# The article's four metrics per family (financial asks for two volumes and a
# payback with its ROI), plus conversion and adoption: the 28 catalog metrics,
# written out here so that a metric dropped from or renamed in the seed fails.
CATALOG_METRICS = {
    "financial": {"average_order_value", "net_revenue", "order_count", "order_processing_cost_per_order",
                  "gross_profit_per_customer", "customer_acquisition_cost", "crm_payback_months", "crm_roi"},
    "process": {"lead_processing_hours", "lead_first_response_hours", "document_error_rate",
                "approval_cycle_hours", "lost_lead_rate", "lead_conversion_rate"},
    "service": {"first_response_minutes", "resolution_rate", "csat_score", "nps", "repeat_contact_rate"},
    "staff": {"requests_per_employee", "sales_per_employee", "task_completion_hours", "plan_attainment_rate"},
    "customer_base": {"new_customers", "retention_rate", "repeat_purchase_share", "customer_lifetime_months"},
    "adoption": {"crm_adoption_rate"},
}


def catalog_metric_ids() -> dict[str, str]:
    """metric_id -> family of the catalog metrics (not the companions), read from the seed."""
    return {d.metric_id: d.family for d in catalog.kpi_definitions() if d.is_catalog_metric}


def test_seed_is_the_catalog():
    seed = catalog_metric_ids()
    assert len(seed) == 28
    assert seed == {m: family for family, metrics in CATALOG_METRICS.items() for m in metrics}
    assert tuple(CATALOG_METRICS) == catalog.family_ids()  # the families, in the report's order
    for d in catalog.kpi_definitions():
        assert d.label_en and d.label_uk and d.unit and d.definition and d.direction in ("up", "down"), d


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
