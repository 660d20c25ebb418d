"""Every metric of seeds/kpi_definitions.csv (catalog metrics and companions)
has hand-computed values in one of the hand-made fixture tests
(tests/test_kpi_<family>.py, fixtures in tests/fixtures/kpi_<family>/; the
business-hours twins in tests/test_business_hours.py)."""

from __future__ import annotations

import csv

import test_business_hours
import test_kpi_adoption
import test_kpi_customer_base
import test_kpi_financial
import test_kpi_process
import test_kpi_service
import test_kpi_staff
from conftest import PROJECT_ROOT


def test_every_seeded_metric_has_a_hand_made_fixture():
    with (PROJECT_ROOT / "seeds" / "kpi_definitions.csv").open(encoding="utf-8") as f:
        seeded = {row["metric_id"] for row in csv.DictReader(f)}
    covered = {"crm_adoption_rate", "crm_payback_months", "crm_roi"}  # test_kpi_adoption, test_kpi_payback
    for module in (test_kpi_financial, test_kpi_process, test_kpi_service, test_kpi_staff, test_kpi_customer_base,
                   test_business_hours):
        covered |= set(module.MONTHLY) | {metric for metric, *_ in module.BEFORE_AFTER}
    assert covered == seeded
    assert test_kpi_adoption  # imported so that a renamed module fails here
