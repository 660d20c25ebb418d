"""The engine comparison and the raw Parquet export, without Spark: a fake
Spark home made of the DuckDB marts themselves must compare equal, and each
kind of disagreement (a changed number, a changed label, a missing row, a
missing column) must be reported. This is what makes `make test-spark`'s
"marts are equal" meaningful."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.contract import TABLES
from orchestration.spark import MART_KEYS, compare_marts, write_raw_parquet
from orchestration.spark.compare import spark_table_path
from tests.conftest import query


def _fake_spark_home(db: Path, home: Path, edit: str | None = None) -> Path:
    """Copy the marts of a DuckDB build where a Spark build would write them, after an optional edit."""
    with duckdb.connect(str(db), read_only=True) as con:
        for mart in MART_KEYS:
            folder = spark_table_path(home, "marts", mart)
            folder.mkdir(parents=True, exist_ok=True)
            con.execute(f"create or replace temp table copy as select * from marts.{mart}")
            if edit and edit.startswith(mart + ":"):
                con.execute(edit.split(":", 1)[1])
            con.execute(f"copy copy to '{folder / 'part-00000.parquet'}' (format parquet)")
    return home


def test_identical_marts_compare_equal(aov_warehouse, tmp_path):
    home = _fake_spark_home(aov_warehouse, tmp_path / "spark")
    assert compare_marts(aov_warehouse, home) == []


def test_a_number_beyond_tolerance_is_reported_and_one_within_is_not(aov_warehouse, tmp_path):
    metric, month = query(aov_warehouse, "select metric_id, month_start from marts.mart_kpi_monthly "
                                         "where metric_id = 'average_order_value' and metric_value > 0 "
                                         "and scope_type = 'company' order by month_start limit 1")[0]
    where = f"metric_id = '{metric}' and month_start = '{month}' and scope_type = 'company'"
    home = _fake_spark_home(aov_warehouse, tmp_path / "far",
                            f"mart_kpi_monthly:update copy set metric_value = metric_value * (1 + 1e-6) where {where}")
    differences = compare_marts(aov_warehouse, home)
    assert [(d.mart, d.column) for d in differences] == [("mart_kpi_monthly", "metric_value")]
    assert differences[0].key == f"{month} | {metric} | company | all"

    near = _fake_spark_home(aov_warehouse, tmp_path / "near",
                            f"mart_kpi_monthly:update copy set metric_value = metric_value * (1 + 1e-12) where {where}")
    assert compare_marts(aov_warehouse, near) == []


def test_a_changed_label_a_missing_row_and_a_missing_column_are_reported(aov_warehouse, tmp_path):
    home = _fake_spark_home(aov_warehouse, tmp_path / "label",
                            "mart_kpi_before_after:update copy set status = 'changed' "
                            "where metric_id = 'average_order_value' and scope_type = 'company'")
    assert [(d.column, d.duckdb_value != d.spark_value) for d in compare_marts(aov_warehouse, home)] == [("status", True)]

    home = _fake_spark_home(aov_warehouse, tmp_path / "row",
                            "mart_kpi_before_after:delete from copy where metric_id = 'average_order_value' "
                            "and scope_type = 'company'")
    differences = compare_marts(aov_warehouse, home)
    assert [(d.key, d.column, d.spark_value) for d in differences] == [
        ("average_order_value | company | all", "<row>", None)]

    home = _fake_spark_home(aov_warehouse, tmp_path / "column",
                            "mart_kpi_before_after:alter table copy drop column status_reason")
    assert [(d.key, d.column) for d in compare_marts(aov_warehouse, home)] == [("<schema>", "status_reason")]


def test_raw_parquet_holds_every_loaded_row_of_every_contract_table(aov_warehouse, tmp_path):
    written = write_raw_parquet(aov_warehouse, tmp_path / "raw")
    assert sorted(written) == sorted(t.name for t in TABLES)
    with duckdb.connect() as con:
        for table, rows in written.items():
            assert rows == query(aov_warehouse, f"select count(*) from raw.{table}")[0][0]
            assert con.execute(f"select count(*) from read_parquet('{tmp_path / 'raw' / table}/*.parquet')"
                               ).fetchone()[0] == rows
    assert written["orders"] > 0


def test_raw_parquet_needs_a_loaded_warehouse(tmp_path):
    with pytest.raises(FileNotFoundError, match="crm-impact load"):
        write_raw_parquet(tmp_path / "nothing.duckdb", tmp_path / "raw")


def test_cli_load_with_spark_writes_the_raw_parquet(tmp_path, monkeypatch, capsys):
    from orchestration.cli import main

    monkeypatch.setenv("CRM_IMPACT_DB", str(tmp_path / "crm.duckdb"))
    monkeypatch.setenv("CRM_IMPACT_SPARK_HOME", str(tmp_path / "spark"))
    assert main(["load", str(Path(__file__).parent / "fixtures" / "kpi_aov"), "--spark"]) == 0
    assert "Wrote the raw layer for Spark" in capsys.readouterr().out
    with duckdb.connect() as con:
        assert con.execute(f"select count(*) from read_parquet('{tmp_path}/spark/raw/orders/*.parquet')").fetchone()[0] \
            == query(tmp_path / "crm.duckdb", "select count(*) from raw.orders")[0][0] > 0


def test_cli_compare_engines_exits_1_and_names_the_difference(aov_warehouse, tmp_path, monkeypatch, capsys):
    from orchestration.cli import main

    monkeypatch.setenv("CRM_IMPACT_DB", str(aov_warehouse))
    monkeypatch.setenv("CRM_IMPACT_SPARK_HOME", str(_fake_spark_home(aov_warehouse, tmp_path / "same")))
    assert main(["compare-engines"]) == 0
    assert "are equal" in capsys.readouterr().out

    monkeypatch.setenv("CRM_IMPACT_SPARK_HOME", str(_fake_spark_home(
        aov_warehouse, tmp_path / "other",
        "mart_kpi_before_after:update copy set status = 'changed' where metric_id = 'average_order_value' "
        "and scope_type = 'company'")))
    assert main(["compare-engines"]) == 1
    assert "average_order_value | company | all] status" in capsys.readouterr().err
