"""One freshness policy for everything the daily schedule refreshes.

The schedule loads and builds every morning; an asset not refreshed for 26
hours is late (warn), for 36 hours overdue (fail). The UI shows both. One
policy for all, applied in one place (dagster-open-platform's habit), rather
than a policy per asset.
"""

import datetime as dt

import dagster as dg

from orchestration.catalog import family_ids

DAILY_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=dt.timedelta(hours=36),
    warn_window=dt.timedelta(hours=26),
)

# dbt asset groups that users read: facts, dimensions, the KPI marts and each
# KPI family's group (seeds/kpi_families.csv)
FRESHNESS_GROUPS = {"core", "kpi_marts", *family_ids()}
