"""Dagster's load config does not override what the export declares: without a timezone in the run
config, export.yml's source_timezone is the zone of the naive timestamps, as for `crm-impact load`.

The export is tests/fixtures/kpi_aov with `source_timezone: Europe/Kyiv`: order o1, created
2024-01-10T12:00:00 local (UTC+2 in winter), is stored as 10:00 UTC.
"""

from __future__ import annotations

import datetime as dt
import shutil

import dagster as dg
import pytest

from conftest import FIXTURES, query


@pytest.fixture
def kyiv_export(tmp_path):
    export = tmp_path / "export"
    shutil.copytree(FIXTURES / "kpi_aov", export)
    (export / "export.yml").write_text("exported_at: 2025-03-31\nsource_timezone: Europe/Kyiv\n", encoding="utf-8")
    return export


def _materialize(export, db, **config) -> None:
    from orchestration.defs.dbt_models import AnalysisSettingsResource
    from orchestration.defs.raw_tables import raw_crm_tables
    from orchestration.defs.resources import WarehouseResource

    result = dg.materialize(
        [raw_crm_tables],
        resources={"analysis_settings": AnalysisSettingsResource(), "warehouse": WarehouseResource(path=str(db))},
        run_config={"ops": {"raw_crm_tables": {"config": {"export_dir": str(export), **config}}}},
    )
    assert result.success


def test_the_timezone_is_not_given_by_default():
    from orchestration.defs.raw_tables import LoadConfig

    assert LoadConfig().source_timezone is None


def test_export_yml_source_timezone_wins_when_the_run_config_gives_none(kyiv_export, tmp_path):
    db = tmp_path / "crm.duckdb"
    _materialize(kyiv_export, db)
    assert query(db, "select distinct timezone from raw.load_log") == [("Europe/Kyiv",)]
    assert query(db, "select created_at from raw.orders where order_id = 'o1'") == [(dt.datetime(2024, 1, 10, 10),)]


def test_a_source_timezone_in_the_run_config_still_overrides_export_yml(kyiv_export, tmp_path):
    db = tmp_path / "crm.duckdb"
    _materialize(kyiv_export, db, source_timezone="UTC")
    assert query(db, "select distinct timezone from raw.load_log") == [("UTC",)]
    assert query(db, "select created_at from raw.orders where order_id = 'o1'") == [(dt.datetime(2024, 1, 10, 12),)]
