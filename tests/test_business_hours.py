"""Business-hours durations on a hand-made export whose answers are worked out
to the minute in tests/fixtures/kpi_business_hours/README.md: weekends, the
Ukrainian public holidays of 2021 (and a Saturday worked in exchange for a day
off), the daylight-saving changes of Europe/Kyiv on 2021-03-28 and 2021-10-31,
events that start or end outside working hours, spans of several weeks, and
the 24/7 calendar. Real loader, real dbt build, real DuckDB."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import FIXTURES, load_and_build, query
from kpi_checks import assert_before_after, expected_monthly, monthly
from orchestration import business_calendar
from orchestration.settings import AnalysisSettings

# slow (make test-slow; CI runs it): this file builds a warehouse of its own fixture
pytestmark = pytest.mark.slow


# March-May 2021 baseline, June ramp-up, July-November post; months in Kyiv time.
LAYOUT = dict(crm_go_live_date="2021-06-01", crm_ramp_up_days=30, crm_baseline_months=3, crm_timezone="Europe/Kyiv")
OFFICE = AnalysisSettings(**LAYOUT)
ALWAYS_OPEN = AnalysisSettings(**LAYOUT, business_calendar_default="always_open")


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Path:
    """The fixture in the default calendar: Mon-Fri 09:00-18:00 Kyiv time, UA public holidays."""
    return load_and_build(FIXTURES / "kpi_business_hours", tmp_path_factory.mktemp("bh_office") / "crm.duckdb",
                          OFFICE)


@pytest.fixture(scope="module")  # a second build (about a minute): its tests are slow
def always_open(tmp_path_factory) -> Path:
    """The same export with every record on the 24/7 calendar."""
    return load_and_build(FIXTURES / "kpi_business_hours", tmp_path_factory.mktemp("bh_24x7") / "crm.duckdb",
                          ALWAYS_OPEN)


DURATION_COLUMNS = ("first_response_business_minutes", "resolution_business_hours",
                    "lead_first_response_business_hours", "lead_processing_business_hours",
                    "approval_cycle_business_hours", "task_completion_business_hours")

# record -> {column: worked answer} in the office calendar (README.md, one line each)
OFFICE_DURATIONS = {
    "t1": {"first_response_business_minutes": 5, "resolution_business_hours": 3},
    "t2": {"first_response_business_minutes": 60, "resolution_business_hours": 2.5},
    "t3": {"first_response_business_minutes": 20, "resolution_business_hours": None},
    "t4": {"first_response_business_minutes": 7740, "resolution_business_hours": 134},
    "t5": {"first_response_business_minutes": 6030, "resolution_business_hours": 102},
    "t6": {"first_response_business_minutes": 60, "resolution_business_hours": 1.5},
    "t7": {"first_response_business_minutes": 0, "resolution_business_hours": 0},
    "t8": {"first_response_business_minutes": 0, "resolution_business_hours": None},
    "l1": {"lead_first_response_business_hours": 1, "lead_processing_business_hours": 13},
    "l2": {"lead_first_response_business_hours": 0, "lead_processing_business_hours": 11},
    "l3": {"lead_first_response_business_hours": 1.5, "lead_processing_business_hours": None},
    "l4": {"lead_first_response_business_hours": 3, "lead_processing_business_hours": 12},
    "a1": {"approval_cycle_business_hours": 1},
    "a2": {"approval_cycle_business_hours": 2},
    "a3": {"approval_cycle_business_hours": None},
    "ac1": {"task_completion_business_hours": 9},
    "ac2": {"task_completion_business_hours": 2},
    "ac3": {"task_completion_business_hours": None},
}


def durations(db: Path) -> dict[str, dict]:
    columns = ", ".join(DURATION_COLUMNS)
    return {row[0]: dict(zip(DURATION_COLUMNS, row[2:])) | {"calendar_id": row[1]}
            for row in query(db, f"select record_id, calendar_id, {columns} from marts.fct_business_durations")}


@pytest.mark.parametrize("record_id", sorted(OFFICE_DURATIONS))
def test_office_durations_to_the_minute(office, record_id):
    row = durations(office)[record_id]
    assert row["calendar_id"] == "office"
    for column in DURATION_COLUMNS:
        expected = OFFICE_DURATIONS[record_id].get(column)
        assert row[column] == (None if expected is None else pytest.approx(expected, abs=1e-9)), (record_id, column)


def test_every_record_of_the_facts_has_a_row(office):
    assert set(durations(office)) == set(OFFICE_DURATIONS)


def test_kyiv_office_hours_in_utc_follow_daylight_saving(office):
    """09:00-18:00 Kyiv is 07:00-16:00 UTC in winter (EET) and 06:00-15:00 in summer (EEST), changing on
    the last Sundays of March and October; holidays and days off have no hours; the Saturday 2021-10-23,
    worked for the day off on Friday 2021-10-15, has Friday's."""
    rows = query(office, """select local_date, interval_start_utc, interval_end_utc, interval_seconds
                            from intermediate.int_business_hours__intervals
                            where calendar_id = 'office' and local_date in (
                                date '2021-03-26', date '2021-03-27', date '2021-03-29', date '2021-03-08',
                                date '2021-10-14', date '2021-10-15', date '2021-10-23', date '2021-10-29',
                                date '2021-11-01')
                            order by local_date""")
    at = dt.datetime
    assert rows == [
        (dt.date(2021, 3, 26), at(2021, 3, 26, 7), at(2021, 3, 26, 16), 32400),
        (dt.date(2021, 3, 29), at(2021, 3, 29, 6), at(2021, 3, 29, 15), 32400),
        (dt.date(2021, 10, 23), at(2021, 10, 23, 6), at(2021, 10, 23, 15), 32400),
        (dt.date(2021, 10, 29), at(2021, 10, 29, 6), at(2021, 10, 29, 15), 32400),
        (dt.date(2021, 11, 1), at(2021, 11, 1, 7), at(2021, 11, 1, 16), 32400),
    ]


