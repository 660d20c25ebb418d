"""Counts reconcile raw -> staging -> facts for every table of the contract.

Every row the loader put into raw reaches its staging model and its fact or
dimension, once: the keys are the same sets in all three layers (nothing
lost, nothing duplicated), orphans and cancelled records included. Checked on
the two hand-made exports: kpi_aov (only the required tables and a few
optional ones; the rest are empty) and core_small (every table).

The same reconciliation is a dbt test per table (tests/dbt/reconcile_<table>.sql),
so that every build runs it and Dagster shows it as a check of the fact. The
tests below check it twice: here in Python, independently of the dbt SQL, and
that the dbt tests ran and passed in the build - and fail when a fact loses or
doubles a row.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from conftest import build_results, copy_warehouse, dbt_target_path, query
from orchestration.contract import TABLES

# raw table -> (staging model, key in staging, final relation in marts, key there)
LAYERS: dict[str, tuple[str, tuple[str, ...], str | None, tuple[str, ...]]] = {
    "customers": ("stg_crm__customers", ("customer_id",), "dim_customers", ("customer_id",)),
    "employees": ("stg_crm__employees", ("employee_id",), "dim_employees", ("employee_id",)),
    "products": ("stg_crm__products", ("product_id",), "dim_products", ("product_id",)),
    "leads": ("stg_crm__leads", ("lead_id",), "fct_leads", ("lead_id",)),
    "orders": ("stg_crm__orders", ("order_id",), "fct_orders", ("order_id",)),
    "order_items": ("stg_crm__order_items", ("order_id", "line_number"), "fct_order_items", ("order_id", "line_number")),
    "tickets": ("stg_crm__tickets", ("ticket_id",), "fct_tickets", ("ticket_id",)),
    "surveys": ("stg_crm__surveys", ("response_id",), "fct_surveys", ("response_id",)),
    "documents": ("stg_crm__documents", ("document_id",), "fct_documents", ("document_id",)),
    "approvals": ("stg_crm__approvals", ("approval_id",), "fct_approvals", ("approval_id",)),
    "activities": ("stg_crm__activities", ("activity_id",), "fct_activities", ("activity_id",)),
    "sales_targets": ("stg_crm__sales_targets", ("employee_id", "target_month"), "fct_sales_targets",
                      ("employee_id", "target_month")),
    "operating_expenses": ("stg_crm__operating_expenses", ("expense_id",), "fct_operating_expenses", ("expense_id",)),
    "crm_costs": ("stg_crm__crm_costs", ("cost_id",), "fct_crm_costs", ("cost_id",)),
    "crm_usage": ("stg_crm__crm_usage", ("employee_id", "usage_date"), "fct_crm_usage", ("employee_id", "usage_date")),
    # the rollout dimension adds the company row and the rollout waves: checked below
    "crm_rollout": ("stg_crm__crm_rollout", ("scope_type", "scope_value"), None, ()),
    # rates are not a fact: they are used up by the conversion of orders
    "fx_rates": ("stg_crm__fx_rates", ("currency", "rate_date"), None, ()),
}

def _raw_keys(table: str) -> tuple[str, ...]:
    (contract,) = [t for t in TABLES if t.name == table]
    return contract.primary_key


# kpi_aov in the everyday suite; core_small (its own build) with the slow tests
@pytest.fixture(scope="module", params=["kpi_aov", pytest.param("core_small", marks=pytest.mark.slow)])
def warehouse(request) -> Path:
    return request.getfixturevalue("aov_warehouse" if request.param == "kpi_aov" else "core_small_warehouse")


def _keys(db: Path, relation: str, columns: tuple[str, ...]) -> list[tuple]:
    return sorted(query(db, f"select {', '.join(columns)} from {relation}"), key=repr)


def test_every_contract_table_is_reconciled():
    assert set(LAYERS) == {t.name for t in TABLES}


@pytest.mark.parametrize("table", list(LAYERS))
def test_raw_staging_and_fact_hold_the_same_keys(warehouse, table):
    staging, staging_key, final, final_key = LAYERS[table]
    raw = _keys(warehouse, f"raw.{table}", _raw_keys(table))
    staged = _keys(warehouse, f"staging.{staging}", staging_key)
    if table in ("crm_rollout",):
        raw = [(scope_type.strip().lower(), scope_value.strip()) for scope_type, scope_value in raw]
    if table == "fx_rates":
        raw = [(currency.strip().upper(), day) for currency, day in raw]
    assert staged == sorted(raw, key=repr)  # same keys, same multiplicity
    if final is not None:
        assert _keys(warehouse, f"marts.{final}", final_key) == staged


def test_every_rollout_scope_reaches_the_dimension(warehouse):
    staged = query(warehouse, "select scope_type, scope_value, go_live_date from staging.stg_crm__crm_rollout")
    dim = query(warehouse, "select scope_type, scope_value, go_live_date from marts.dim_crm_rollout")
    for row in staged:
        if row[0] != "company":
            assert dim.count(row) == 1, row
    assert len([r for r in dim if r[0] == "company"]) == 1


def test_amounts_reconcile(warehouse):
    """Money and quantities are carried, not lost or doubled, on the way."""
    pairs = [
        ("select coalesce(sum(amount), 0) from raw.operating_expenses",
         "select coalesce(sum(amount), 0) from marts.fct_operating_expenses"),
        ("select coalesce(sum(amount), 0) from raw.crm_costs", "select coalesce(sum(amount), 0) from marts.fct_crm_costs"),
        ("select coalesce(sum(quantity), 0) from raw.order_items",
         "select coalesce(sum(quantity), 0) from marts.fct_order_items"),
        ("select coalesce(sum(target_amount), 0) from raw.sales_targets",
         "select coalesce(sum(target_amount), 0) from marts.fct_sales_targets"),
        ("select coalesce(sum(sessions), 0) from raw.crm_usage", "select coalesce(sum(sessions), 0) from marts.fct_crm_usage"),
        # every order line's amount is in its order's gross amount
        ("select coalesce(sum(line_amount), 0) from marts.fct_order_items",
         "select coalesce(sum(gross_amount), 0) from marts.fct_orders"),
    ]
    for left, right in pairs:
        assert query(warehouse, left)[0][0] == pytest.approx(query(warehouse, right)[0][0]), left


def test_employee_month_grid_matches_an_independent_computation(warehouse):
    """fct_employee_months: every month of employment between the first and the last month of the data."""
    start, end = query(warehouse, "select data_start_month, data_end_month from intermediate.int_calendar__data_range")[0]
    months = []
    month = start
    while month <= end:
        months.append(month)
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    expected = set()
    for employee_id, hired_at, terminated_at in query(
        warehouse, "select employee_id, hired_at, terminated_at from raw.employees"
    ):
        for first_day in months:
            last_day = (first_day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            if (hired_at is None or hired_at <= last_day) and (terminated_at is None or terminated_at >= first_day):
                expected.add((employee_id, first_day))
    grid = query(warehouse, "select employee_id, month_start from marts.fct_employee_months")
    assert len(grid) == len(set(grid))
    assert set(grid) == expected


# --- the same reconciliation as dbt tests ----------------------------------------------------------

def _reconcile_sql(table: str) -> str:
    """The compiled SQL of the dbt test reconcile_<table>, as this session's builds ran it."""
    return (dbt_target_path() / "compiled" / "crm_impact" / "tests" / "dbt" / f"reconcile_{table}.sql").read_text()


