"""Service: customer requests (tickets) and survey answers (CSAT, NPS).

Why this model: service KPIs are medians of durations, shares of outcomes and answer scores.
Tickets follow orders (questions about delivery, payment, returns) a few days later, with the
service weekday profile, so their volume has the business's trend and seasons but does not
depend on the CRM. The CRM changes how they are handled:

* first response durations (log-normal by channel) are scaled,
* the probability that a closed ticket was resolved rises,
* fewer tickets are followed by a repeat contact (same customer and category within 7 days):
  repeats are generated as chains, and primaries are thinned so the total volume stays put,
* survey answers are mixed with a better answer distribution, which moves the mean CSAT and
  the NPS by exactly the configured delta.
"""

from __future__ import annotations

import numpy as np

from orchestration.contract import TICKET_STATUSES

from .effects import Effects
from .ids import make_ids
from .people import SUPPORT0, Staff, region_dept
from .sales import Customers, Demand, Orders
from .timeline import DAY, HOUR, Timeline, lognormal

TICKETS_PER_ORDER = np.array([0.40, 0.55, 0.80])  # per counterfactual order, by segment
TICKET_DELAY_DAYS = 3.0  # median days from the order to the question
TICKET_CATEGORIES = ("delivery", "payment", "product_quality", "returns", "technical_support", "account")
TICKET_CATEGORY_P = np.array([0.30, 0.15, 0.20, 0.10, 0.15, 0.10])
TICKET_CHANNELS = ("phone", "email", "chat", "messenger")
TICKET_CHANNEL_P = np.array([0.35, 0.25, 0.25, 0.15])
FIRST_RESPONSE_MEDIAN_MIN = np.array([3.0, 180.0, 6.0, 25.0])  # per channel
FIRST_RESPONSE_SIGMA = 1.1
RESOLVE_MEDIAN_H, RESOLVE_SIGMA = 20.0, 1.3
REPEAT0 = 0.13  # share of tickets followed by a repeat contact within 7 days, without the CRM
REPEAT_BACKGROUND = 0.0  # measured share of tickets followed by a coincidental same-topic ticket
REPEAT_GAP_MEDIAN_H = 40.0
RESOLVED0 = 0.80  # resolved among closed tickets, without the CRM
STALE_OPEN = 0.02  # tickets that are never closed

TICKET_SURVEY_P, ORDER_SURVEY_P = 0.22, 0.06
CSAT_P0 = np.array([0.06, 0.08, 0.14, 0.34, 0.38])  # scores 1..5, mean 3.90
CSAT_HI = np.array([0.0, 0.0, 0.02, 0.18, 0.80])  # mean 4.78
CSAT_LO = np.array([0.50, 0.30, 0.20, 0.0, 0.0])
NPS_P0 = np.array([0.02, 0.01, 0.02, 0.03, 0.04, 0.08, 0.10, 0.14, 0.16, 0.18, 0.22])  # NPS +10
NPS_HI = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.01, 0.02, 0.05, 0.07, 0.25, 0.60])  # NPS +82
NPS_LO = np.array([0.20, 0.15, 0.15, 0.15, 0.10, 0.10, 0.10, 0.05, 0.0, 0.0, 0.0])  # NPS -100 + ...


def _nps(p: np.ndarray) -> float:
    return 100.0 * (p[9:].sum() - p[:7].sum())


def _mixed_scores(rng: np.random.Generator, delta: np.ndarray, p0: np.ndarray, hi: np.ndarray,
                  lo: np.ndarray, value) -> np.ndarray:
    """Scores whose expected summary ``value(p)`` is value(p0) + delta: a share
    alpha = delta / (value(hi) - value(p0)) of the answers comes from the better distribution."""
    base = value(p0)
    alpha_up = np.clip(delta / (value(hi) - base), 0.0, 1.0)
    alpha_down = np.clip(-delta / (base - value(lo)), 0.0, 1.0)
    n = len(delta)
    u = rng.random(n)
    use_hi = u < alpha_up
    use_lo = u < alpha_down
    cum0, cumh, cuml = np.cumsum(p0), np.cumsum(hi), np.cumsum(lo)
    v = rng.random(n)
    s0 = np.searchsorted(cum0, v * cum0[-1], side="right")
    sh = np.searchsorted(cumh, v * cumh[-1], side="right")
    sl = np.searchsorted(cuml, v * cuml[-1], side="right")
    return np.where(use_hi, sh, np.where(use_lo, sl, s0))


