"""The CRM effects injected into the synthetic export, their ramp-up, and their ground truth.

Why this exists: the whole project answers "did the CRM pay off?". A generator that knows the
true answer lets the pipeline be tested on whether it recovers it. Every KPI of the catalog
(``seeds/kpi_definitions.csv``, ``docs/kpis.md``) gets a known effect after go-live:

* ``multiplier`` m: the KPI is m times its counterfactual value (durations are scaled, counts
  are thinned or topped up, so medians and p90s move by exactly m),
* ``delta`` d: the KPI is its counterfactual value plus d (rates move by changing the
  probabilities of the outcomes, scores by mixing in a better answer distribution),
* ``derived``: the KPI follows from the others (revenue from order count and order value, ROI
  from revenue and CRM costs); only its expected direction is stated.

Effects ramp in linearly over ``ramp_up_days`` after the go-live that applies to the record:
``effect_at(t) = 1 + (m - 1) * clip((t - go_live) / ramp_up_days, 0, 1)`` for multipliers and
``d * clip(...)`` for deltas. With a staged rollout the go-live of a record is the go-live of the
department of the employee it is attributed to; customer-level effects (retention, new
customers, acquisition cost) follow the company's earliest go-live. The growth trend and the
seasonality apply identically with and without the CRM.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .timeline import DAY

# metric_id -> (family, better), in the order of the KPI catalog.
CATALOG: dict[str, tuple[str, str]] = {
    "average_order_value": ("financial", "up"),
    "net_revenue": ("financial", "up"),
    "order_count": ("financial", "up"),
    "order_processing_cost_per_order": ("financial", "down"),
    "gross_profit_per_customer": ("financial", "up"),
    "customer_acquisition_cost": ("financial", "down"),
    "crm_payback_months": ("financial", "down"),
    "crm_roi": ("financial", "up"),
    "lead_processing_hours": ("process", "down"),
    "lead_first_response_hours": ("process", "down"),
    "document_error_rate": ("process", "down"),
    "approval_cycle_hours": ("process", "down"),
    "lost_lead_rate": ("process", "down"),
    "lead_conversion_rate": ("process", "up"),
    "first_response_minutes": ("service", "down"),
    "resolution_rate": ("service", "up"),
    "csat_score": ("service", "up"),
    "nps": ("service", "up"),
    "repeat_contact_rate": ("service", "down"),
    "requests_per_employee": ("staff", "up"),
    "sales_per_employee": ("staff", "up"),
    "task_completion_hours": ("staff", "down"),
    "plan_attainment_rate": ("staff", "up"),
    "new_customers": ("customer_base", "up"),
    "retention_rate": ("customer_base", "up"),
    "repeat_purchase_share": ("customer_base", "up"),
    "customer_lifetime_months": ("customer_base", "up"),
    "crm_adoption_rate": ("adoption", "up"),
}

# The injected effects: metric_id -> (kind, size). Overridable through ``effects=``.
DEFAULT_EFFECTS: dict[str, tuple[str, float]] = {
    "first_response_minutes": ("multiplier", 0.7),
    "lead_first_response_hours": ("multiplier", 0.6),
    "lead_processing_hours": ("multiplier", 0.75),
    "approval_cycle_hours": ("multiplier", 0.7),
    "document_error_rate": ("multiplier", 0.5),
    "lost_lead_rate": ("multiplier", 0.7),
    "lead_conversion_rate": ("delta", 0.05),
    "average_order_value": ("multiplier", 1.08),
    "order_count": ("multiplier", 1.05),
    "order_processing_cost_per_order": ("multiplier", 0.85),
    "customer_acquisition_cost": ("multiplier", 0.9),
    "new_customers": ("multiplier", 1.1),
    "retention_rate": ("delta", 0.05),
    "resolution_rate": ("delta", 0.06),
    "csat_score": ("delta", 0.3),
    "nps": ("delta", 8.0),
    "repeat_contact_rate": ("multiplier", 0.8),
    "task_completion_hours": ("multiplier", 1.15),  # worse: data-entry overhead
    "crm_adoption_rate": ("delta", 0.9),  # from 0 before go-live to ~0.9 after the ramp-up
}

# Every effect switched off: multipliers 1, deltas 0. ``generate_export(..., effects=NO_EFFECTS)`` (or
# ``crm-impact generate --no-effects``) writes the export of a business whose CRM changed nothing; the
# same seed with and without it differs only by the effects (common random numbers), and derived metrics
# follow (their ground-truth direction is "none"). What the calibration tests run on.
NO_EFFECTS: dict[str, float] = {metric: (1.0 if kind == "multiplier" else 0.0)
                                for metric, (kind, _) in DEFAULT_EFFECTS.items()}

# Whose go-live times the effect: the employee the record is attributed to, the company's
# earliest go-live (customer-level effects), or the orders of the month (costs per order).
TIMING: dict[str, str] = {m: "employee" for m in DEFAULT_EFFECTS}
TIMING.update({"new_customers": "company", "retention_rate": "company",
               "customer_acquisition_cost": "company", "order_processing_cost_per_order": "orders"})

# How each effect is produced in the data (for ground_truth.json and docs/generator.md).
MECHANISM: dict[str, str] = {
    "first_response_minutes": "ticket opened->first response durations scaled",
    "lead_first_response_hours": "lead created->first response durations scaled",
    "lead_processing_hours": "lead created->closed durations scaled",
    "approval_cycle_hours": "approval requested->decided durations scaled",
    "document_error_rate": "probability of has_error scaled",
    "lost_lead_rate": "probabilities of lost/no_response and of staying open scaled",
    "lead_conversion_rate": "probability of won among closed leads raised",
    "average_order_value": "expected number of order lines scaled",
    "order_count": "extra orders of the same customers (thinning when m < 1)",
    "order_processing_cost_per_order": "order_processing expenses per completed order scaled",
    "customer_acquisition_cost": "acquisition expenses per new customer scaled",
    "new_customers": "arrival rate of new customers scaled",
    "retention_rate": "probability that a customer churns before the next order lowered",
    "resolution_rate": "probability of resolved among closed tickets raised",
    "csat_score": "answers mixed with a more satisfied answer distribution",
    "nps": "answers mixed with a promoter-heavy answer distribution",
    "repeat_contact_rate": "probability that a ticket is followed by a repeat within 7 days scaled",
    "task_completion_hours": "activity created->completed durations scaled",
    "crm_adoption_rate": "share of employees who start using the CRM during the ramp-up",
}

# Derived metrics: what moves them.
DERIVED: dict[str, tuple[str, ...]] = {
    "net_revenue": ("order_count", "average_order_value"),
    "gross_profit_per_customer": ("average_order_value", "order_count", "new_customers", "retention_rate"),
    "sales_per_employee": ("order_count", "average_order_value"),
    "requests_per_employee": ("lost_lead_rate", "new_customers", "retention_rate"),
    "plan_attainment_rate": ("order_count", "average_order_value"),
    "repeat_purchase_share": ("order_count", "new_customers"),
    "customer_lifetime_months": ("retention_rate",),
    "crm_payback_months": ("order_count", "average_order_value"),
    "crm_roi": ("order_count", "average_order_value"),
}

RETENTION_WINDOW_MONTHS = 12  # the KPI compares two consecutive 12-month windows

NOTES: dict[str, str] = {
    "retention_rate": "the KPI compares the 12 months before with the 12 months ending each month, so the "
                      "effect builds up over two years after the ramp-up (full_effect_from); with the "
                      "default dates about +0.035 is reached in the export's last month",
    "order_count": "exact per month and department: the customer effects' extra orders are offset, so "
                   "departments not yet live (staged rollout) stay a clean control group",
    "average_order_value": "corrected for the segment mix that the customer effects change",
    "crm_adoption_rate": "share of employees using the CRM in a month: 0 before go-live, about the size after "
                         "the ramp-up (new hires start within their first weeks)",
    "gross_profit_per_customer": "improves inside the export window with the defaults; more customers share "
                                 "the extra profit, so over a longer horizon it can level off",
    "repeat_purchase_share": "first orders grow by new_customers, all completed orders by order_count",
    "customer_lifetime_months": "only churned customers count, so it moves late",
}


def _parse_overrides(effects: Mapping | None) -> dict[str, tuple[str, float]]:
    sizes = dict(DEFAULT_EFFECTS)
    for metric, value in (effects or {}).items():
        if metric in DERIVED:
            raise ValueError(f"{metric} is derived from other effects and cannot be set")
        if metric not in DEFAULT_EFFECTS:
            raise ValueError(f"unknown metric_id in effects: {metric!r}")
        kind = DEFAULT_EFFECTS[metric][0]
        if isinstance(value, Mapping):
            kind = value.get("kind", kind)
            value = value["size"]
        if kind != DEFAULT_EFFECTS[metric][0]:
            raise ValueError(f"{metric} is a {DEFAULT_EFFECTS[metric][0]} effect, not {kind}")
        value = float(value)
        if kind == "multiplier" and value <= 0:
            raise ValueError(f"multiplier for {metric} must be > 0, got {value}")
        sizes[metric] = (kind, value)
    return sizes


class Effects:
    """Effect sizes plus the go-live timing: how strong each effect is for a record at time t."""

    def __init__(self, effects: Mapping | None, ramp_up_days: int,
                 dept_go_live_days: np.ndarray, company_go_live_day: int) -> None:
        self.sizes = _parse_overrides(effects)
        self.ramp_up_days = int(ramp_up_days)
        self.dept_go_live_days = np.asarray(dept_go_live_days, dtype=np.int64)
        self.company_go_live_day = int(company_go_live_day)

    def size(self, metric: str) -> float:
        return self.sizes[metric][1]

    def ramp(self, t: np.ndarray, go_live_day: np.ndarray | int) -> np.ndarray:
        """Share of the full effect reached at time t (seconds): 0 before go-live, 1 after ramp-up."""
        since = np.asarray(t, dtype=np.float64) / DAY - np.asarray(go_live_day, dtype=np.float64)
        if self.ramp_up_days == 0:
            return (since >= 0).astype(np.float64)
        return np.clip(since / self.ramp_up_days, 0.0, 1.0)

    def dept_ramp(self, t: np.ndarray, dept: np.ndarray) -> np.ndarray:
        """Ramp of records attributed to employees of department index ``dept``."""
        return self.ramp(t, self.dept_go_live_days[np.asarray(dept)])

    def company_ramp(self, t: np.ndarray) -> np.ndarray:
        """Ramp of customer-level effects (the company's earliest go-live)."""
        return self.ramp(t, self.company_go_live_day)

    def mult(self, metric: str, r: np.ndarray) -> np.ndarray:
        """Multiplier at ramp r: 1 + (m - 1) * r."""
        return 1.0 + (self.size(metric) - 1.0) * np.asarray(r, dtype=np.float64)

    def add(self, metric: str, r: np.ndarray) -> np.ndarray:
        """Additive delta at ramp r: d * r."""
        return self.size(metric) * np.asarray(r, dtype=np.float64)

    # ---- ground truth ----------------------------------------------------------------------
    def _direction(self, metric: str) -> str:
        kind, size = self.sizes[metric]
        better = CATALOG[metric][1]
        change = (size - 1.0) if kind == "multiplier" else size
        if change == 0:
            return "none"
        return "improves" if (change > 0) == (better == "up") else "worsens"

    def _derived_direction(self, metric: str) -> str:
        m = {k: v[1] for k, v in self.sizes.items()}
        revenue = m["order_count"] * m["average_order_value"]
        if metric in ("net_revenue", "sales_per_employee", "plan_attainment_rate", "crm_payback_months", "crm_roi"):
            score = revenue - 1.0
        elif metric == "gross_profit_per_customer":
            # more profit per order and orders, shared by more customers (new and retained ones)
            score = (revenue - 1.0) - 0.3 * (m["new_customers"] - 1.0) - max(m["retention_rate"], 0.0)
        elif metric == "requests_per_employee":
            # leads and tickets follow the customer base; fewer leads stay open
            score = (1.0 - m["lost_lead_rate"]) + (m["new_customers"] - 1.0) + m["retention_rate"]
        elif metric == "repeat_purchase_share":
            # completed orders move by order_count exactly; first orders by new_customers
            score = m["order_count"] - m["new_customers"]
        elif metric == "customer_lifetime_months":
            score = m["retention_rate"]
        else:  # pragma: no cover - every derived metric is listed above
            raise KeyError(metric)
        if abs(score) < 1e-12:
            return "none"
        return "improves" if score > 0 else "worsens"

    def ground_truth(self, full_effect_from: Mapping[str, str]) -> dict:
        """metric_id -> {kind, size, direction, family, ...} for every metric of the catalog."""
        out: dict[str, dict] = {}
        for metric, (family, better) in CATALOG.items():
            if metric in DERIVED:
                out[metric] = {"kind": "derived", "size": None, "direction": self._derived_direction(metric),
                               "family": family, "better": better, "via": list(DERIVED[metric])}
            else:
                kind, size = self.sizes[metric]
                out[metric] = {"kind": kind, "size": size, "direction": self._direction(metric),
                               "family": family, "better": better, "timing": TIMING[metric],
                               "mechanism": MECHANISM[metric],
                               "full_effect_from": full_effect_from[metric]}
            if metric in NOTES:
                out[metric]["note"] = NOTES[metric]
        return out
