"""Runs the simulation in dependency order and assembles the contract's tables.

Why this exists: the modules each simulate one part of the business (people, sales, service,
back office) and work with indices and NumPy arrays; this module is the one place that wires
them together (who needs whose output) and turns indices into the text keys and labels the
contract asks for. It holds no behaviour of its own beyond that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from orchestration.contract import (ACTIVITY_TYPES, APPROVAL_DECISIONS, APPROVAL_OBJECT_TYPES, DOCUMENT_TYPES,
                                    EXPENSE_CATEGORIES, LEAD_STATUSES, LOST_REASONS, ORDER_STATUSES, ROLES,
                                    TABLES, TICKET_STATUSES)

from . import back_office, people, sales, service
from .effects import RETENTION_WINDOW_MONTHS, TIMING, Effects
from .ids import make_ids
from .settings import STAGED_DELAY_MONTHS, Settings
from .timeline import DAY, Timeline, add_months, day_number, month_shocks
from .writer import make_table


@dataclass
class World:
    """The generated export before it is written: contract tables plus facts for the ground truth."""

    tables: dict[str, pa.Table]
    effects: Effects
    dept_go_live: dict[str, date]
    full_effect_from: dict[str, str]
    estimates: dict[str, dict] = field(default_factory=dict)


def _labels(names, idx: np.ndarray) -> np.ndarray:
    return np.asarray(names)[np.asarray(idx)]


def department_go_lives(settings: Settings) -> dict[str, date]:
    """Go-live per department: everyone at go_live (company), or the first wave at go_live and
    the rest STAGED_DELAY_MONTHS later (staged: the late wave is the control group)."""
    late = add_months(settings.go_live, STAGED_DELAY_MONTHS)
    if settings.rollout == "staged" and late > settings.end:
        raise ValueError(f"staged rollout: the second wave ({late}) would go live after the export ends")
    return {d: (settings.go_live if settings.rollout == "company" or d in people.FIRST_WAVE else late)
            for d in people.DEPARTMENTS}


def simulate(settings: Settings) -> World:
    rng = settings.rng
    grid = Timeline(settings.start, settings.end)
    shocks = month_shocks(rng("month_shocks"), grid.n_months, settings.month_shock_ar, settings.month_shock_sd)
    timeline = Timeline(settings.start, settings.end, shocks)
    dept_go = department_go_lives(settings)
    effects = Effects(settings.effects, settings.ramp_up_days,
                      np.array([day_number(dept_go[d]) for d in people.DEPARTMENTS]), day_number(settings.go_live))

    pools = people.NamePools.build(settings.seed)
    staff = people.simulate_staff(rng("staff"), pools, timeline, settings.staff_factor)
    fx = back_office.make_fx(rng("fx"), timeline)
    products = sales.make_products(rng("products"), settings.staff_factor)
    customers = sales.simulate_customers(rng("customers"), timeline, effects, settings.scale)
    demand = sales.simulate_demand(rng("demand"), timeline, effects, customers)
    orders = sales.build_orders(rng("orders"), timeline, effects, staff, customers, demand, products, fx)
    items = sales.build_order_items(rng("order_items"), timeline, effects, customers, orders, products)
    leads = sales.build_leads(rng("leads"), timeline, effects, staff, customers, orders, demand)
    targets = sales.build_targets(rng("targets"), timeline, staff, orders, effects.company_go_live_day)
    tickets = service.build_tickets(rng("tickets"), timeline, effects, staff, customers, demand)
    surveys = service.build_surveys(rng("surveys"), timeline, effects, staff, tickets, orders)
    documents = back_office.build_documents(rng("documents"), timeline, effects, staff, customers, orders)
    approvals = back_office.build_approvals(rng("approvals"), timeline, effects, staff, orders, documents)
    activities = back_office.build_activities(rng("activities"), timeline, effects, staff, settings.staff_factor)
    usage = back_office.build_usage(rng("crm_usage"), timeline, effects, staff)
    expenses = back_office.build_expenses(rng("expenses"), timeline, effects, orders, tickets, settings.scale,
                                          customers.created)
    costs, annual_gp = back_office.build_crm_costs(rng("crm_costs"), timeline, effects, staff, orders, fx)

    # customers in the export: everyone referenced, plus recent customers without orders in the window
    used = np.zeros(len(customers), dtype=bool)
    for ref in (orders.cust, leads["cust"][leads["cust"] >= 0], tickets["cust"], surveys["cust"]):
        used[ref] = True
    used |= (customers.created >= (timeline.start_day - 365) * DAY) & (customers.created <= timeline.end_ts)
    kept = np.flatnonzero(used)
    cust_ids = np.full(len(customers), "", dtype=object)
    cust_ids[kept] = make_ids("C", len(kept), width=max(7, len(str(len(kept)))))
    pii = people.customer_pii(rng("customer_pii"), pools, customers.segment[kept])

    emp_ids = staff.ids
    t = {}
    t["customers"] = make_table("customers", {
        "customer_id": cust_ids[kept], "created_at": customers.created[kept],
        "segment": _labels(sales.SEGMENTS, customers.segment[kept]),
        "region": _labels(people.REGIONS, customers.region[kept]),
        "acquisition_channel": _labels(sales.CHANNELS, customers.channel[kept]),
        "full_name": pii["full_name"], "email": (pii["email"], pii["email_null"]),
        "phone": (pii["phone"], pii["phone_null"]),
    })
    t["employees"] = make_table("employees", {
        "employee_id": emp_ids, "full_name": staff.full_name, "department": _labels(people.DEPARTMENTS, staff.dept),
        "role": _labels(ROLES, staff.role), "hired_at": staff.hired,
        "terminated_at": (np.where(staff.term == people.NO_END, 0, staff.term), staff.term == people.NO_END),
        "hourly_cost": (staff.hourly_cost, staff.hourly_cost_null),
    })
    t["products"] = make_table("products", {
        "product_id": products.ids, "product_name": products.name,
        "category": _labels(sales.CATEGORIES, products.category),
        "list_price": products.list_price, "unit_cost": products.unit_cost,
    })
    lead_cust = leads["cust"]
    t["leads"] = make_table("leads", {
        "lead_id": leads["lead_id"],
        "customer_id": (np.where(lead_cust >= 0, cust_ids[np.maximum(lead_cust, 0)], ""), lead_cust < 0),
        "channel": _labels(sales.LEAD_CHANNELS, leads["channel"]), "created_at": leads["created_at"],
        "assigned_to": emp_ids[leads["emp"]],
        "first_response_at": (leads["first_response_at"], leads["first_response_null"]),
        "status": _labels(LEAD_STATUSES, leads["status"]),
        "closed_at": (leads["closed_at"], leads["closed_null"]),
        "lost_reason": (_labels(LOST_REASONS, leads["lost_reason"]), leads["lost_reason_null"]),
    })
    has_lead = orders.lead_idx >= 0
    t["orders"] = make_table("orders", {
        "order_id": orders.ids, "customer_id": cust_ids[orders.cust], "employee_id": emp_ids[orders.emp],
        "lead_id": (np.where(has_lead, leads["lead_id"][np.maximum(orders.lead_idx, 0)], ""), ~has_lead),
        "created_at": orders.t, "status": _labels(ORDER_STATUSES, orders.status),
        "currency": _labels(sales.CURRENCIES, orders.currency), "discount_amount": orders.discount,
    })
    t["order_items"] = make_table("order_items", {
        "order_id": orders.ids[items["order"]], "line_number": items["line_number"],
        "product_id": products.ids[items["product"]], "quantity": items["quantity"],
        "unit_price": items["unit_price"], "unit_cost": (items["unit_cost"], items["unit_cost_null"]),
    })
    t["tickets"] = make_table("tickets", {
        "ticket_id": tickets["ticket_id"], "customer_id": cust_ids[tickets["cust"]],
        "channel": _labels(service.TICKET_CHANNELS, tickets["channel"]),
        "category": _labels(service.TICKET_CATEGORIES, tickets["category"]),
        "opened_at": tickets["opened_at"],
        "first_response_at": (tickets["first_response_at"], tickets["first_response_null"]),
        "resolved_at": (tickets["resolved_at"], tickets["resolved_null"]),
        "status": _labels(TICKET_STATUSES, tickets["status"]), "assigned_to": emp_ids[tickets["emp"]],
    })
    s_ticket, s_order = surveys["ticket"], surveys["order"]
    t["surveys"] = make_table("surveys", {
        "response_id": surveys["response_id"], "customer_id": cust_ids[surveys["cust"]],
        "ticket_id": (tickets["ticket_id"][np.maximum(s_ticket, 0)], s_ticket < 0),
        "order_id": (orders.ids[np.maximum(s_order, 0)], s_order < 0),
        "responded_at": surveys["responded_at"],
        "csat_score": (surveys["csat_score"], surveys["csat_null"]),
        "nps_score": (surveys["nps_score"], surveys["nps_null"]),
    })
    d_order = documents["order"]
    t["documents"] = make_table("documents", {
        "document_id": documents["document_id"],
        "order_id": (orders.ids[np.maximum(d_order, 0)], d_order < 0),
        "document_type": _labels(DOCUMENT_TYPES, documents["document_type"]),
        "created_at": documents["created_at"], "created_by": emp_ids[documents["emp"]],
        "has_error": documents["has_error"],
        "corrected_at": (documents["corrected_at"], documents["corrected_null"]),
    })
    t["approvals"] = make_table("approvals", {
        "approval_id": approvals["approval_id"],
        "object_type": _labels(APPROVAL_OBJECT_TYPES, approvals["object_type"]),
        "object_id": approvals["object_id"], "requested_at": approvals["requested_at"],
        "decided_at": (approvals["decided_at"], approvals["decided_null"]),
        "decision": _labels(APPROVAL_DECISIONS, approvals["decision"]), "approver_id": emp_ids[approvals["emp"]],
    })
    t["activities"] = make_table("activities", {
        "activity_id": activities["activity_id"], "employee_id": emp_ids[activities["emp"]],
        "activity_type": _labels(ACTIVITY_TYPES, activities["activity_type"]),
        "created_at": activities["created_at"], "due_at": (activities["due_at"], activities["due_null"]),
        "completed_at": (activities["completed_at"], activities["completed_null"]),
    })
    t["sales_targets"] = make_table("sales_targets", {
        "employee_id": emp_ids[targets["emp"]], "month": targets["month"], "target_amount": targets["target_amount"],
    })
    t["operating_expenses"] = make_table("operating_expenses", {
        "expense_id": expenses["expense_id"], "month": expenses["month"],
        "category": _labels(EXPENSE_CATEGORIES, expenses["category"]), "amount": expenses["amount"],
    })
    t["crm_costs"] = make_table("crm_costs", costs)
    t["crm_usage"] = make_table("crm_usage", {
        "employee_id": emp_ids[usage["emp"]], "activity_date": usage["activity_date"],
        "sessions": usage["sessions"], "records_touched": usage["records_touched"],
    })
    t["crm_rollout"] = make_table("crm_rollout", back_office.rollout_table(settings.rollout, settings.go_live, effects))
    t["fx_rates"] = make_table("fx_rates", back_office.fx_table(fx))
    tables = {tb.name: t[tb.name] for tb in TABLES}

    return World(tables, effects, dept_go, _full_effect_from(settings, dept_go),
                 _payback_estimate(timeline, effects, orders, costs, annual_gp))


def _full_effect_from(settings: Settings, dept_go: dict[str, date]) -> dict[str, str]:
    """First day on which each effect is at full size everywhere (last go-live + ramp-up; plus
    the rolling window for retention, whose KPI looks back 12 months)."""
    ramp = timedelta(days=settings.ramp_up_days)
    company = settings.go_live + ramp
    last = max(dept_go.values()) + ramp
    out = {}
    for metric, timing in TIMING.items():
        d = company if timing == "company" else last
        if metric == "retention_rate":  # both 12-month windows after the ramp-up
            d = add_months(d, 2 * RETENTION_WINDOW_MONTHS)
        out[metric] = d.isoformat()
    return out


def _payback_estimate(timeline: Timeline, effects: Effects, orders: sales.Orders, costs: dict,
                      annual_gp: float) -> dict[str, dict]:
    """Rough truth for payback and ROI: the gross profit the order-count and order-value effects
    added (actual minus actual/multiplier, per order), against the CRM costs, month by month.
    Ignores the smaller, later gains from retention and new customers (so it is conservative)."""
    gp = orders.net_uah - orders.cogs_uah
    mult = effects.mult("order_count", orders.r) * effects.mult("average_order_value", orders.r)
    incremental = gp * (1.0 - 1.0 / mult)
    months = np.unique((orders.t // DAY).astype("datetime64[D]").astype("datetime64[M]"))
    om = np.searchsorted(months, (orders.t // DAY).astype("datetime64[D]").astype("datetime64[M]"))
    inc_m = np.bincount(om, weights=incremental, minlength=len(months))
    cm = np.searchsorted(months, costs["incurred_on"].astype("datetime64[D]").astype("datetime64[M]"))
    cost_m = np.bincount(np.clip(cm, 0, len(months) - 1), weights=costs["amount"], minlength=len(months))
    cum_inc, cum_cost = np.cumsum(inc_m), np.cumsum(cost_m)
    go_month = np.datetime64(int(effects.company_go_live_day), "D").astype("datetime64[M]")
    paid = np.flatnonzero((months >= go_month) & (cum_inc >= cum_cost) & (cum_cost > 0))
    payback = int((months[paid[0]] - go_month).astype(int)) if len(paid) else None
    roi = float((cum_inc[-1] - cum_cost[-1]) / cum_cost[-1]) if cum_cost[-1] > 0 else None
    note = ("estimate from the injected order_count and average_order_value effects only "
            "(actual gross profit minus actual / multiplier), not season-adjusted")
    return {
        "crm_payback_months": {"estimate": payback, "note": note},
        "crm_roi": {"estimate": None if roi is None else round(roi, 3), "note": note,
                    "total_crm_costs": round(float(cum_cost[-1]), 2),
                    "incremental_gross_profit": round(float(cum_inc[-1]), 2),
                    "annual_gross_profit_before_go_live": round(annual_gp, 2)},
    }
