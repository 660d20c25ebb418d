"""Incremental facts give the same rows as a full rebuild.

A warehouse is built from the hand-made export tests/fixtures/core_small.
Then raw tables change the way a newer export changes them (the loader
upserts whole rows and stamps them with a new _loaded_at): new orders, lines,
tickets, leads and activities, late changes to old rows (an order's status, a
product's cost, an employee's department, a customer's region, a new fx rate)
and an event that moves the end of the data (which decides the 30-day rule for
open leads). The warehouse is copied; one copy gets an incremental `dbt build`,
the other `dbt build --full-refresh`, and every incremental fact must hold the
same rows in both.

To see that the build really was incremental, one row per fact that no change
touches is marked beforehand: the incremental build leaves the mark in place,
the full refresh removes it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, query
from orchestration.dbt_runner import build, run_dbt
from orchestration.load import load_export

# four dbt builds of their own (about a minute): `make test-slow`
pytestmark = pytest.mark.slow

SELECT = ["--select", "+marts.core"]

# fact -> its key columns
INCREMENTAL_FACTS: dict[str, tuple[str, ...]] = {
    "fct_orders": ("order_id",),
    "fct_order_items": ("order_id", "line_number"),
    "fct_leads": ("lead_id",),
    "fct_tickets": ("ticket_id",),
    "fct_activities": ("activity_id",),
}

# one row per fact that none of the changes below touches, and a column to mark
UNTOUCHED: dict[str, tuple[str, str, str]] = {
    "fct_orders": ("order_id = 'o6'", "lead_id", "'untouched'"),
    "fct_order_items": ("order_id = 'o6' and line_number = 1", "product_category", "'untouched'"),
    "fct_leads": ("lead_id = 'l3'", "lead_channel", "'untouched'"),
    "fct_tickets": ("ticket_id = 't1'", "ticket_channel", "'untouched'"),
    "fct_activities": ("activity_id = 'act1'", "activity_type", "'untouched'"),
}

CHANGES = """
-- a new order of an existing customer, in EUR after a new rate, with two lines
insert into raw.orders (order_id, customer_id, employee_id, lead_id, created_at, status, currency, discount_amount, _source_file, _loaded_at)
values ('o12', 'c2', 'e1', null, timestamp '2025-03-16 09:00:00', 'completed', 'EUR', 0, 'increment', $now);
insert into raw.order_items (order_id, line_number, product_id, quantity, unit_price, unit_cost, _source_file, _loaded_at)
values ('o12', 1, 'p2', 1, 11, null, 'increment', $now), ('o12', 2, 'p1', 2, 3, 1.5, 'increment', $now);
insert into raw.fx_rates (currency, rate_date, rate_to_reporting, _source_file, _loaded_at)
values ('EUR', date '2025-03-01', 47, 'increment', $now);

-- a late status change: the pending order o10 is completed now (old created_at)
update raw.orders set status = 'completed', _loaded_at = $now where order_id = 'o10';

-- a line added to an old order, and a product cost that was missing
insert into raw.order_items (order_id, line_number, product_id, quantity, unit_price, unit_cost, _source_file, _loaded_at)
values ('o8', 2, 'p1', 1, 100, null, 'increment', $now);
update raw.products set unit_cost = 150, _loaded_at = $now where product_id = 'p3';

-- an employee changes department, a customer changes region
update raw.employees set department = 'Service', _loaded_at = $now where employee_id = 'e4';
update raw.customers set region = 'Dnipro', _loaded_at = $now where customer_id = 'c3';

-- tickets: one that makes an old ticket (t8, 2025-02-01) a repeat contact,
-- and a new one of another customer
insert into raw.tickets (ticket_id, customer_id, channel, category, opened_at, first_response_at, resolved_at, status, assigned_to, _source_file, _loaded_at)
values
    ('t9', 'c404', 'email', 'billing', timestamp '2025-02-05 10:00:00', timestamp '2025-02-05 10:30:00', null, 'open', 'e4', 'increment', $now),
    ('t10', 'c5', 'chat', 'setup', timestamp '2025-03-18 15:00:00', null, null, 'open', 'e3', 'increment', $now);

-- a new lead, and an activity completed on 2025-04-15: the end of the data
-- moves past 2025-04-09, so the open lead l7 (2025-03-10) is now 30 days old
insert into raw.leads (lead_id, customer_id, channel, created_at, assigned_to, first_response_at, status, closed_at, lost_reason, _source_file, _loaded_at)
values ('l10', 'c2', 'web', timestamp '2025-04-01 09:00:00', 'e1', timestamp '2025-04-01 09:15:00', 'open', null, null, 'increment', $now);
insert into raw.activities (activity_id, employee_id, activity_type, created_at, due_at, completed_at, _source_file, _loaded_at)
values
    ('act7', 'e4', 'task', timestamp '2025-04-14 10:00:00', timestamp '2025-04-16 10:00:00', timestamp '2025-04-15 10:00:00', 'increment', $now),
    ('act8', 'e1', 'call', timestamp '2025-03-20 10:00:00', null, null, 'increment', $now);
