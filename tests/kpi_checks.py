"""Reading the KPI marts in the hand-made fixture tests (tests/test_kpi_*.py).

Expected values are written as plain numbers in the tests (worked out in each
fixture's README.md); these helpers read the marts into the same shape.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import query
from orchestration.settings import AnalysisSettings

# The period layout of the small fixtures: go-live 2024-03-01 and a 31-day
# ramp-up, so 2024-03 is ramp-up and the post period starts 2024-04; a two-
# month baseline (2024-01, 2024-02); anything older is "outside".
SMALL_LAYOUT = AnalysisSettings(crm_go_live_date="2024-03-01", crm_ramp_up_days=31, crm_baseline_months=2)


def _approx(value):
    return None if value is None else pytest.approx(value, rel=1e-9, abs=1e-9)


def monthly(db: Path, metric_id: str, scope_type: str = "company", scope_value: str = "all") -> dict:
    """{'YYYY-MM': (crm_period, metric_value)} of mart_kpi_monthly for one metric and scope."""
    rows = query(
        db,
        """select month_start, crm_period, metric_value from marts.mart_kpi_monthly
           where metric_id = ? and scope_type = ? and scope_value = ? order by month_start""",
        [metric_id, scope_type, scope_value],
    )
    return {month.strftime("%Y-%m"): (period, value) for month, period, value in rows}


def expected_monthly(series: dict) -> dict:
    """The same shape with numbers compared approximately (None stays None)."""
    return {month: (period, _approx(value)) for month, (period, value) in series.items()}


def before_after(db: Path, metric_id: str, scope_type: str = "company", scope_value: str = "all") -> dict:
    """The mart_kpi_before_after row of one metric and scope, as a dict."""
    with_names = query(
        db,
        """select * from marts.mart_kpi_before_after
           where metric_id = ? and scope_type = ? and scope_value = ?""",
        [metric_id, scope_type, scope_value],
    )
    assert len(with_names) == 1, (metric_id, scope_type, scope_value, with_names)
    columns = [
        name
        for (name,) in query(
            db,
            """select column_name from information_schema.columns
               where table_schema = 'marts' and table_name = 'mart_kpi_before_after' order by ordinal_position""",
        )
    ]
    return dict(zip(columns, with_names[0]))


def assert_before_after(db: Path, metric_id: str, scope_type: str, scope_value: str, baseline, post) -> dict:
    """Baseline and post value of a metric in a scope equal the hand-computed ones; returns the row."""
    row = before_after(db, metric_id, scope_type, scope_value)
    assert (row["baseline_value"], row["post_value"]) == (_approx(baseline), _approx(post)), row
    if baseline is not None and post is not None:
        assert row["status"] == "ok"
        assert row["raw_change"] == pytest.approx(post - baseline, abs=1e-9)
    else:
        assert row["status"] == "not_available" and row["status_reason"], row
    return row