def _repeat_p(effects: Effects, r: np.ndarray) -> np.ndarray:
    """Probability that a ticket gets a repeat contact. Some tickets are followed within 7 days
    by an unrelated ticket of the same customer and category anyway (REPEAT_BACKGROUND); the
    generated repeats make up for it so the measured rate moves by the multiplier."""
    m = effects.mult("repeat_contact_rate", r)
    return np.clip(REPEAT0 * m + (m - 1.0) * REPEAT_BACKGROUND, 0.0, 1.0)


def build_tickets(rng: np.random.Generator, timeline: Timeline, effects: Effects, staff: Staff,
                  customers: Customers, demand: Demand) -> dict:
    seg = customers.segment[demand.cust]
    k = rng.poisson(TICKETS_PER_ORDER[seg])
    src = np.repeat(np.arange(len(demand)), k)
    # tickets about the same order are about different topics (else they would be one ticket)
    j = np.arange(len(src)) - np.repeat(np.cumsum(k) - k, k)
    cat = (rng.choice(len(TICKET_CATEGORIES), size=len(demand), p=TICKET_CATEGORY_P)[src] + j) % len(TICKET_CATEGORIES)
    delay = lognormal(rng, TICKET_DELAY_DAYS, 0.9, len(src))
    day = timeline.shift_days("service", demand.t[src] // DAY, delay)
    ok = (day >= timeline.start_day) & (day <= timeline.end_day)
    src, day, cat = src[ok], day[ok], cat[ok]
    t = timeline.stamp(rng, day, "service")
    cust = demand.cust[src]
    emp = staff.pick(rng, day, region_dept(rng, customers.region[cust], SUPPORT0), "support")
    r = effects.dept_ramp(t, staff.dept[emp])
    repeat_p = _repeat_p(effects, r)
    primary = rng.random(len(t)) >= repeat_p  # thinning keeps the total volume at the counterfactual
    cust, t, emp, r, cat = cust[primary], t[primary], emp[primary], r[primary], cat[primary]
    parts = [(cust, t, emp, cat)]
    cur = (cust, t, emp, cat, r)
    while len(cur[0]):  # one iteration per repeat generation (geometric, a handful)
        c, tt, e, ca, rr = cur
        follow = rng.random(len(c)) < _repeat_p(effects, rr)
        gap = np.minimum(lognormal(rng, REPEAT_GAP_MEDIAN_H * HOUR, 0.7, int(follow.sum())), 6.5 * DAY)
        c2, t2, e2, ca2 = c[follow], tt[follow] + gap.astype(np.int64), e[follow], ca[follow]
        keep = t2 <= timeline.end_ts
        c2, t2, e2, ca2 = c2[keep], t2[keep], e2[keep], ca2[keep]
        gone = ~staff.active_on(t2 // DAY, e2)
        if gone.any():
            e2[gone] = staff.pick(rng, t2[gone] // DAY, staff.dept[e2[gone]], "support")
        parts.append((c2, t2, e2, ca2))
        cur = (c2, t2, e2, ca2, effects.dept_ramp(t2, staff.dept[e2]))
    cust = np.concatenate([p[0] for p in parts])
    t = np.concatenate([p[1] for p in parts])
    emp = np.concatenate([p[2] for p in parts])
    cat = np.concatenate([p[3] for p in parts])
    order = np.lexsort((cust, t))
    cust, t, emp, cat = cust[order], t[order], emp[order], cat[order]
    n = len(t)
    r = effects.dept_ramp(t, staff.dept[emp])
    channel = rng.choice(len(TICKET_CHANNELS), size=n, p=TICKET_CHANNEL_P)
    fr = t + (lognormal(rng, FIRST_RESPONSE_MEDIAN_MIN[channel] * 60.0, FIRST_RESPONSE_SIGMA, n)
              * effects.mult("first_response_minutes", r)).astype(np.int64)
    resolved_p = np.clip(RESOLVED0 + effects.add("resolution_rate", r), 0.0, 1.0)
    u = rng.random(n)
    stale = u < STALE_OPEN
    resolved = ~stale & (rng.random(n) < resolved_p)
    status = np.where(stale, TICKET_STATUSES.index("open"),
                      np.where(resolved, TICKET_STATUSES.index("resolved"), TICKET_STATUSES.index("closed_unresolved")))
    closed = fr + lognormal(rng, RESOLVE_MEDIAN_H * HOUR, RESOLVE_SIGMA, n).astype(np.int64)
    late = closed > timeline.end_ts
    status = np.where(late, TICKET_STATUSES.index("open"), status)
    closed_null = stale | late
    return {"ticket_id": make_ids("T", n, width=max(7, len(str(n)))), "cust": cust, "channel": channel,
            "category": cat, "opened_at": t, "first_response_at": fr, "first_response_null": fr > timeline.end_ts,
            "resolved_at": closed, "resolved_null": closed_null, "status": status, "emp": emp}


def build_surveys(rng: np.random.Generator, timeline: Timeline, effects: Effects, staff: Staff,
                  tickets: dict, orders: Orders) -> dict:
    """Answers after closed tickets (CSAT, sometimes NPS) and after completed orders (NPS,
    sometimes CSAT); the CRM timing follows the ticket's or the order's employee."""
    closed = np.flatnonzero(~tickets["resolved_null"] & (rng.random(len(tickets["opened_at"])) < TICKET_SURVEY_P))
    t_resp = tickets["resolved_at"][closed] + lognormal(rng, 5 * HOUR, 1.0, len(closed)).astype(np.int64)
    ok = t_resp <= timeline.end_ts
    closed, t_resp = closed[ok], t_resp[ok]
    done = np.flatnonzero((orders.status == 0) & (rng.random(len(orders)) < ORDER_SURVEY_P))
    o_resp = orders.t[done] + lognormal(rng, 8 * DAY, 0.4, len(done)).astype(np.int64)
    ok = o_resp <= timeline.end_ts
    done, o_resp = done[ok], o_resp[ok]
    n_t, n_o = len(closed), len(done)
    resp = np.concatenate([t_resp, o_resp])
    cust = np.concatenate([tickets["cust"][closed], orders.cust[done]])
    dept = np.concatenate([staff.dept[tickets["emp"][closed]], orders.dept[done]])
    ticket = np.concatenate([closed, np.full(n_o, -1)])
    order_ = np.concatenate([np.full(n_t, -1), done])
    r = effects.dept_ramp(resp, dept)
    n = n_t + n_o
    csat = 1 + _mixed_scores(rng, effects.add("csat_score", r), CSAT_P0, CSAT_HI, CSAT_LO,
                             lambda p: float((np.arange(1, 6) * p).sum() / p.sum()))
    nps = _mixed_scores(rng, effects.add("nps", r), NPS_P0, NPS_HI, NPS_LO, _nps)
    is_ticket = np.arange(n) < n_t
    csat_null = ~is_ticket & (rng.random(n) >= 0.4)
    nps_null = is_ticket & (rng.random(n) >= 0.35)
    order = np.lexsort((cust, resp))
    return {"response_id": make_ids("S", n, width=max(6, len(str(n)))), "cust": cust[order],
            "ticket": ticket[order], "order": order_[order], "responded_at": resp[order],
            "csat_score": csat[order], "csat_null": csat_null[order],
            "nps_score": nps[order], "nps_null": nps_null[order]}
