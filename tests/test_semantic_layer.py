"""The MetricFlow semantic layer answers, and agrees with the marts."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, query

MF = str(Path(sys.executable).parent / "mf")


def run_mf(db_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CRM_IMPACT_DB=str(db_path))
    return subprocess.run([MF, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_validate_configs(aov_warehouse):
    result = run_mf(aov_warehouse, "validate-configs")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mf_query_equals_the_monthly_mart(aov_warehouse, tmp_path):
    out = tmp_path / "aov.csv"
    result = run_mf(aov_warehouse, "query", "--metrics", "average_order_value",
                    "--group-by", "metric_time__month", "--csv", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    with out.open() as f:
        from_mf = {
            dt.date.fromisoformat(row["metric_time__month"][:10]): float(row["average_order_value"])
            for row in csv.DictReader(f)
            if row["average_order_value"] not in ("", "None")
        }
    from_mart = dict(query(aov_warehouse, "select month_start, metric_value from marts.mart_kpi_monthly "
                                         "where metric_id = 'average_order_value' and scope_type = 'company'"))
    assert from_mf.keys() == from_mart.keys()
    for month, value in from_mart.items():
        assert from_mf[month] == pytest.approx(value), month
