"""Back office: exchange rates, documents, approvals, activities, operating expenses, CRM
costs, CRM usage and the rollout table.

Why this model: these tables carry the process, staff, cost and adoption KPIs. Documents and
approvals hang off orders (an invoice per order, a discount needs approval, a return needs a
refund approval); activities and CRM usage are per employee and working day; expenses are
monthly and follow the volumes they pay for; CRM costs are a large implementation cost around
go-live plus licences, sized relative to the company's gross profit so payback and ROI look
the same at every scale. All money is UAH except orders of the few customers billed in EUR or
USD, whose rates are in fx_rates (NBU-like business-day rates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from orchestration.contract import APPROVAL_DECISIONS, APPROVAL_OBJECT_TYPES, DOCUMENT_TYPES, EXPENSE_CATEGORIES, ROLES

from .effects import Effects
from .ids import make_ids
from .people import BACK_OFFICE, DEPARTMENTS, MANAGEMENT, Staff, employed_days
from .sales import Customers, Orders
from .timeline import DAY, HOUR, Timeline, day_number, lognormal, mean_one_noise, month_start_days

# ---------------------------------------------------------------------------------------------
# Exchange rates
# ---------------------------------------------------------------------------------------------
# (date, UAH per USD) anchors: the NBU peg until October 2023, then a managed float.
_USD_ANCHORS = [("2019-01-01", 27.7), ("2020-06-30", 26.7), ("2022-02-23", 29.25), ("2022-07-21", 36.5686),
                ("2023-10-02", 36.5686), ("2023-10-03", 37.0), ("2024-06-30", 40.5), ("2024-12-31", 42.0),
                ("2025-06-30", 41.6), ("2025-12-31", 42.2)]
_EURUSD_ANCHORS = [("2019-01-01", 1.14), ("2022-09-30", 0.98), ("2023-06-30", 1.09), ("2024-12-31", 1.04),
                   ("2025-06-30", 1.16), ("2025-12-31", 1.17)]


def _anchor_path(days: np.ndarray, anchors: list[tuple[str, float]]) -> np.ndarray:
    x = np.array([day_number(date.fromisoformat(d)) for d, _ in anchors], dtype=np.float64)
    y = np.log([v for _, v in anchors])
    return np.exp(np.interp(days, x, y))


@dataclass
class Fx:
    """Business-day rates of EUR and USD to UAH."""

    days: np.ndarray
    eur: np.ndarray
    usd: np.ndarray

    def rate_on(self, currency: np.ndarray, day: np.ndarray) -> np.ndarray:
        """UAH per unit of currency (0 UAH, 1 EUR, 2 USD): the latest rate on or before the day."""
        i = np.clip(np.searchsorted(self.days, day, side="right") - 1, 0, len(self.days) - 1)
        return np.where(currency == 1, self.eur[i], np.where(currency == 2, self.usd[i], 1.0))


def make_fx(rng: np.random.Generator, timeline: Timeline) -> Fx:
    all_days = np.arange(timeline.start_day - 7, timeline.end_day + 1)
    days = all_days[(all_days + 3) % 7 < 5]
    n = len(days)
    pegged = (days >= day_number(date(2022, 7, 21))) & (days <= day_number(date(2023, 10, 2)))

    def ar1(sigma: float, phi: float) -> np.ndarray:
        e = rng.standard_normal(n) * sigma
        out = np.empty(n)
        acc = 0.0
        for i in range(n):  # ~800 business days
            acc = phi * acc + e[i]
            out[i] = acc
        return out

    usd = _anchor_path(days, _USD_ANCHORS) * np.exp(np.where(pegged, 0.0, ar1(0.003, 0.97)))
    eur = usd * _anchor_path(days, _EURUSD_ANCHORS) * np.exp(ar1(0.003, 0.97))
    return Fx(days, np.round(eur, 4), np.round(usd, 4))


def fx_table(fx: Fx) -> dict:
    n = len(fx.days)
    return {"currency": np.repeat(np.array(["EUR", "USD"]), n), "rate_date": np.tile(fx.days, 2),
            "rate_to_reporting": np.concatenate([fx.eur, fx.usd])}


# ---------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------
ERROR0 = 0.06  # share of documents with an error, without the CRM
DOC_P = {"invoice": 0.85, "waybill": 0.35, "act": 0.10}
CONTRACT_P = np.array([0.01, 0.08, 0.35])  # per segment
STANDALONE_DOCS = 0.03  # documents without an order, per order


def build_documents(rng: np.random.Generator, timeline: Timeline, effects: Effects, staff: Staff,
                    customers: Customers, orders: Orders) -> dict:
    n_o = len(orders)
    seg = customers.segment[orders.cust]
    src_l, type_l = [], []
    for name, p in DOC_P.items():
        pick = np.flatnonzero(rng.random(n_o) < p)
        src_l.append(pick)
        type_l.append(np.full(len(pick), DOCUMENT_TYPES.index(name)))
    pick = np.flatnonzero(rng.random(n_o) < CONTRACT_P[seg])
    src_l.append(pick)
    type_l.append(np.full(len(pick), DOCUMENT_TYPES.index("contract")))
    src, dtype = np.concatenate(src_l), np.concatenate(type_l)
    created = orders.t[src] + lognormal(rng, 2 * HOUR, 1.0, len(src)).astype(np.int64)
    # documents that belong to no order: back-office paperwork on working days
    n_alone = rng.poisson(STANDALONE_DOCS * n_o)
    wd = timeline.working_days()
    alone_t = timeline.stamp(rng, rng.choice(wd, size=n_alone), "office")
    created = np.concatenate([created, alone_t])
    src = np.concatenate([src, np.full(n_alone, -1)])
    dtype = np.concatenate([dtype, np.full(n_alone, DOCUMENT_TYPES.index("other"))])
    ok = created <= timeline.end_ts
    src, dtype, created = src[ok], dtype[ok], created[ok]
    n = len(src)
    by_seller = (src >= 0) & (rng.random(n) < 0.55)
    creator = np.empty(n, dtype=np.int64)
    creator[by_seller] = orders.emp[src[by_seller]]
    bo = np.flatnonzero(~by_seller)
    creator[bo] = staff.pick(rng, created[bo] // DAY, BACK_OFFICE, "operations")
    still = staff.active_on(created // DAY, creator)
    if (~still).any():
        gone = np.flatnonzero(~still)
        creator[gone] = staff.pick(rng, created[gone] // DAY, BACK_OFFICE, "operations")
    r = effects.dept_ramp(created, staff.dept[creator])
    err = rng.random(n) < ERROR0 * effects.mult("document_error_rate", r)
    corrected = created + lognormal(rng, 18 * HOUR, 1.0, n).astype(np.int64)
    corrected_null = ~err | (rng.random(n) < 0.1) | (corrected > timeline.end_ts)
    order = np.lexsort((src, created))
    return {"document_id": make_ids("D", n, width=max(7, len(str(n)))), "order": src[order],
            "document_type": dtype[order], "created_at": created[order], "emp": creator[order],
            "has_error": err[order], "corrected_at": corrected[order], "corrected_null": corrected_null[order]}


# ---------------------------------------------------------------------------------------------
# Approvals
# ---------------------------------------------------------------------------------------------
APPROVAL_MEDIAN_H, APPROVAL_SIGMA = 16.0, 1.1
BIG_ORDER_UAH = 250_000.0
REJECTED_P, STALE_PENDING_P = 0.13, 0.01
APPROVAL_OTHER_P = 0.02  # per order


def build_approvals(rng: np.random.Generator, timeline: Timeline, effects: Effects, staff: Staff,
                    orders: Orders, documents: dict) -> dict:
    OT = APPROVAL_OBJECT_TYPES
    disc = np.flatnonzero(orders.disc_rate > 0.10)
    big = np.flatnonzero(orders.gross_uah > BIG_ORDER_UAH)
    refund = np.flatnonzero(orders.status == 2)
    contracts = np.flatnonzero(documents["document_type"] == DOCUMENT_TYPES.index("contract"))
    n_other = rng.poisson(APPROVAL_OTHER_P * len(orders))
    obj_type = np.concatenate([np.full(len(disc), OT.index("discount")), np.full(len(big), OT.index("order")),
                               np.full(len(refund), OT.index("refund")), np.full(len(contracts), OT.index("contract")),
                               np.full(n_other, OT.index("other"))])
    obj_id = np.concatenate([orders.ids[disc], orders.ids[big], orders.ids[refund],
                             documents["document_id"][contracts], make_ids("PR", n_other, width=6)])
    base_t = np.concatenate([orders.t[disc], orders.t[big],
                             orders.t[refund] + lognormal(rng, 9 * DAY, 0.5, len(refund)).astype(np.int64),
                             documents["created_at"][contracts],
                             timeline.stamp(rng, rng.choice(timeline.working_days(), size=n_other), "office")])
    requested = base_t + lognormal(rng, 30 * 60, 1.0, len(base_t)).astype(np.int64)
    # the head of the seller's department decides; very big orders, contracts and other requests
    # go to management
    big_dept = np.where(orders.gross_uah[big] > 3 * BIG_ORDER_UAH, MANAGEMENT, orders.dept[big])
    dept = np.concatenate([orders.dept[disc], big_dept, orders.dept[refund],
                           np.full(len(contracts), MANAGEMENT), np.full(n_other, MANAGEMENT)])
    ok = requested <= timeline.end_ts
    obj_type, obj_id, requested, dept = obj_type[ok], obj_id[ok], requested[ok], dept[ok]
    n = len(requested)
    approver = staff.pick(rng, requested // DAY, dept, "manager")
    r = effects.dept_ramp(requested, staff.dept[approver])
    decided = requested + (lognormal(rng, APPROVAL_MEDIAN_H * HOUR, APPROVAL_SIGMA, n)
                           * effects.mult("approval_cycle_hours", r)).astype(np.int64)
    decision = np.where(rng.random(n) < REJECTED_P, APPROVAL_DECISIONS.index("rejected"),
                        APPROVAL_DECISIONS.index("approved"))
    pending = (rng.random(n) < STALE_PENDING_P) | (decided > timeline.end_ts)
    decision = np.where(pending, APPROVAL_DECISIONS.index("pending"), decision)
    order = np.lexsort((obj_id, requested))
    return {"approval_id": make_ids("A", n, width=max(6, len(str(n)))), "object_type": obj_type[order],
            "object_id": obj_id[order], "requested_at": requested[order], "decided_at": decided[order],
            "decided_null": pending[order], "decision": decision[order], "emp": approver[order]}


# ---------------------------------------------------------------------------------------------
# Activities
# ---------------------------------------------------------------------------------------------
ACTIVITIES_PER_DAY = {"sales": 2.2, "support": 1.4, "manager": 1.6, "operations": 1.6, "other": 0.8}
ACTIVITY_TYPE_P = {  # over ACTIVITY_TYPES (call, email, meeting, task)
    "sales": [0.45, 0.30, 0.10, 0.15], "support": [0.35, 0.40, 0.02, 0.23], "manager": [0.15, 0.25, 0.35, 0.25],
    "operations": [0.10, 0.35, 0.05, 0.50], "other": [0.15, 0.35, 0.15, 0.35],
}
ACTIVITY_MEDIAN_H = np.array([1.2, 2.5, 26.0, 20.0])
NOT_COMPLETED_P = 0.03


def build_activities(rng: np.random.Generator, timeline: Timeline, effects: Effects, staff: Staff,
                     staff_factor: float) -> dict:
    """Routine work items per employee and working day (Poisson); the count per person shrinks
    with the square root of scale so the table grows in proportion to the rest."""
    emp, day = employed_days(staff, timeline.working_days())
    lam = np.array([ACTIVITIES_PER_DAY[r] for r in ROLES])[staff.role[emp]] * staff_factor
    k = rng.poisson(lam)
    emp, day = np.repeat(emp, k), np.repeat(day, k)
    n = len(emp)
    cum = np.cumsum(np.array([ACTIVITY_TYPE_P[r] for r in ROLES]), axis=1)[staff.role[emp]]
    atype = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), 3)
    created = timeline.stamp(rng, day, "office")
    r = effects.dept_ramp(created, staff.dept[emp])
    dur = lognormal(rng, ACTIVITY_MEDIAN_H[atype] * HOUR, 1.0, n) * effects.mult("task_completion_hours", r)
    completed = created + dur.astype(np.int64)
    planned = lognormal(rng, ACTIVITY_MEDIAN_H[atype] * HOUR * 2.2, 0.4, n)
    due = created + planned.astype(np.int64)
    due_null = (atype <= 1) & (rng.random(n) < 0.25)
    completed_null = (rng.random(n) < NOT_COMPLETED_P) | (completed > timeline.end_ts)
    order = np.lexsort((emp, created))
    return {"activity_id": make_ids("ACT", n, width=max(7, len(str(n)))), "emp": emp[order],
            "activity_type": atype[order], "created_at": created[order], "due_at": due[order],
            "due_null": due_null[order], "completed_at": completed[order], "completed_null": completed_null[order]}


# ---------------------------------------------------------------------------------------------
# CRM usage
# ---------------------------------------------------------------------------------------------
DAILY_USE_P = {"sales": 0.92, "support": 0.95, "manager": 0.80, "operations": 0.85, "other": 0.55}
SESSIONS = {"sales": 3.0, "support": 4.0, "manager": 2.0, "operations": 2.5, "other": 1.0}
RECORDS_PER_SESSION = {"sales": 6.0, "support": 8.0, "manager": 3.0, "operations": 7.0, "other": 2.0}
NEW_HIRE_ONBOARDING_DAYS = 21


def build_usage(rng: np.random.Generator, timeline: Timeline, effects: Effects, staff: Staff) -> dict:
    """Nobody uses the CRM before their department's go-live; a share (the adoption effect,
    ~0.9) of the staff start on a day spread evenly over the ramp-up, later hires within their
    first weeks; adopters then log in on most working days."""
    n_emp = len(staff)
    go = effects.dept_go_live_days[staff.dept]
    ramp = max(effects.ramp_up_days, 1)
    adopter = rng.random(n_emp) < np.clip(effects.size("crm_adoption_rate"), 0.0, 1.0)
    start = np.where(staff.hired <= go, go + (rng.random(n_emp) * ramp).astype(np.int64),
                     staff.hired + rng.integers(0, NEW_HIRE_ONBOARDING_DAYS, n_emp))
    emp, day = employed_days(staff, timeline.working_days())
    role = staff.role[emp]
    use = adopter[emp] & (day >= start[emp]) & (rng.random(len(emp)) < np.array(
        [DAILY_USE_P[r] for r in ROLES])[role])
    emp, day, role = emp[use], day[use], role[use]
    sessions = 1 + rng.poisson(np.array([SESSIONS[r] for r in ROLES])[role])
    touched = rng.poisson(sessions * np.array([RECORDS_PER_SESSION[r] for r in ROLES])[role])
    order = np.lexsort((day, emp))
    return {"emp": emp[order], "activity_date": day[order], "sessions": sessions[order],
            "records_touched": touched[order]}


# ---------------------------------------------------------------------------------------------
# Operating expenses
# ---------------------------------------------------------------------------------------------
CAC0, COST_PER_ORDER0, COST_PER_TICKET0 = 1100.0, 190.0, 320.0  # UAH, at the export start
OTHER_EXPENSES0 = 1_200_000.0  # UAH per month at scale 1
COST_INFLATION = 0.08
EXPENSE_LINES = {"acquisition": 3, "order_processing": 2, "customer_service": 2, "other": 3}


def monthly_new_customers(timeline: Timeline, orders: Orders, months: np.ndarray, created: np.ndarray) -> np.ndarray:
    """Customers whose first completed order of the export falls in each month (the KPI), counting
    only customers created within the export: the pre-existing base's first order in the window
    is not an acquisition (the warehouse's int_customers__new applies the same rule)."""
    done = (orders.status == 0) & (created[orders.cust] >= timeline.start_day * DAY)
    cust, t = orders.cust[done], orders.t[done]
    first = np.full(cust.max() + 1 if len(cust) else 1, np.iinfo(np.int64).max)
    np.minimum.at(first, cust, t)
    first = first[first < np.iinfo(np.int64).max]
    return np.bincount(np.searchsorted(months, first // DAY, side="right") - 1, minlength=len(months))


def build_expenses(rng: np.random.Generator, timeline: Timeline, effects: Effects, orders: Orders,
                   tickets: dict, scale: float, customer_created: np.ndarray) -> dict:
    """Monthly costs by category. Acquisition spend follows the new customers it buys (so the
    acquisition cost per new customer moves by its effect), processing spend follows completed
    orders (cost per order moves by its effect, timed by the departments handling the orders)."""
    months = month_start_days(timeline.start_day, timeline.end_day)
    n_m = len(months)
    years = (months - timeline.start_day) / 365.25
    infl = (1.0 + COST_INFLATION) ** years
    days = np.arange(timeline.start_day, timeline.end_day + 1)
    mi_day = np.searchsorted(months, days, side="right") - 1
    company_r = np.bincount(mi_day, weights=effects.company_ramp(days * DAY + DAY // 2), minlength=n_m) \
        / np.bincount(mi_day, minlength=n_m)
    new = monthly_new_customers(timeline, orders, months, customer_created)
    done = orders.status == 0
    om = np.searchsorted(months, orders.t[done] // DAY, side="right") - 1
    completed = np.bincount(om, minlength=n_m)
    mean_r = np.bincount(om, weights=orders.r[done], minlength=n_m) / np.maximum(completed, 1)
    tm = np.searchsorted(months, tickets["opened_at"] // DAY, side="right") - 1
    n_tickets = np.bincount(tm, minlength=n_m)
    trend = timeline.trend(months + 14)
    amounts = {
        "acquisition": new * CAC0 * infl * effects.mult("customer_acquisition_cost", company_r),
        "order_processing": completed * COST_PER_ORDER0 * infl * effects.mult("order_processing_cost_per_order", mean_r),
        "customer_service": n_tickets * COST_PER_TICKET0 * infl,
        "other": OTHER_EXPENSES0 * scale * trend * infl,
    }
    month_l, cat_l, amount_l = [], [], []
    for c, name in enumerate(EXPENSE_CATEGORIES):
        total = amounts[name] * mean_one_noise(rng, 0.04, n_m)
        k = EXPENSE_LINES[name]
        shares = rng.dirichlet(np.full(k, 4.0), size=n_m)
        month_l.append(np.repeat(months, k))
        cat_l.append(np.full(n_m * k, c))
        amount_l.append((total[:, None] * shares).ravel())
    month, cat, amount = np.concatenate(month_l), np.concatenate(cat_l), np.concatenate(amount_l)
    order = np.lexsort((cat, month))
    n = len(month)
    return {"expense_id": make_ids("X", n, width=5), "month": month[order], "category": cat[order],
            "amount": np.round(amount[order], 2)}


# ---------------------------------------------------------------------------------------------
# CRM costs
# ---------------------------------------------------------------------------------------------
# share of the annual gross profit before go-live
IMPLEMENTATION, INTEGRATION, TRAINING, MIGRATION = 0.07, 0.025, 0.012, 0.008
LICENCE_PER_MONTH, SUPPORT_PER_QUARTER = 0.0025, 0.004


def build_crm_costs(rng: np.random.Generator, timeline: Timeline, effects: Effects, staff: Staff,
                    orders: Orders, fx: Fx) -> tuple[dict, float]:
    """The CRM investment: implementation invoices around go-live, integration, data migration,
    training per rollout wave, monthly licences per seat in live departments (priced in USD),
    quarterly support. Returns the table and the annual gross profit it was sized on."""
    go = effects.company_go_live_day
    base = (orders.t >= (go - 365) * DAY) & (orders.t < go * DAY)
    span = max(1.0, (go - max(go - 365, timeline.start_day)) / 365.0)
    gp = float((orders.net_uah[base] - orders.cogs_uah[base]).sum() / span)
    items: list[tuple[int, str, float]] = []
    for off, share in ((-60, 0.4), (0, 0.3), (45, 0.3)):
        items.append((go + off, "implementation", IMPLEMENTATION * gp * share))
    for off in (-30, 20):
        items.append((go + off, "integration", INTEGRATION * gp * 0.5))
    items.append((go - 75, "other", MIGRATION * gp))
    waves = np.unique(effects.dept_go_live_days)
    for w in waves:
        for off in (0, 30, 60):
            items.append((int(w) + off, "training", TRAINING * gp / 3 / len(waves)))
    for q in range(go + 90, timeline.end_day + 1, 91):
        items.append((q, "support", SUPPORT_PER_QUARTER * gp))
    day_l, cat_l, amt_l = [d for d, _, _ in items], [c for _, c, _ in items], [a for _, _, a in items]
    amt = np.array(amt_l) * mean_one_noise(rng, 0.05, len(amt_l))
    # licences: seats = staff employed in live departments on the first of the month
    months = month_start_days(go, timeline.end_day)
    months = months[months >= go] if (months >= go).any() else months
    go_dept = effects.dept_go_live_days[staff.dept]
    seats = np.array([((staff.hired <= m) & (staff.term >= m) & (go_dept <= m)).sum() for m in months])
    everyone = ((staff.hired <= go) & (staff.term >= go)).sum()
    usd = fx.rate_on(np.full(len(months), 2), months)
    price_usd = round(LICENCE_PER_MONTH * gp / max(everyone, 1) / float(fx.rate_on(np.array([2]), np.array([go]))[0]), 2)
    day = np.concatenate([np.array(day_l, dtype=np.int64), months])
    cat = np.concatenate([np.array(cat_l), np.full(len(months), "license")])
    amount = np.concatenate([amt, seats * price_usd * usd])
    ok = (day >= timeline.start_day) & (day <= timeline.end_day) & (amount > 0)
    day, cat, amount = day[ok], cat[ok], amount[ok]
    order = np.lexsort((cat, day))
    n = len(day)
    return {"cost_id": make_ids("CC", n, width=4), "incurred_on": day[order], "category": cat[order],
            "amount": np.round(amount[order], 2)}, gp


# ---------------------------------------------------------------------------------------------
# Rollout
# ---------------------------------------------------------------------------------------------
def rollout_table(rollout: str, go_live: date, effects: Effects) -> dict:
    if rollout == "company":
        return {"scope_type": np.array(["company"]), "scope_value": np.array(["all"]),
                "go_live_date": np.array([day_number(go_live)])}
    return {"scope_type": np.full(len(DEPARTMENTS), "department"), "scope_value": np.array(DEPARTMENTS),
            "go_live_date": effects.dept_go_live_days.copy()}
