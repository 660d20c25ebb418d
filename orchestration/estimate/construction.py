"""Metrics whose monthly series drift by construction, whatever the CRM does (issue 15, item 8).

A model of "level + trend + season + step" credits such a drift to the CRM, so these metrics get no
estimate and no verdict ('not available'), with the reason. Found by reading the KPI definitions and by
running the estimator on exports without any effect (docs/methods.md, "Metrics without a verdict").

* customer_lifetime_months: the mean months from first to last order of customers who churned, counted in
  the month of their last order. Lifetimes can only start at the export's first month (earlier orders are
  not in the export), so the later a customer churns the longer the lifetime can be: the series rises by
  construction. And churn is only judged 12 months before the export's end, so the months after a
  go-live are few and cut off (censored).

Retention (retention_rate) needs no entry here: the mart computes it only once both 12-month windows lie
inside the order history, so with a short history it has no months before the go-live and the ordinary
minimum-history rule says 'not available' or 'too little data'; where it has them, its windows are
complete and it does not drift by construction.
"""

from __future__ import annotations

DRIFTS_BY_CONSTRUCTION: dict[str, str] = {
    "customer_lifetime_months": "customer lifetime is censored by the export: lifetimes start at its first "
                                "month and churn is judged 12 months before its end",
}
