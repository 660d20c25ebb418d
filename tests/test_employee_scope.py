"""The employee scope on the real pipeline (issue 19): its CRM periods, its privacy setting both ways,
the serving file's view and the report's section.

Built from the hand-made core_small export (conftest.core_small_warehouse): six named employees, a staged
rollout (Sales 2024-09-01, Support 2024-10-01), CRM use from September 2024. The known answers on the
staff fixture's employees are in tests/test_kpi_staff.py (test_employee_*).

The setting show_employee_names is tested both ways: off (the default build of the session) and on, by
rebuilding the one model it changes (staging.stg_crm__employee_names) with the setting on, on a copy
(slow: dbt re-parses the project for other vars).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from conftest import copy_warehouse, dbt_target_path, query
from orchestration.dbt_runner import build
from orchestration.publish import publish
from orchestration.report import write_report
from orchestration.report.employees import distribution
from orchestration.settings import AnalysisSettings, SettingError

# slow (make test-slow; CI runs it): core_small has its own build, and one test builds it again with names shown
pytestmark = pytest.mark.slow

NAMES_ON = AnalysisSettings(show_employee_names=True)


@pytest.fixture(scope="module")
def names(core_small_warehouse) -> list[str]:
    found = [n for (n,) in query(core_small_warehouse, "select full_name from raw.employees where full_name is not null")]
    assert len(found) == 6  # otherwise the checks below would pass for the wrong reason
    return found


@pytest.fixture(scope="module")
def names_on_warehouse(core_small_warehouse, tmp_path_factory) -> Path:
    """core_small as built with show_employee_names true: the only model the setting changes, rebuilt."""
    db = copy_warehouse(core_small_warehouse, tmp_path_factory.mktemp("names_on"))
    build(NAMES_ON, select=["stg_crm__employee_names"], db_path=db,
          dbt_args=["--exclude-resource-type", "unit_test"], artifacts=dbt_target_path(NAMES_ON))
    return db


def _hits(db: Path, names: list[str], schemas: tuple[str, ...] | None = None, skip_schemas=("raw", "staging"),
          include_views: bool = True) -> list[str]:
    """'schema.relation.column' of every text column of ``db`` holding one of ``names``."""
    pattern = "|".join(re.escape(n) for n in names)
    kinds = "('BASE TABLE', 'VIEW')" if include_views else "('BASE TABLE')"
    with duckdb.connect(str(db), read_only=True) as con:
        columns = con.execute(
            f"""select c.table_schema, c.table_name, c.column_name
                from information_schema.columns as c
                join information_schema.tables as t using (table_catalog, table_schema, table_name)
                where c.table_catalog = current_database() and c.data_type = 'VARCHAR'
                  and t.table_type in {kinds}""").fetchall()
        hits = []
        for schema, table, column in columns:
            if (schemas and schema not in schemas) or schema in skip_schemas:
                continue
            count = con.execute(f'select count(*) from "{schema}"."{table}" where regexp_matches("{column}", ?)',
                                [pattern]).fetchone()[0]
            if count:
                hits.append(f"{schema}.{table}.{column}")
    return hits


def test_employee_rows_follow_their_department_s_periods(core_small_warehouse):
    rows = query(core_small_warehouse, """
        select r.month_start, r.crm_period, coalesce(d.crm_period, c.crm_period) as expected, c.crm_period
        from intermediate.int_kpi__records as r
        join staging.stg_crm__employees as e on e.employee_key = r.scope_value
        left join intermediate.int_calendar__month_periods as d
            on d.scope_type = 'department' and d.scope_value = e.department and d.month_start = r.month_start
        join intermediate.int_calendar__month_periods as c
            on c.scope_type = 'company' and c.month_start = r.month_start
        where r.scope_type = 'employee'""")
    assert rows and all(period == expected for _, period, expected, _ in rows)
    # December 2024: Sales is past its ramp-up, the company (Support still ramping up) is not
    assert any(period == "post" and company == "ramp_up" for _, period, _, company in rows)


def test_orphan_assignees_have_no_employee_row(core_small_warehouse):
    """Lead l8 is assigned to e99, who is not in employees: counted for the company, no employee row."""
    keys = {k for (k,) in query(core_small_warehouse, "select distinct scope_value from marts.mart_kpi_monthly "
                                                      "where scope_type = 'employee'")}
    known = {k for (k,) in query(core_small_warehouse, "select employee_key from marts.dim_employee_scope")}
    assert keys and keys <= known and len(known) == 6


def test_names_are_nowhere_past_staging_by_default(core_small_warehouse, names, tmp_path):
    assert _hits(core_small_warehouse, names) == []
    assert query(core_small_warehouse, "select count(*) from staging.stg_crm__employee_names") == [(0,)]
    # nor the CRM's own ids in the employee scope
    assert query(core_small_warehouse, "select count(*) from marts.mart_kpi_before_after where scope_type = 'employee' "
                                       "and scope_value in (select employee_id from raw.employees)") == [(0,)]
    serving = publish(core_small_warehouse, tmp_path / "serving.duckdb").serving_path
    assert _hits(serving, names, skip_schemas=()) == []  # tables and the bi views
    columns = [c for (c,) in query(serving, "select column_name from information_schema.columns "
                                            "where table_schema = 'bi' and table_name = 'kpi_employee_scorecard'")]
    assert "employee_key" in columns and "employee_name" not in columns
    for source in (core_small_warehouse, serving):  # asking for names does not bring them when not allowed
        page = write_report(source, tmp_path / "r.html", employee_names=True).read_text(encoding="utf-8")
        assert not any(n in page for n in names)
        assert "id='employees-named'" not in page


def test_names_only_in_the_bi_view_when_allowed(names_on_warehouse, names, tmp_path):
    assert _hits(names_on_warehouse, names) == []  # marts, intermediate, estimates: still none
    assert sorted(n for _, n in query(names_on_warehouse, "select * from staging.stg_crm__employee_names")) == sorted(names)
    serving = publish(names_on_warehouse, tmp_path / "serving.duckdb").serving_path
    assert _hits(serving, names, skip_schemas=(), include_views=False) == []  # no table of the serving file
    assert _hits(serving, names, skip_schemas=()) == ["bi.kpi_employee_scorecard.employee_name"]
    shown = dict(query(serving, "select distinct employee_key, employee_name from bi.kpi_employee_scorecard"))
    expected = dict(query(names_on_warehouse, "select e.employee_key, r.full_name from staging.stg_crm__employees e "
                                              "join raw.employees r using (employee_id)"))
    assert shown and all(expected[key] == name for key, name in shown.items())
    # the report: no names unless asked; asked, the per-employee table names them
    plain = write_report(serving, tmp_path / "plain.html").read_text(encoding="utf-8")
    assert not any(n in plain for n in names) and "id='employees-named'" not in plain
    named = write_report(serving, tmp_path / "named.html", employee_names=True).read_text(encoding="utf-8")
    assert "id='employees-named'" in named and all(name in named for name in shown.values())
    from_build = write_report(names_on_warehouse, tmp_path / "b.html", employee_names=True).read_text(encoding="utf-8")
    assert all(name in from_build for name in shown.values())


def test_report_tables_count_the_mart_s_verdicts(core_small_warehouse, tmp_path):
    page = write_report(core_small_warehouse, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "id='employees-by-department'" in page and "id='employees-distribution'" in page
    rows = query(core_small_warehouse, """
        select ba.metric_id, d.label_en, e.department, list(ba.verdict)
        from marts.mart_kpi_before_after ba
        join marts.dim_employee_scope e on e.employee_key = ba.scope_value
        join reference.kpi_definitions d using (metric_id)
        where ba.scope_type = 'employee' group by all""")
    assert rows
    for _, label, department, verdicts in rows:
        counts = distribution(verdicts)
        cells = "".join(f"<td class='num'>{v}</td>" for v in counts.values())
        assert f"<td>{department}</td>" in page and cells in page, (label, department, counts)
    # the anonymous table: one row per metric with all its employees
    per_metric = query(core_small_warehouse, "select d.label_en, count(*) from marts.mart_kpi_before_after ba join "
                                             "reference.kpi_definitions d using (metric_id) where ba.scope_type = "
                                             "'employee' group by all")
    for label, n in per_metric:
        assert f"<td class='name'>{label}</td><td class='num'>{n}</td>" in page


def test_distribution_counts_every_verdict_once():
    counts = distribution(["better", "better", "worse", "too little data", "unreliable", "not available"])
    assert counts == {"improved": 2, "no clear change": 0, "worsened": 1, "too little data": 1, "other": 2}


def test_the_setting_must_be_a_boolean():
    with pytest.raises(SettingError, match="show_employee_names"):
        AnalysisSettings(show_employee_names="yes")  # type: ignore[arg-type]