def test_the_build_ran_and_passed_a_dbt_reconciliation_per_table(warehouse):
    results = build_results(warehouse)
    ran = {unique_id.split(".")[2].removeprefix("reconcile_"): status for unique_id, status in results.items()
           if unique_id.startswith("test.crm_impact.reconcile_")}
    assert ran == {t.name: "pass" for t in TABLES}


@pytest.mark.slow
def test_the_dbt_reconciliation_names_a_lost_and_a_doubled_row(core_small_warehouse, tmp_path):
    db = copy_warehouse(core_small_warehouse, tmp_path)
    with duckdb.connect(str(db)) as con:
        assert con.execute(_reconcile_sql("orders")).fetchall() == []  # the intact copy passes
        lost = con.execute("select min(order_id) from marts.fct_orders").fetchone()[0]
        con.execute("delete from marts.fct_orders where order_id = ?", [lost])
        doubled = con.execute("select min(ticket_id) from marts.fct_tickets").fetchone()[0]
        con.execute("insert into marts.fct_tickets select * from marts.fct_tickets where ticket_id = ?", [doubled])
        # key, rows in raw, staging and the fact
        assert con.execute(_reconcile_sql("orders")).fetchall() == [(lost, 1, 1, 0)]
        assert con.execute(_reconcile_sql("tickets")).fetchall() == [(doubled, 1, 1, 2)]
        assert con.execute(_reconcile_sql("customers")).fetchall() == []
