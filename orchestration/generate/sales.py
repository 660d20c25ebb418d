"""Sales: products, customers, orders, order lines, leads and sales targets.

Why this model: the customer-base KPIs (new customers, retention, repeat purchases, lifetime)
only behave like a real business's when orders come from customers with a history. So each
customer is simulated as a renewal process: a first order when they arrive, then after each
order a gap (log-normal, in operational time so it inherits seasonality) to the next candidate
order, at which the customer may churn instead. Simulation starts four years before the export
so the customer base is in a steady, growing state on day one; orders before the export are
used only to place leads and tickets and are not written.

How the CRM effects enter (see ``effects``): new customers arrive at a higher rate, fewer
customers churn at their next order (retention), orders are topped up with extra follow-up
orders (order count) and carry more lines (order value); leads convert more and are lost
less, and their durations shrink. Leads are tied to orders: a won lead is the start of an order,
and the volume of leads tracks the counterfactual order volume, so the CRM changes how leads
end, not how many arrive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.contract import LEAD_STATUSES, LOST_REASONS

from .effects import Effects
from .ids import make_ids
from .people import REGION_WEIGHTS, REGIONS, SALES0, Staff, region_dept
from .timeline import DAY, HOUR, MONTH_FACTORS, Timeline, lognormal, month_index, month_start_days

SEGMENTS = ("retail", "smb", "enterprise")
SEGMENT_P = np.array([0.70, 0.24, 0.06])
CHANNELS = ("website", "marketplace", "social_media", "referral", "offline_store", "cold_call", "partner")
CHANNEL_P = np.array([  # per segment
    [0.35, 0.25, 0.15, 0.10, 0.15, 0.00, 0.00],
    [0.25, 0.05, 0.10, 0.25, 0.00, 0.20, 0.15],
    [0.10, 0.00, 0.00, 0.30, 0.00, 0.30, 0.30],
])
CURRENCIES = ("UAH", "EUR", "USD")
FOREIGN_P = np.array([0.002, 0.03, 0.15])  # share of customers billed in EUR/USD, per segment

# Arrivals of new customers per day at scale 1 on the export's first day (before season/weekday).
ARRIVALS_PER_DAY = 52.0
# Renewal process per segment: median gap to the next candidate order (days, operational time),
# and the probability of churning at it.
GAP_MEDIAN = np.array([75.0, 45.0, 30.0])
GAP_SIGMA = 0.5
CHURN_P = np.array([0.22, 0.10, 0.06])
# The retention effect lowers every segment's churn probability by the same share,
# RETENTION_KAPPA * delta, calibrated so that the retention KPI (12-month windows) moves by delta.
RETENTION_KAPPA = 3.8
# Expected extra order lines (1 + Poisson) per segment.
EXTRA_LINES = np.array([0.7, 1.6, 3.2])
# Order outcomes besides completed.
CANCELLED_P, RETURNED_P = 0.06, 0.035
DISCOUNT_SHARE = np.array([0.25, 0.50, 0.80])
DISCOUNT_RANGE = np.array([[0.05, 0.15], [0.02, 0.08], [0.05, 0.12]])
PRICE_INCREASE = 0.04  # list prices rise 4% every January

# Leads. Shares of outcomes without the CRM; the CRM moves them (effects).
LEADS_WON_SHARE = 0.22  # share of counterfactual orders that start as a won lead
WON0, NO_RESPONSE0, STALE0 = 0.30, 0.12, 0.04
LEAD_CHANNELS = ("website_form", "phone", "email", "marketplace", "social_media", "referral")
LEAD_CHANNEL_P = np.array([0.34, 0.22, 0.16, 0.12, 0.10, 0.06])
OTHER_LOST_P = np.array([0.0, 0.35, 0.25, 0.30, 0.10])  # over LOST_REASONS, for non-"no_response" losses
LEAD_DURATION_MEDIAN_H = 50.0  # created -> closed
TARGET_STRETCH = 1.05

CATEGORIES = ("electronics", "home_appliances", "furniture", "office_supplies", "cables_and_parts", "services")
CATEGORY_SHARE = np.array([0.25, 0.20, 0.15, 0.20, 0.10, 0.10])
CATEGORY_BY_SEGMENT = np.array([
    [0.30, 0.35, 0.15, 0.05, 0.03, 0.12],
    [0.22, 0.08, 0.15, 0.30, 0.15, 0.10],
    [0.25, 0.05, 0.15, 0.25, 0.20, 0.10],
])
PRICE_MEDIAN = np.array([18000.0, 14000.0, 6500.0, 450.0, 45.0, 1200.0])
PRICE_SIGMA = np.array([0.6, 0.5, 0.6, 0.7, 0.5, 0.6])
COST_RATIO = np.array([0.82, 0.76, 0.62, 0.60, 0.55, 0.35])
_NOUNS = (
    ("Ноутбук", "Монітор", "Смартфон", "Планшет", "Навушники", "Роутер", "Принтер"),
    ("Пральна машина", "Холодильник", "Мікрохвильова піч", "Пилосос", "Кавоварка", "Бойлер"),
    ("Офісне крісло", "Стіл письмовий", "Шафа", "Стелаж", "Диван", "Тумба"),
    ("Папір А4 500 арк.", "Картридж", "Степлер", "Папка-реєстратор", "Ручки уп. 50 шт.", "Блокнот А5"),
    ("Кабель ВВГ 3x2.5 (м)", "Кабель UTP cat6 (м)", "Гофротруба 20 мм (м)", "Провід ПВС 2x1.5 (м)"),
    ("Доставка", "Монтаж", "Гарантійне обслуговування +1 рік", "Налаштування обладнання", "Консультація інженера"),
)
_BRANDS = ("Vesta", "Nord", "Orion", "Polar", "Kvant", "Lumen", "Terra", "Astra", "Zenit", "Borysfen", "Sich", "Dnipro")
_TIERS = ("стандарт", "преміум", "експрес")


# ---------------------------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------------------------
@dataclass
class Products:
    ids: np.ndarray
    name: np.ndarray
    category: np.ndarray  # index into CATEGORIES
    list_price: np.ndarray
    unit_cost: np.ndarray
    weight: np.ndarray  # popularity within its category (sums to 1 per category)

    def __len__(self) -> int:
        return len(self.ids)


def make_products(rng: np.random.Generator, staff_factor: float) -> Products:
    n = 60 + int(round(140 * staff_factor))
    cat = np.sort(rng.choice(len(CATEGORIES), size=n, p=CATEGORY_SHARE))
    for c in range(len(CATEGORIES)):  # every category has at least two products
        if (cat == c).sum() < 2:
            cat[rng.choice(n, 2, replace=False)] = c
        cat = np.sort(cat)
    price = lognormal(rng, PRICE_MEDIAN[cat], PRICE_SIGMA[cat], n)
    price = np.where(price >= 100, np.round(price / 10) * 10 - 1, np.round(price, 2))
    cost = np.round(price * COST_RATIO[cat] * np.exp(0.05 * rng.standard_normal(n)), 2)
    names = []
    codes = rng.integers(100, 999, n)
    brands = rng.integers(0, len(_BRANDS), n)
    nouns = rng.integers(0, 100, n)
    tiers = rng.integers(0, len(_TIERS), n)
    for i in range(n):  # a few hundred products at most
        noun = _NOUNS[cat[i]][nouns[i] % len(_NOUNS[cat[i]])]
        if CATEGORIES[cat[i]] == "services":
            names.append(f"{noun} ({_TIERS[tiers[i]]}) {codes[i]}")
        else:
            names.append(f"{noun} {_BRANDS[brands[i]]}-{codes[i]}")
    weight = np.zeros(n)
    for c in range(len(CATEGORIES)):
        idx = np.flatnonzero(cat == c)
        w = 1.0 / (1.0 + rng.permutation(len(idx))) ** 0.8
        weight[idx] = w / w.sum()
    return Products(make_ids("P", n), np.array(names), cat, price, cost, weight)


# ---------------------------------------------------------------------------------------------
# Customers and their orders (the demand)
# ---------------------------------------------------------------------------------------------
@dataclass
class Customers:
    created: np.ndarray  # seconds
    segment: np.ndarray
    region: np.ndarray
    channel: np.ndarray
    currency: np.ndarray  # 0 UAH, 1 EUR, 2 USD
    crm_added: np.ndarray  # arrived only because of the new_customers effect
    candidate: np.ndarray  # index in the candidate stream (the same customer has the same index
    n_candidates: int      # with and without the CRM: random draws are keyed by it)

    def __len__(self) -> int:
        return len(self.created)


def simulate_customers(rng: np.random.Generator, timeline: Timeline, effects: Effects, scale: float) -> Customers:
    """New customers arrive daily (trend x season x weekday); after go-live the arrival rate is
    multiplied by the new_customers effect (thinning a stream drawn at the highest rate, so the
    customers that would have come anyway are the same with and without the CRM)."""
    days = timeline.days
    # candidates are drawn at a fixed higher rate and thinned: with the same seed the same
    # candidates exist whatever the effect size (common random numbers), for m up to 1.5
    top = max(1.5, effects.size("new_customers"))
    per_day = ARRIVALS_PER_DAY * scale * timeline.trend(days) * timeline.day_weights("orders") * top
    day = timeline.sample_days(rng, per_day)
    t = timeline.stamp(rng, day, "orders")
    n = len(t)
    # attributes are drawn for every candidate, so a customer is the same with and without the CRM
    segment = rng.choice(3, size=n, p=SEGMENT_P)
    region = rng.choice(len(REGIONS), size=n, p=REGION_WEIGHTS)
    channel = (rng.random(n)[:, None] > np.cumsum(CHANNEL_P[segment], axis=1)).sum(axis=1)
    foreign = rng.random(n) < FOREIGN_P[segment]
    currency = np.where(foreign, np.where(rng.random(n) < 0.6, 1, 2), 0)
    u = rng.random(n) * top
    keep = np.flatnonzero(u < effects.mult("new_customers", effects.company_ramp(t)))
    keep = keep[np.argsort(t[keep], kind="stable")]
    return Customers(t[keep], segment[keep], region[keep], np.minimum(channel[keep], len(CHANNELS) - 1),
                     currency[keep], u[keep] >= 1.0, keep, n)


@dataclass
class Demand:
    """Orders of the customers' renewal processes, sorted by time (warm-up included)."""

    cust: np.ndarray
    t: np.ndarray
    first: np.ndarray  # the customer's first order
    crm_added: np.ndarray  # would not exist without the CRM (extra customer, or a churn it prevented)
    r: np.ndarray | None = None  # ramp of the employee of the order (set by build_orders, 0 in warm-up)

    def __len__(self) -> int:
        return len(self.t)