"""


def _rows(db: Path, fact: str, keys: tuple[str, ...]) -> list[tuple]:
    """Every row of a fact in key order, floats rounded (sums may differ in the last bit)."""
    rows = query(db, f"select * from marts.{fact} order by {', '.join(keys)}")
    return [tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in rows]


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> tuple[Path, Path]:
    """(incrementally built, fully rebuilt) warehouses with the same raw data."""
    folder = tmp_path_factory.mktemp("incremental")
    incremental = folder / "incremental.duckdb"
    load_export(FIXTURES / "core_small", incremental)
    with duckdb.connect(str(incremental)) as con:
        # The export was loaded twenty days ago and a few rows re-exported ten
        # days ago; the newest row a fact holds is then ten days old, and only
        # rows loaded after it (plus their dependants) are re-read.
        for table in ("customers", "employees", "products", "leads", "orders", "order_items", "tickets",
                      "activities", "fx_rates"):
            con.execute(f"update raw.{table} set _loaded_at = _loaded_at - interval 20 day")
        for table, where in (("orders", "order_id = 'o1'"), ("order_items", "order_id = 'o1'"),
                             ("leads", "lead_id = 'l1'"), ("tickets", "ticket_id = 't4'"),
                             ("activities", "activity_id = 'act2'")):
            con.execute(f"update raw.{table} set _loaded_at = _loaded_at + interval 10 day where {where}")
    build(db_path=incremental, select=SELECT[1:])

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with duckdb.connect(str(incremental)) as con:
        for statement in CHANGES.split(";"):
            if statement.strip() and not all(
                line.strip().startswith("--") or not line.strip() for line in statement.splitlines()
            ):
                con.execute(statement, {"now": now} if "$now" in statement else None)
        for fact, (where, column, mark) in UNTOUCHED.items():
            con.execute(f"update marts.{fact} set {column} = {mark} where {where}")

    full = folder / "full.duckdb"
    shutil.copyfile(incremental, full)
    run_dbt(["build", *SELECT], db_path=incremental)
    run_dbt(["build", "--full-refresh", *SELECT], db_path=full)
    return incremental, full


@pytest.mark.parametrize("fact", list(INCREMENTAL_FACTS))
def test_incremental_build_equals_full_refresh(warehouses, fact):
    incremental, full = warehouses
    keys = INCREMENTAL_FACTS[fact]
    where, _column, _mark = UNTOUCHED[fact]
    untouched = f"not ({where})"
    keyed = ", ".join(keys)
    left = query(incremental, f"select * from marts.{fact} where {untouched} order by {keyed}")
    right = query(full, f"select * from marts.{fact} where {untouched} order by {keyed}")
    rounded = [[tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in rows] for rows in (left, right)]
    assert rounded[0] == rounded[1]
    raw_table = fact.removeprefix("fct_")
    assert len(left) + 1 == query(incremental, f"select count(*) from raw.{raw_table}")[0][0]


@pytest.mark.parametrize("fact", list(INCREMENTAL_FACTS))
def test_incremental_build_left_untouched_rows_alone(warehouses, fact):
    incremental, full = warehouses
    where, column, mark = UNTOUCHED[fact]
    assert query(incremental, f"select coalesce({column} = {mark}, false) from marts.{fact} where {where}") == [(True,)]
    assert query(full, f"select coalesce({column} = {mark}, false) from marts.{fact} where {where}") == [(False,)]


def test_changes_reached_the_incremental_facts(warehouses):
    """The dependencies the incremental filters follow, one by one."""
    incremental, _ = warehouses
    # late status change of an old order
    assert query(incremental, "select is_completed from marts.fct_orders where order_id = 'o10'") == [(True,)]
    # a new line on an old order and a product cost filled in later
    assert query(incremental, "select line_count from marts.fct_orders where order_id = 'o8'") == [(2,)]
    assert query(incremental, "select cost_of_goods from marts.fct_orders where order_id = 'o8'") == [
        (pytest.approx(150.0 + 50.0),)
    ]
    # the new order takes the new rate; it is c2's third completed order
    assert query(
        incremental, "select fx_rate_to_reporting, net_amount, completed_order_number from marts.fct_orders "
        "where order_id = 'o12'"
    ) == [(47.0, pytest.approx((11 + 2 * 3) * 47.0), 3)]
    # a customer's new region reaches their old orders, tickets and leads
    assert query(incremental, "select distinct customer_region from marts.fct_orders where customer_id = 'c3'") == [
        ("Dnipro",)
    ]
    assert query(incremental, "select customer_region from marts.fct_tickets where ticket_id = 't6'") == [("Dnipro",)]
    assert query(incremental, "select customer_region from marts.fct_leads where lead_id = 'l8'") == [("Dnipro",)]
    # an employee's new department reaches their old tickets and activities
    assert query(incremental, "select assigned_department from marts.fct_tickets where ticket_id = 't6'") == [
        ("Service",)
    ]
    assert query(incremental, "select employee_department from marts.fct_activities where activity_id = 'act5'") == [
        ("Service",)
    ]
    # a ticket loaded later makes an older one a repeat contact
    assert query(incremental, "select has_repeat_contact from marts.fct_tickets where ticket_id = 't8'") == [(True,)]
    # the end of the data moved: the open lead l7 is now 30 days old
    assert query(incremental, "select is_counted_lost from marts.fct_leads where lead_id = 'l7'") == [(True,)]


def test_a_build_without_changes_changes_nothing(warehouses, tmp_path):
    incremental, _ = warehouses
    again = tmp_path / "again.duckdb"
    shutil.copyfile(incremental, again)
    run_dbt(["build", *SELECT], db_path=again)
    for fact, keys in INCREMENTAL_FACTS.items():
        assert _rows(again, fact, keys) == _rows(incremental, fact, keys), fact
