"""Tables built one part at a time (macros/table_in_parts.sql, issue 20) hold exactly what their SQL gives.

On DuckDB int_kpi__monthly and int_kpi__period_values are built one scope type at a time, in one
statement each, so that a scale-30 build fits the default memory cap. Two things make that safe: the
parts are every scope type int_kpi__records attaches (a type missing from the list would be missing
from the table), and the table equals the model's SQL run in one statement, row for row. The second is
checked on the core_small fixture, which has every scope type: company, department, region, rollout
waves (a staged rollout) and employees.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from conftest import dbt_target_path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILT_IN_PARTS = {"int_kpi__monthly": ("month_start", "metric_id", "scope_type", "scope_value", "crm_period"),
                  "int_kpi__period_values": ("metric_id", "scope_type", "scope_value", "crm_period")}


def _listed_scope_types() -> list[str]:
    text = (PROJECT_ROOT / "macros" / "table_in_parts.sql").read_text(encoding="utf-8")
    body = re.search(r"macro kpi_scope_types\(\).*?return\(\[(.*?)\]\)", text, re.S)
    assert body, "kpi_scope_types() not found"
    return re.findall(r"'(\w+)'", body.group(1))


def test_the_parts_are_every_scope_type_the_records_attach():
    records = (PROJECT_ROOT / "models" / "intermediate" / "kpi" / "int_kpi__records.sql").read_text(encoding="utf-8")
    attached = re.findall(r"'(\w+)' as scope_type", records)
    assert len(attached) >= 5
    assert sorted(set(attached)) == sorted(_listed_scope_types())
    for model in BUILT_IN_PARTS:
        sql = (PROJECT_ROOT / "models" / "intermediate" / "kpi" / f"{model}.sql").read_text(encoding="utf-8")
        assert "parts=kpi_scope_types()" in sql and "part_column='scope_type'" in sql


@pytest.mark.slow
@pytest.mark.parametrize("model", sorted(BUILT_IN_PARTS))
def test_a_table_built_in_parts_equals_its_sql_run_whole(core_small_warehouse, model):
    target = dbt_target_path()
    node = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["nodes"][f"model.crm_impact.{model}"]
    assert node["config"]["materialized"] == "table_in_parts"
    # the build's second step rewrites the manifest without these models' SQL; the first step compiled it
    compiled = (target / "compiled" / "crm_impact" / node["original_file_path"]).read_text(encoding="utf-8")
    keys = BUILT_IN_PARTS[model]
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{core_small_warehouse}' AS crm (READ_ONLY)")
        con.execute("USE crm")
        con.execute(f"CREATE TEMP TABLE whole AS {compiled}")
        scope_types = {t for (t,) in con.execute("SELECT DISTINCT scope_type FROM whole").fetchall()}
        assert scope_types == set(_listed_scope_types())  # the fixture exercises every part
        built, whole = (con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                        for t in (f"intermediate.{model}", "whole"))
        assert built == whole > 0
        columns = [c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'whole' ORDER BY ordinal_position"
        ).fetchall()]
        same_key = " AND ".join(f"b.{k} IS NOT DISTINCT FROM w.{k}" for k in keys)
        # equal, numbers within 1e-9 relative (sums in another order differ in the last bits)
        differs = " OR ".join(
            f"NOT (b.{c} IS NOT DISTINCT FROM w.{c} OR abs(b.{c} - w.{c}) <= 1e-9 * greatest(abs(w.{c}), 1e-12))"
            if kind in ("DOUBLE", "FLOAT") or kind.startswith("DECIMAL") else f"b.{c} IS DISTINCT FROM w.{c}"
            for c, kind in con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                       "WHERE table_name = 'whole' ORDER BY ordinal_position").fetchall()
            if c not in keys)
        matched, mismatched = con.execute(
            f"SELECT count(*), count(*) FILTER ({differs}) FROM intermediate.{model} AS b "
            f"INNER JOIN whole AS w ON {same_key}").fetchone()
        assert (matched, mismatched) == (whole, 0), columns
