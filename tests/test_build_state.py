"""A build with nothing new is skipped (orchestration/build_state.py), and any change to what a build
reads - the raw data, the code, the settings - makes the next build run.

On a copy of the AOV fixture's warehouse, built by this session with the loader and ``build``."""

from __future__ import annotations

import shutil
import time

import duckdb

from conftest import FIXTURES, copy_warehouse, dbt_target_path
from orchestration import build_state
from orchestration.dbt_runner import build
from orchestration.paths import PROJECT_ROOT

# the arguments of the session's fixture builds (conftest.load_and_build)
FIXTURE_ARGS = ["--exclude-resource-type", "unit_test"]
FIXTURE_RUN = " ".join(["{}", *FIXTURE_ARGS])


def test_the_build_records_what_it_read(aov_warehouse):
    with duckdb.connect(str(aov_warehouse), read_only=True) as con:
        steps = con.execute("select step from ops.build_log").fetchall()
    assert steps == [("complete",)]
    assert build_state.is_up_to_date(aov_warehouse, FIXTURE_RUN)


def test_a_build_with_nothing_new_is_skipped(aov_warehouse, tmp_path, capsys):
    db = copy_warehouse(aov_warehouse, tmp_path / "copy")
    started = time.perf_counter()
    assert build(db_path=db, dbt_args=FIXTURE_ARGS, artifacts=dbt_target_path()) is False
    assert time.perf_counter() - started < 5  # a full build of this fixture takes about a minute
    assert "Nothing new since the last build" in capsys.readouterr().out


def test_loading_the_same_export_again_changes_nothing_a_build_reads(aov_warehouse, tmp_path):
    from orchestration.load import load_export

    db = copy_warehouse(aov_warehouse, tmp_path / "copy")
    report = load_export(FIXTURES / "kpi_aov", db)
    assert {t.status for t in report.tables} <= {"unchanged", "absent"}
    assert build_state.is_up_to_date(db, FIXTURE_RUN)


def test_a_raw_change_around_the_loader_makes_the_warehouse_stale(aov_warehouse, tmp_path):
    db = copy_warehouse(aov_warehouse, tmp_path / "copy")
    with duckdb.connect(str(db)) as con:
        con.execute("delete from raw.orders where order_id = 'o8'")
    assert not build_state.is_up_to_date(db, FIXTURE_RUN)


def test_a_new_load_makes_the_warehouse_stale(aov_warehouse, tmp_path):
    from orchestration.load import load_export

    export = tmp_path / "export"
    shutil.copytree(FIXTURES / "kpi_aov", export)
    orders = export / "orders.csv"
    lines = orders.read_text(encoding="utf-8").splitlines()
    orders.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # one order fewer: the file changed
    db = copy_warehouse(aov_warehouse, tmp_path / "copy")
    report = load_export(export, db)
    assert next(t for t in report.tables if t.table == "orders").status == "loaded"
    assert not build_state.is_up_to_date(db, FIXTURE_RUN)


def test_other_settings_or_arguments_make_the_warehouse_stale(aov_warehouse):
    assert not build_state.is_up_to_date(aov_warehouse, '{"go_live_date": "2025-02-01"}')
    assert not build_state.is_up_to_date(aov_warehouse, "{}")  # without the fixture's dbt arguments


def test_the_code_digest_changes_with_any_model(tmp_path):
    for entry in build_state.CODE_PATHS:
        source = PROJECT_ROOT / entry
        if source.is_dir():
            shutil.copytree(source, tmp_path / entry, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (tmp_path / entry).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, tmp_path / entry)
    before = build_state.code_digest(tmp_path)
    assert before == build_state.code_digest(PROJECT_ROOT)
    model = tmp_path / "models" / "marts" / "mart_kpi_monthly.sql"
    model.write_text(model.read_text(encoding="utf-8") + "\n-- a change\n", encoding="utf-8")
    assert build_state.code_digest(tmp_path) != before


def test_a_warehouse_whose_marts_are_gone_is_built_again(aov_warehouse, tmp_path):
    db = copy_warehouse(aov_warehouse, tmp_path / "copy")
    with duckdb.connect(str(db)) as con:
        con.execute("drop table marts.mart_kpi_before_after")
    assert not build_state.is_up_to_date(db, FIXTURE_RUN)