def simulate_demand(rng: np.random.Generator, timeline: Timeline, effects: Effects, customers: Customers) -> Demand:
    """Every order of the renewal process. One loop iteration per order *number* (all customers
    at once), never per customer.

    Churn is decided at each candidate order with one uniform draw u: the customer churns if
    u < p (counterfactual) or u < p * (1 - RETENTION_KAPPA * delta * ramp) (with the CRM). A
    customer kept only by the CRM is marked, and so are all their later orders: the unmarked
    orders are exactly the orders of the world without the CRM.
    """
    seg = customers.segment
    n_c = len(seg)
    key, n_key = customers.candidate, customers.n_candidates
    first_t = customers.created + np.minimum(lognormal(rng, 40 * 60, 1.0, n_key)[key].astype(np.int64), DAY // 2)
    rescued = np.zeros(n_c, dtype=bool)
    cust_l, t_l, first_l, added_l = [np.arange(n_c)], [first_t], [np.ones(n_c, dtype=bool)], [customers.crm_added]
    alive = np.flatnonzero(first_t <= timeline.end_ts)
    tau = timeline.to_optime("orders", first_t // DAY).astype(np.float64)
    tod_rng = np.random.default_rng(rng.integers(0, 2**63))  # times of day: a stream of their own
    while len(alive):
        # draws for every customer, used by the alive ones: the same customer gets the same draws
        # whether or not the CRM kept some other customer alive (common random numbers)
        z, u_all = rng.standard_normal(n_key)[key], rng.random(n_key)[key]
        s = seg[alive]
        gap = np.clip(GAP_MEDIAN[s] * np.exp(GAP_SIGMA * z[alive]), 3.0, 3.0 * GAP_MEDIAN[s])
        tau_new = tau[alive] + gap
        day = timeline.from_optime("orders", tau_new)
        inside = day <= timeline.end_day
        alive, tau_new, day, s = alive[inside], tau_new[inside], day[inside], s[inside]
        p_cf = CHURN_P[s]
        lift = RETENTION_KAPPA * effects.add("retention_rate", effects.company_ramp(day * DAY + DAY // 2))
        p_crm = np.clip(p_cf * (1.0 - lift), 0.0, 1.0)
        u = u_all[alive]
        rescued[alive[(u >= p_crm) & (u < p_cf)]] = True
        stay = u >= p_crm
        alive, tau_new, day = alive[stay], tau_new[stay], day[stay]
        tau[alive] = tau_new
        cust_l.append(alive)
        t_l.append(timeline.stamp(tod_rng, day, "orders"))
        first_l.append(np.zeros(len(alive), dtype=bool))
        added_l.append(customers.crm_added[alive] | rescued[alive])
    cust, t = np.concatenate(cust_l), np.concatenate(t_l)
    first, added = np.concatenate(first_l), np.concatenate(added_l)
    keep = t <= timeline.end_ts
    order = np.lexsort((cust[keep], t[keep]))
    return Demand(cust[keep][order], t[keep][order], first[keep][order], added[keep][order])


# ---------------------------------------------------------------------------------------------
# Orders written to the export
# ---------------------------------------------------------------------------------------------
@dataclass
class Orders:
    cust: np.ndarray
    emp: np.ndarray
    dept: np.ndarray
    t: np.ndarray
    status: np.ndarray  # index into ORDER_STATUSES
    currency: np.ndarray
    fx: np.ndarray  # UAH per unit of the order currency on the order day (1 for UAH)
    r: np.ndarray  # CRM ramp of the order's employee at the order time
    demand: np.ndarray  # index of the demand order it is, -1 for an extra follow-up order
    keep_p: np.ndarray  # probability that a demand order like it survived the order_count thinning
    value_factor: np.ndarray  # multiplies the expected number of lines (order value effect, mix-corrected)
    ids: np.ndarray | None = None
    discount: np.ndarray | None = None  # in order currency
    disc_rate: np.ndarray | None = None
    gross_uah: np.ndarray | None = None
    net_uah: np.ndarray | None = None  # signed: returned orders count negative, cancelled 0
    cogs_uah: np.ndarray | None = None
    lead_idx: np.ndarray | None = None  # index into the leads table, -1 = none

    def __len__(self) -> int:
        return len(self.t)


def _p_pending(age_days: np.ndarray) -> np.ndarray:
    """Orders of the last days before the export are often still pending."""
    return 0.6 * np.exp(-age_days / 4.0) + 0.003


def _p_completed(age_days: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Probability that an order ends up completed (first orders are never cancelled or returned:
    a customer becomes a customer with a completed order)."""
    pend = _p_pending(age_days)
    return np.where(first, 1.0 - pend, np.clip(1.0 - pend - CANCELLED_P - RETURNED_P * (age_days > 3), 0.0, 1.0))


def build_orders(rng: np.random.Generator, timeline: Timeline, effects: Effects, staff: Staff,
                 customers: Customers, demand: Demand, products: Products, fx) -> Orders:
    """Orders of the export window, with the order_count effect made exact.

    Each order gets an employee from the customer's region. The CRM's customer effects
    (retention, new customers) already add orders; per month and department the number of
    completed orders is then brought to the counterfactual count times the order_count
    multiplier: extra follow-up orders (Poisson) when more are needed, thinning of repeat
    orders when the customer effects already added more than that (for example in departments
    not yet live in a staged rollout, which stay a clean control group)."""
    win = np.flatnonzero(demand.t >= timeline.start_ts)
    cust, t, first, added = demand.cust[win], demand.t[win], demand.first[win], demand.crm_added[win]
    emp = staff.pick(rng, t // DAY, region_dept(rng, customers.region[cust], SALES0), "sales")
    dept = staff.dept[emp]
    r = effects.dept_ramp(t, dept)
    demand.r = np.zeros(len(demand))
    demand.r[win] = r
    m = effects.mult("order_count", r)
    age = (timeline.end_ts - t) / DAY
    c = _p_completed(age, first)
    c_extra = _p_completed(np.maximum(age - 6.0, 0.0), np.zeros(len(t), dtype=bool))
    months = month_start_days(timeline.start_day, timeline.end_day)
    g = (np.searchsorted(months, t // DAY, side="right") - 1) * len(effects.dept_go_live_days) + dept
    n_g = len(months) * len(effects.dept_go_live_days)
    cf = ~added
    need = np.bincount(g, weights=np.where(cf, m * c, 0.0), minlength=n_g) - np.bincount(g, weights=c, minlength=n_g)
    up_w = np.where(cf, np.maximum(m - 1.0, 0.0), 0.0)
    up_norm = np.bincount(g, weights=up_w * c_extra, minlength=n_g)
    lam = np.where(up_norm[g] > 0, np.maximum(need[g], 0.0) * up_w / np.maximum(up_norm[g], 1e-12), 0.0)
    down_norm = np.bincount(g, weights=np.where(first, 0.0, c), minlength=n_g)
    q = np.where(first, 0.0, np.clip(np.maximum(-need[g], 0.0) / np.maximum(down_norm[g], 1e-12), 0.0, 1.0))
    keep = rng.random(len(t)) >= q
    extra = rng.poisson(lam)
    src = np.repeat(np.arange(len(t)), extra)
    t_extra = t[src] + lognormal(rng, 6 * DAY, 0.8, len(src)).astype(np.int64)
    ok = t_extra <= timeline.end_ts
    src, t_extra = src[ok], t_extra[ok]
    kept = np.flatnonzero(keep)
    cust = np.concatenate([cust[kept], cust[src]])
    emp = np.concatenate([emp[kept], emp[src]])
    t_all = np.concatenate([t[kept], t_extra])
    is_first = np.concatenate([first[kept], np.zeros(len(src), dtype=bool)])
    dem = np.concatenate([win[kept], np.full(len(src), -1)])
    keep_p = np.concatenate([1.0 - q[kept], np.ones(len(src))])
    order = np.lexsort((cust, t_all))
    cust, emp, t, is_first, dem, keep_p = cust[order], emp[order], t_all[order], is_first[order], dem[order], keep_p[order]
    n = len(t)
    dept = staff.dept[emp]
    r = effects.dept_ramp(t, dept)
    age = (timeline.end_ts - t) / DAY
    u = rng.random(n)
    p_p = _p_pending(age)
    status = np.where(u < p_p, 3,
                      np.where(is_first, 0,
                               np.where(u < p_p + CANCELLED_P, 1,
                                        np.where((u < p_p + CANCELLED_P + RETURNED_P) & (age > 3), 2, 0))))
    # order value: the CRM's customer effects change the segment mix of orders (more small
    # retail customers); correct per month and department so the average order value moves by
    # exactly its multiplier against the counterfactual mix
    v_seg = segment_order_value(products)
    cf_w = np.where(cf, c, 0.0)
    cf_mix = np.bincount(g, weights=cf_w * v_seg[customers.segment[demand.cust[win]]], minlength=n_g) \
        / np.maximum(np.bincount(g, weights=cf_w, minlength=n_g), 1e-12)
    g_new = (np.searchsorted(months, t // DAY, side="right") - 1) * len(effects.dept_go_live_days) + dept
    c_new = _p_completed(age, is_first)
    act_mix = np.bincount(g_new, weights=c_new * v_seg[customers.segment[cust]], minlength=n_g) \
        / np.maximum(np.bincount(g_new, weights=c_new, minlength=n_g), 1e-12)
    fix = np.where((cf_mix[g_new] > 0) & (act_mix[g_new] > 0), cf_mix[g_new] / np.maximum(act_mix[g_new], 1e-12), 1.0)
    value_factor = effects.mult("average_order_value", r) * fix
    currency = customers.currency[cust]
    rate = fx.rate_on(currency, t // DAY)
    return Orders(cust, emp, dept, t, status, currency, rate, r, dem, keep_p, value_factor,
                  ids=make_ids("O", n, width=max(7, len(str(n)))))


def _quantity_mean(seg: int, cat: int) -> float:
    base = np.array([0.15, 1.5, 6.0])[seg]
    if CATEGORIES[cat] == "cables_and_parts":
        return float(np.array([15.0, 60.0, 250.0])[seg] * np.exp(0.7 ** 2 / 2))
    if CATEGORIES[cat] == "services":
        return 1.0
    return 1.0 + base * (3.0 if CATEGORIES[cat] == "office_supplies" else 1.0)


def segment_order_value(products: Products) -> np.ndarray:
    """Expected net value of an order per segment without the CRM (lines x line value x discount)."""
    out = np.zeros(3)
    for seg in range(3):
        line = 0.0
        for cat in range(len(CATEGORIES)):
            in_cat = products.category == cat
            price = (products.weight[in_cat] * products.list_price[in_cat]).sum()
            line += CATEGORY_BY_SEGMENT[seg, cat] * price * _quantity_mean(seg, cat)
        discount = DISCOUNT_SHARE[seg] * DISCOUNT_RANGE[seg].mean()
        out[seg] = (1.0 + EXTRA_LINES[seg]) * line * np.array([1.0, 0.99, 0.97])[seg] * (1.0 - discount)
    return out


def build_order_items(rng: np.random.Generator, timeline: Timeline, effects: Effects, customers: Customers,
                      orders: Orders, products: Products) -> dict:
    """Order lines: 1 + Poisson lines (the average_order_value effect scales the expected number
    of lines), products by segment preferences, quantities, prices with yearly increases; then
    each order's discount and its net revenue and cost of goods in UAH."""
    n = len(orders)
    seg = customers.segment[orders.cust]
    lam = orders.value_factor * (1.0 + EXTRA_LINES[seg]) - 1.0
    n_lines = 1 + rng.poisson(np.maximum(lam, 0.0))
    o = np.repeat(np.arange(n), n_lines)
    first = np.cumsum(n_lines) - n_lines
    line_no = np.arange(len(o)) - np.repeat(first, n_lines) + 1
    lseg = seg[o]
    u = rng.random(len(o))
    cat = np.minimum((u[:, None] > np.cumsum(CATEGORY_BY_SEGMENT[lseg], axis=1)).sum(axis=1), len(CATEGORIES) - 1)
    prod = np.empty(len(o), dtype=np.int64)
    for c in range(len(CATEGORIES)):
        idx = np.flatnonzero(cat == c)
        pc = np.flatnonzero(products.category == c)
        prod[idx] = rng.choice(pc, size=len(idx), p=products.weight[pc])
    # quantities: units, with bulk buyers; cable by the metre (decimal)
    base = np.array([0.15, 1.5, 6.0])[lseg]
    qty = 1.0 + rng.poisson(base * np.where(cat == 3, 3.0, 1.0))
    metres = np.round(lognormal(rng, np.array([15.0, 60.0, 250.0])[lseg], 0.7, len(o)) * 2) / 2
    qty = np.where(cat == 4, np.maximum(metres, 1.0), np.where(cat == 5, 1.0, qty))
    year = (orders.t[o] // DAY).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    end_year = np.datetime64(int(timeline.end_day), "D").astype("datetime64[Y]").astype(np.int64)
    index = (1.0 + PRICE_INCREASE) ** (year - end_year)  # products hold today's list price
    seg_price = np.array([1.0, 0.99, 0.97])[lseg]
    price_uah = products.list_price[prod] * index * seg_price * np.exp(0.015 * rng.standard_normal(len(o)))
    rate = orders.fx[o]
    unit_price = np.round(price_uah / rate, 2)
    cost_uah = products.unit_cost[prod] * index * np.exp(0.03 * rng.standard_normal(len(o)))
    foreign = orders.currency[o] != 0
    cost_null = foreign | (rng.random(len(o)) < 0.3)  # fallback to products.unit_cost
    unit_cost = np.round(cost_uah, 2)
    # the cost the loader will use: the line's own cost, or the product's
    cost_used = np.where(cost_null, products.unit_cost[prod], unit_cost)
    gross = np.bincount(o, weights=qty * unit_price, minlength=n)
    cogs = np.bincount(o, weights=qty * cost_used, minlength=n)
    has_disc = rng.random(n) < DISCOUNT_SHARE[seg]
    lo, hi = DISCOUNT_RANGE[seg, 0], DISCOUNT_RANGE[seg, 1]
    disc_rate = np.where(has_disc, lo + (hi - lo) * rng.random(n), 0.0)
    orders.discount = np.round(gross * disc_rate, 2)
    orders.gross_uah = gross * orders.fx
    net = (gross - orders.discount) * orders.fx
    sign = np.select([orders.status == 0, orders.status == 2], [1.0, -1.0], 0.0)
    orders.net_uah = net * sign
    orders.cogs_uah = cogs * sign
    orders.disc_rate = disc_rate
    return {"order": o, "line_number": line_no, "product": prod, "quantity": qty,
            "unit_price": unit_price, "unit_cost": unit_cost, "unit_cost_null": cost_null}


# ---------------------------------------------------------------------------------------------
# Leads
# ---------------------------------------------------------------------------------------------
def _lead_shares(effects: Effects, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(won, lost for no response, still open) probabilities at ramp r. lost_lead_rate =
    no_response + stale open scales by its multiplier; conversion = won / closed rises by its delta."""
    lost_scale = effects.mult("lost_lead_rate", r)
    no_resp = NO_RESPONSE0 * lost_scale
    stale = STALE0 * lost_scale
    conv = WON0 / (1.0 - STALE0) + effects.add("lead_conversion_rate", r)
    won = np.clip(conv * (1.0 - stale), 0.0, 1.0 - no_resp - stale)
    return won, no_resp, stale


def build_leads(rng: np.random.Generator, timeline: Timeline, effects: Effects, staff: Staff,
                customers: Customers, orders: Orders, demand: Demand) -> dict:
    """Won leads start orders (a share of the orders of the window); the other leads (lost or
    still open) are spawned around the counterfactual order stream, so the lead volume does not
    depend on the CRM while its outcomes do."""
    n_o = len(orders)
    won_p, _, _ = _lead_shares(effects, orders.r)
    # --- won leads: one per linked order
    dur = lognormal(rng, LEAD_DURATION_MEDIAN_H * HOUR, 1.0, n_o)
    lag = rng.integers(0, 30 * 60, n_o)
    proc = dur * effects.mult("lead_processing_hours", orders.r)
    created_w = orders.t - lag - proc.astype(np.int64)
    # one won lead per demand order on average LEADS_WON_SHARE * won / WON0 (extra follow-up orders
    # never start from a lead; thinned demand is made up for by keep_p)
    link = (orders.demand >= 0) & (created_w >= timeline.start_ts) \
        & (rng.random(n_o) * orders.keep_p < LEADS_WON_SHARE * won_p / WON0)
    lw = np.flatnonzero(link)
    won_emp = orders.emp[lw].copy()
    gone = ~staff.active_on(created_w[lw] // DAY, won_emp)  # hired after the request came in: handed over
    if gone.any():
        won_emp[gone] = staff.pick(rng, created_w[lw][gone] // DAY, staff.dept[won_emp[gone]], "sales")
    won = {
        "created": created_w[lw], "closed": orders.t[lw] - lag[lw], "dur": dur[lw], "r": orders.r[lw],
        "emp": won_emp, "cust": orders.cust[lw], "status": np.zeros(len(lw), dtype=np.int64),
        "order": lw,
    }
    # --- other leads, spawned from every simulated order (warm-up included) with no CRM in the count
    won_dem, _, _ = _lead_shares(effects, demand.r)
    lam = LEADS_WON_SHARE * (1.0 - won_dem) / WON0
    k = rng.poisson(lam)
    src = np.repeat(np.arange(len(demand)), k)
    shift_weeks = rng.integers(0, 4, len(src))
    day = demand.t[src] // DAY + 7 * shift_weeks
    created_o = timeline.stamp(rng, day, "orders")
    ok = (created_o >= timeline.start_ts) & (created_o <= timeline.end_ts)
    src, created_o = src[ok], created_o[ok]
    cust_src = demand.cust[src]
    dept = region_dept(rng, customers.region[cust_src], SALES0)
    emp = staff.pick(rng, created_o // DAY, dept, "sales")
    r = effects.dept_ramp(created_o, staff.dept[emp])
    w, nr, st = _lead_shares(effects, r)
    u = rng.random(len(src)) * (1.0 - w)
    status = np.where(u < nr, 2, np.where(u < nr + st, 1, 3))  # 2 lost no_response, 1 stale open, 3 lost other
    prospect = (rng.random(len(src)) < 0.55) | (customers.created[cust_src] > created_o)
    dur_o = lognormal(rng, LEAD_DURATION_MEDIAN_H * HOUR, 1.0, len(src))
    other = {
        "created": created_o, "closed": created_o + (dur_o * effects.mult("lead_processing_hours", r)).astype(np.int64),
        "dur": dur_o, "r": r, "emp": emp, "cust": np.where(prospect, -1, cust_src), "status": status,
        "order": np.full(len(src), -1),
    }
    leads = {k2: np.concatenate([won[k2], other[k2]]) for k2 in won}
    n = len(leads["created"])
    # first response: a share of the (unscaled) processing time, scaled by its own effect
    frac = rng.beta(1.3, 10.0, n)
    fr = leads["created"] + (leads["dur"] * frac * effects.mult("lead_first_response_hours", leads["r"])).astype(np.int64)
    closed_ok = leads["status"] != 1
    fr = np.where(closed_ok, np.minimum(fr, leads["closed"]), fr)
    fr_null = (leads["status"] == 2) | ((leads["status"] == 1) & (rng.random(n) < 0.5))
    closed = leads["closed"]
    status_txt = np.where(leads["status"] == 0, LEAD_STATUSES.index("won"),
                          np.where(leads["status"] == 1, LEAD_STATUSES.index("open"), LEAD_STATUSES.index("lost")))
    reason = np.where(leads["status"] == 2, LOST_REASONS.index("no_response"),
                      rng.choice(len(LOST_REASONS), size=n, p=OTHER_LOST_P))
    closed_null = leads["status"] == 1
    # censoring at export time: not yet closed -> still open
    late = ~closed_null & (closed > timeline.end_ts)
    status_txt = np.where(late, LEAD_STATUSES.index("open"), status_txt)
    closed_null = closed_null | late
    reason_null = status_txt != LEAD_STATUSES.index("lost")
    fr_null = fr_null | (fr > timeline.end_ts)
    order = np.lexsort((leads["emp"], leads["created"]))
    channel = rng.choice(len(LEAD_CHANNELS), size=n, p=LEAD_CHANNEL_P)
    ids = make_ids("L", n, width=max(7, len(str(n))))
    out = {
        "lead_id": ids, "cust": leads["cust"][order], "channel": channel,
        "created_at": leads["created"][order], "emp": leads["emp"][order],
        "first_response_at": fr[order], "first_response_null": fr_null[order],
        "status": status_txt[order], "closed_at": closed[order], "closed_null": closed_null[order],
        "lost_reason": reason[order], "lost_reason_null": reason_null[order],
    }
    # the order each won lead started
    lead_of_order = np.full(n_o, -1, dtype=np.int64)
    src_order = leads["order"][order]
    has = src_order >= 0
    lead_of_order[src_order[has]] = np.flatnonzero(has)
    orders.lead_idx = lead_of_order
    return out


# ---------------------------------------------------------------------------------------------
# Sales targets
# ---------------------------------------------------------------------------------------------
def build_targets(rng: np.random.Generator, timeline: Timeline, staff: Staff, orders: Orders,
                  go_live_day: int) -> dict:
    """Monthly targets per sales employee, set the way a sales plan is: last year's run rate per
    person with the usual season and growth, stretched 5%, and not knowing about the CRM.
    Prorated for partial months of employment."""
    months = month_start_days(timeline.start_day, timeline.end_day)
    month_end = np.append(months[1:] - 1, timeline.end_day)
    sales = np.flatnonzero(staff.role == 0)
    emp = np.repeat(sales, len(months))
    mi = np.tile(np.arange(len(months)), len(sales))
    first, last = months[mi], month_end[mi]
    overlap = np.minimum(last, staff.term[emp]) - np.maximum(first, staff.hired[emp]) + 1
    ok = overlap > 0
    emp, mi, overlap = emp[ok], mi[ok], overlap[ok]
    share = overlap / (month_end[mi] - months[mi] + 1)
    # the plan's run rate: revenue per sales person-month before go-live, season and trend removed
    mid = months + 14
    season_trend = MONTH_FACTORS[month_index(months) % 12] * timeline.trend(mid)
    o_month = np.searchsorted(months, orders.t // DAY, side="right") - 1
    revenue = np.bincount(o_month, weights=orders.net_uah, minlength=len(months))
    heads = np.bincount(mi, weights=share, minlength=len(months))
    base = months < go_live_day
    run_rate = (revenue[base] / season_trend[base]).sum() / max(heads[base].sum(), 1e-9)
    target = run_rate * TARGET_STRETCH * season_trend[mi] * share * np.exp(0.08 * rng.standard_normal(len(emp)))
    return {"emp": emp, "month": months[mi], "target_amount": np.round(target, 2)}