def test_always_open_days_are_23_and_25_hours_on_the_nights_the_clocks_change(always_open):
    rows = dict(query(always_open, """select local_date, interval_seconds from intermediate.int_business_hours__intervals
                                      where calendar_id = 'always_open' and local_date in (
                                          date '2021-03-27', date '2021-03-28', date '2021-10-31', date '2021-03-08')"""))
    assert rows == {dt.date(2021, 3, 27): 86400, dt.date(2021, 3, 28): 82800, dt.date(2021, 10, 31): 90000,
                    dt.date(2021, 3, 8): 86400}


def test_always_open_equals_calendar_time_for_every_record(always_open):
    """On the 24/7 calendar (no holidays) every business duration is the calendar duration, across both
    changes of the clocks: t8 spans the spring night (6 real hours for 7 on the wall clock), t7 the autumn
    night (5 real hours for 4)."""
    business = durations(always_open)
    assert {row["calendar_id"] for row in business.values()} == {"always_open"}
    assert business["t8"]["first_response_business_minutes"] == pytest.approx(360)
    assert business["t7"]["first_response_business_minutes"] == pytest.approx(300)
    assert business["t1"]["first_response_business_minutes"] == pytest.approx(5170)  # holidays count too
    calendar = {}
    for ticket_id, minutes, hours in query(always_open, "select ticket_id, minutes_to_first_response, "
                                                        "hours_to_resolution from marts.fct_tickets"):
        calendar[ticket_id] = {"first_response_business_minutes": minutes, "resolution_business_hours": hours}
    for lead_id, first, close in query(always_open, "select lead_id, hours_to_first_response, hours_to_close "
                                                    "from marts.fct_leads"):
        calendar[lead_id] = {"lead_first_response_business_hours": first, "lead_processing_business_hours": close}
    for approval_id, hours in query(always_open, "select approval_id, hours_to_decision from marts.fct_approvals"):
        calendar[approval_id] = {"approval_cycle_business_hours": hours}
    for activity_id, hours in query(always_open, "select activity_id, hours_to_complete from marts.fct_activities"):
        calendar[activity_id] = {"task_completion_business_hours": hours}
    assert calendar.keys() == business.keys()
    for record_id, expected in calendar.items():
        for column, value in expected.items():
            got = business[record_id][column]
            assert got == (None if value is None else pytest.approx(value, abs=1e-9)), (record_id, column)


def series(march, october):
    """Months with records (the others have no value): March is baseline, October post."""
    return {"2021-03": ("baseline", march), "2021-10": ("post", october)}


MONTHLY = {
    "first_response_business_minutes": series(20, 60),
    "first_response_business_minutes_p90": series(4668, 4836),
    "lead_first_response_business_hours": series(0.5, 2.25),
    "lead_processing_business_hours": series(12, 12),
    "lead_processing_business_hours_p90": series(12.8, 12),
    "approval_cycle_business_hours": {"2021-10": ("post", 1.5)},
    "approval_cycle_business_hours_p90": {"2021-10": ("post", 1.9)},
    "task_completion_business_hours": {"2021-03": ("baseline", 5.5)},
}


@pytest.mark.parametrize("metric_id", sorted(MONTHLY))
def test_company_monthly_series(office, metric_id):
    with_values = {month: value for month, value in monthly(office, metric_id).items() if value[1] is not None}
    assert with_values == expected_monthly(MONTHLY[metric_id])


BEFORE_AFTER = [
    # metric, scope_type, scope_value, baseline, post
    ("first_response_business_minutes", "company", "all", 20, 60),
    ("first_response_business_minutes", "department", "Support", 20, 60),
    ("first_response_business_minutes_p90", "region", "Kyiv", 4668, 4836),
    ("lead_processing_business_hours", "company", "all", 12, 12),
    ("lead_first_response_business_hours", "company", "all", 0.5, 2.25),
    ("approval_cycle_business_hours", "department", "Support", None, 1.5),
    ("task_completion_business_hours", "company", "all", 5.5, None),
    # the calendar-time twin on the same tickets: {20, 360, 3780, 5170, 29820} and {300, 2880, 26970}
    ("first_response_minutes", "company", "all", 3780, 2880),
]


@pytest.mark.parametrize(("metric_id", "scope_type", "scope_value", "baseline", "post"), BEFORE_AFTER)
def test_before_after(office, metric_id, scope_type, scope_value, baseline, post):
    assert_before_after(office, metric_id, scope_type, scope_value, baseline, post)


def test_holidays_seed_is_the_holidays_package_for_2021():
    """The committed seed holds what the holidays package says for Ukraine in 2021 (a past year: stable)."""
    import csv

    with business_calendar.HOLIDAYS_CSV.open(encoding="utf-8") as f:
        seeded = [row for row in csv.DictReader(f) if row["holiday_date"].startswith("2021-")]
    assert seeded == [{k: v for k, v in row.items()} for row in business_calendar.holiday_rows("UA", 2021, 2021)]
    worked = {row["holiday_date"]: row["worked_as_weekday"] for row in seeded if row["day_kind"] == "worked"}
    assert worked == {"2021-01-16": "5", "2021-08-28": "1", "2021-10-23": "5"}
    assert business_calendar.configured_country() == "UA"


def test_an_unknown_country_is_named():
    with pytest.raises(business_calendar.HolidayError, match="no country 'XX'"):
        business_calendar.holiday_rows("XX", 2021, 2021)
