"""Tests of the synthetic CRM export generator (orchestration.generate).

Small scales (0.005-0.02) keep the suite fast; every check reads the written files back with
DuckDB, the same engine the loader uses.
"""

from __future__ import annotations

import csv
import filecmp
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration import catalog
from orchestration.contract import DUCKDB_TYPES, TABLES
from orchestration.generate import DEFAULT_EFFECTS, GROUND_TRUTH_FILE, generate_export
from orchestration.generate.dirty import FAULT_CLASSES, KEPT_CLASSES

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "seeds" / "demo"
NO_EFFECTS = {m: (1.0 if kind == "multiplier" else 0.0) for m, (kind, _) in DEFAULT_EFFECTS.items()}
NO_EFFECTS["crm_adoption_rate"] = 0.9  # keep crm_usage populated so both exports have the same staff usage


def _files(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir() if p.is_file())


def _con(d: Path, fmt: str = "csv", typed: bool = False, all_varchar: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection with one view per contract table over the export in d."""
    con = duckdb.connect()
    for t in TABLES:
        path = (d / f"{t.name}.{fmt}").as_posix()
        if fmt == "parquet":
            src = f"read_parquet('{path}')"
        elif typed:
            cols = {c.name: DUCKDB_TYPES[c.type] for c in t.columns}
            src = f"read_csv('{path}', header=true, columns={cols!r})"
        elif all_varchar:
            src = f"read_csv('{path}', header=true, all_varchar=true)"
        else:
            src = f"read_csv('{path}', header=true)"
        con.execute(f"create view {t.name} as select * from {src}")
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchall()[0][0]


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory) -> tuple[Path, dict]:
    """The demo export made fresh: scale 0.01, seed 42, csv, company rollout, clean."""
    out = tmp_path_factory.mktemp("demo")
    truth = generate_export(out, scale=0.01, seed=42)
    return out, truth


@pytest.fixture(scope="module")
def dirty_export(tmp_path_factory) -> tuple[Path, dict, dict]:
    out = tmp_path_factory.mktemp("dirty")
    truth = generate_export(out, scale=0.01, seed=42, dirty=0.02)
    clean = generate_export(tmp_path_factory.mktemp("clean"), scale=0.01, seed=42)
    return out, truth, clean


# ---------------------------------------------------------------------------------------------
# Shape: every table and column, types, sizes
# ---------------------------------------------------------------------------------------------
def test_every_contract_table_and_column_in_contract_order(demo_export):
    out, truth = demo_export
    assert _files(out) == sorted([f"{t.name}.csv" for t in TABLES] + [GROUND_TRUTH_FILE])
    for t in TABLES:
        with open(out / f"{t.name}.csv", encoding="utf-8", newline="") as fh:
            assert next(csv.reader(fh)) == t.column_names, t.name
    assert set(truth["row_counts"]) == {t.name for t in TABLES}
    assert all(n > 0 for n in truth["row_counts"].values())


@pytest.mark.slow
def test_csv_types_read_back_as_the_contract_says(demo_export):
    """DuckDB's own type detection agrees with the contract, and reading with the contract's
    types parses every value and every row."""
    out, truth = demo_export
    detected = _con(out)
    typed = _con(out, typed=True)
    for t in TABLES:
        types = dict((r[0], r[1]) for r in detected.execute(f"describe {t.name}").fetchall())
        expected = {c.name: DUCKDB_TYPES[c.type] for c in t.columns}
        assert types == expected, t.name
        assert _one(typed, f"select count(*) from {t.name}") == truth["row_counts"][t.name]


def test_parquet_has_proper_arrow_types(tmp_path):
    truth = generate_export(tmp_path, scale=0.005, seed=3, fmt="parquet")
    assert _files(tmp_path) == sorted([f"{t.name}.parquet" for t in TABLES] + [GROUND_TRUTH_FILE])
    con = _con(tmp_path, fmt="parquet")
    for t in TABLES:
        rows = con.execute(f"describe {t.name}").fetchall()
        assert [r[0] for r in rows] == t.column_names, t.name
        assert {r[0]: r[1] for r in rows} == {c.name: DUCKDB_TYPES[c.type] for c in t.columns}, t.name
        assert _one(con, f"select count(*) from {t.name}") == truth["row_counts"][t.name]


def test_demo_scale_sizes(demo_export):
    out, truth = demo_export
    counts = truth["row_counts"]
    assert 8_000 <= counts["order_items"] <= 12_500  # scale 1 is about 1,000,000
    assert 3_000 <= counts["orders"] <= 5_000
    assert counts["crm_rollout"] == 1
    total = sum(p.stat().st_size for p in out.iterdir())
    assert total < 4_000_000, f"demo export is {total} bytes"


@pytest.mark.slow
def test_clean_export_honours_the_contract(demo_export):
    """No duplicate keys, no nulls where forbidden, domains, bounds, ordered timestamps, and
    every reference resolves (a clean export has no orphans)."""
    out, _ = demo_export
    con = _con(out, typed=True)
    for t in TABLES:
        pk = ", ".join(t.primary_key)
        assert _one(con, f"select count(*) - count(distinct ({pk})) from {t.name}") == 0, t.name
        for c in t.columns:
            if not c.nullable:
                assert _one(con, f"select count(*) from {t.name} where {c.name} is null") == 0, (t.name, c.name)
            if c.domain:
                dom = ", ".join(f"'{v}'" for v in c.domain)
                assert _one(con, f"select count(*) from {t.name} where {c.name} not in ({dom})") == 0, (t.name, c.name)
            if c.min_value is not None:
                assert _one(con, f"select count(*) from {t.name} where {c.name} < {c.min_value}") == 0, (t.name, c.name)
            if c.max_value is not None:
                assert _one(con, f"select count(*) from {t.name} where {c.name} > {c.max_value}") == 0, (t.name, c.name)
        for a, b in t.ordered:
            assert _one(con, f"select count(*) from {t.name} where {b} < {a}") == 0, (t.name, a, b)
        for col, ref_t, ref_c in t.references:
            orphans = _one(con, f"select count(*) from {t.name} x where {col} is not null and not exists "
                                f"(select 1 from {ref_t} y where y.{ref_c} = x.{col})")
            assert orphans == 0, (t.name, col)


def test_records_are_attributed_to_employed_staff_and_realistic(demo_export):
    out, _ = demo_export
    con = _con(out, typed=True)
    for table, col, ts in [("orders", "employee_id", "created_at"), ("leads", "assigned_to", "created_at"),
                           ("tickets", "assigned_to", "opened_at"), ("documents", "created_by", "created_at"),
                           ("approvals", "approver_id", "requested_at"), ("activities", "employee_id", "created_at"),
                           ("crm_usage", "employee_id", "activity_date")]:
        bad = _one(con, f"select count(*) from {table} x join employees e on e.employee_id = x.{col} "
                        f"where x.{ts}::date < e.hired_at or x.{ts}::date > coalesce(e.terminated_at, date '2100-01-01')")
        assert bad == 0, table
    # won leads start an order; orders never precede their customer
    assert _one(con, "select count(*) from leads l where status = 'won' and not exists "
                     "(select 1 from orders o where o.lead_id = l.lead_id)") == 0
    assert _one(con, "select count(*) from orders o join customers c using (customer_id) "
                     "where o.created_at < c.created_at") == 0
    # segments, regions, departments, currencies
    assert {r[0] for r in con.execute("select distinct segment from customers").fetchall()} == {"retail", "smb", "enterprise"}
    assert {r[0] for r in con.execute("select distinct region from customers").fetchall()} == {
        "Kyiv", "Lviv", "Kharkiv", "Odesa", "Dnipro"}
    depts = {r[0] for r in con.execute("select distinct department from employees").fetchall()}
    assert {"Sales Kyiv", "Support Lviv", "Back office", "Management"} <= depts
    assert {r[0] for r in con.execute("select distinct currency from orders").fetchall()} == {"UAH", "EUR", "USD"}
    foreign = _one(con, "select avg((currency <> 'UAH')::int) from orders")
    assert 0.005 < foreign < 0.08
    # weekends are quieter, December is busier than July
    weekend = _one(con, "select avg((dayofweek(created_at) in (0, 6))::int) from orders")
    assert weekend < 2 / 7 * 0.75
    dec, jul = con.execute("select count(*) filter (where month(created_at) = 12), "
                           "count(*) filter (where month(created_at) = 7) from orders").fetchall()[0]
    assert dec > 1.2 * jul
    # nobody works in the CRM before go-live, about 90% do after the ramp-up
    assert _one(con, "select count(*) from crm_usage where activity_date < date '2024-09-01'") == 0
    adoption = _one(con, """select count(distinct employee_id)::double / (select count(*) from employees e
        where e.hired_at <= date '2025-06-30' and coalesce(e.terminated_at, date '2100-01-01') >= date '2025-06-01')
        from crm_usage where activity_date between date '2025-06-01' and date '2025-06-30'""")
    assert 0.75 <= adoption <= 1.0


# ---------------------------------------------------------------------------------------------
# Determinism and the committed demo
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_arguments_same_bytes(tmp_path, fmt):
    a = generate_export(tmp_path / "a", scale=0.005, seed=11, fmt=fmt, dirty=0.01, rollout="staged")
    b = generate_export(tmp_path / "b", scale=0.005, seed=11, fmt=fmt, dirty=0.01, rollout="staged")
    assert a == b
    names = _files(tmp_path / "a")
    assert names == _files(tmp_path / "b")
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, shallow=False)
    assert not mismatch and not errors
    other = generate_export(tmp_path / "c", scale=0.005, seed=12, fmt=fmt)
    assert other["row_counts"] != a["row_counts"]


def test_committed_demo_matches_the_generator(demo_export):
    """seeds/demo is generate_export(scale=0.01, seed=42), byte for byte (regenerate it with
    that call when the generator changes on purpose)."""
    out, _ = demo_export
    assert DEMO.is_dir(), "seeds/demo is missing"
    names = _files(out)
    assert _files(DEMO) == names
    match, mismatch, errors = filecmp.cmpfiles(out, DEMO, names, shallow=False)
    assert not mismatch and not errors, f"differ: {mismatch}"


# ---------------------------------------------------------------------------------------------
# Rollout
# ---------------------------------------------------------------------------------------------
def test_company_rollout_is_one_row(demo_export):
    out, truth = demo_export
    con = _con(out, typed=True)
    assert con.execute("select * from crm_rollout").fetchall() == [("company", "all", date(2024, 9, 1))]
    assert truth["rollout"] == [{"scope_type": "company", "scope_value": "all", "go_live_date": "2024-09-01"}]


def test_staged_rollout_has_department_rows_and_two_waves(tmp_path):
    truth = generate_export(tmp_path, scale=0.005, seed=5, rollout="staged", go_live="2024-09-01")
    con = _con(tmp_path, typed=True)
    rows = con.execute("select scope_type, scope_value, go_live_date from crm_rollout").fetchall()
    depts = {r[0] for r in con.execute("select distinct department from employees").fetchall()}
    assert {r[0] for r in rows} == {"department"}
    assert {r[1] for r in rows} == depts
    waves = sorted({r[2] for r in rows})
    assert waves == [date(2024, 9, 1), date(2025, 3, 1)]
    first = sum(r[2] == waves[0] for r in rows)
    assert abs(first - len(rows) / 2) <= 1
    assert truth["department_go_live"] == {r[1]: r[2].isoformat() for r in rows}
    # nobody uses the CRM before their own department's go-live
    early = _one(con, "select count(*) from crm_usage u join employees e using (employee_id) "
                      "join crm_rollout r on r.scope_value = e.department where u.activity_date < r.go_live_date")
    assert early == 0
    late_users = _one(con, "select count(*) from crm_usage u join employees e using (employee_id) join crm_rollout r "
                           "on r.scope_value = e.department where r.go_live_date = date '2025-03-01' "
                           "and u.activity_date >= date '2025-04-01'")
    assert late_users > 0


# ---------------------------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------------------------
def _counted_from_files(out: Path) -> dict[tuple[str, str], int]:
    """Faults per (table, class) as a loader would find them in the files."""
    con = _con(out, all_varchar=True)
    found: dict[tuple[str, str], int] = {}
    for t in TABLES:
        pk = ", ".join(t.primary_key)
        found[(t.name, "duplicate_key")] = _one(con, f"select count(*) - count(distinct ({pk})) from {t.name}")
        ts = [c.name for c in t.columns if c.type == "timestamp"]
        if ts:
            bad = " + ".join(f"({c} is not null and try_cast({c} as timestamp) is null)::int" for c in ts)
            found[(t.name, "unparseable_timestamp")] = _one(con, f"select coalesce(sum({bad}), 0) from {t.name}")
        if "status" in t.column_names:
            dom = ", ".join(f"'{v}'" for v in t.column("status").domain)
            found[(t.name, "unknown_status")] = _one(con, f"select count(*) from {t.name} where status not in ({dom})")
    for name in ("orders", "tickets", "surveys"):
        found[(name, "orphan")] = _one(con, f"select count(*) from {name} x where customer_id is not null and not exists "
                                            f"(select 1 from customers c where c.customer_id = x.customer_id)")
    found[("order_items", "negative_quantity")] = _one(
        con, "select count(*) from order_items where try_cast(quantity as double) < 0")
    for name, start in (("tickets", "opened_at"), ("leads", "created_at")):
        found[(name, "response_before_opening")] = _one(
            con, f"select count(*) from {name} where try_cast(first_response_at as timestamp) < try_cast({start} as timestamp)")
    found[("surveys", "out_of_range_score")] = _one(
        con, "select count(*) from surveys where try_cast(csat_score as int) not between 1 and 5 "
             "or try_cast(nps_score as int) not between 0 and 10")
    return {k: v for k, v in found.items() if v}


def test_dirty_faults_are_in_the_files_exactly_as_listed(dirty_export):
    out, truth, clean = dirty_export
    faults = truth["faults"]
    listed = {(t, c): n for t, cs in faults["counts"].items() for c, n in cs.items()}
    assert _counted_from_files(out) == listed
    # every class of the contract's "what bad input gets" is present
    assert {c for _, c in listed} == set(FAULT_CLASSES)
    # rows read = loaded + quarantined: only duplicates add rows, each fault is on its own row
    for t in TABLES:
        dup = faults["counts"].get(t.name, {}).get("duplicate_key", 0)
        assert truth["row_counts"][t.name] == clean["row_counts"][t.name] + dup, t.name
        quarantined = sum(n for c, n in faults["counts"].get(t.name, {}).items() if c not in KEPT_CLASSES)
        assert faults["quarantined"].get(t.name, 0) == quarantined
    assert len(faults["list"]) == faults["total"] == sum(listed.values())
    assert len({(f["table"], f["row_number"]) for f in faults["list"]}) == len(faults["list"])


def test_each_listed_fault_is_on_its_row(dirty_export):
    out, truth, _ = dirty_export
    rows: dict[str, list[dict]] = {}
    for f in truth["faults"]["list"]:
        table = f["table"]
        if table not in rows:
            with open(out / f"{table}.csv", encoding="utf-8", newline="") as fh:
                rows[table] = list(csv.DictReader(fh))
        row = rows[table][f["row_number"] - 1]
        for k, v in f["key"].items():
            assert row[k] == str(v), f
        if f["fault_class"] == "duplicate_key":
            assert f["first_row_number"] < f["row_number"]
            assert rows[table][f["first_row_number"] - 1] == row
        elif f["fault_class"] == "negative_quantity":
            assert float(row[f["column"]]) == f["value"] < 0
        else:
            assert row[f["column"]] == str(f["value"]), f


def test_dirty_parquet_keeps_bad_values(tmp_path):
    truth = generate_export(tmp_path, scale=0.005, seed=9, fmt="parquet", dirty=0.02)
    con = _con(tmp_path, fmt="parquet")
    bad_ts = [f for f in truth["faults"]["list"] if f["fault_class"] == "unparseable_timestamp"]
    assert bad_ts
    for f in bad_ts[:20]:
        key = " and ".join(f"{k} = '{v}'" if isinstance(v, str) else f"{k} = {v}" for k, v in f["key"].items())
        values = [r[0] for r in con.execute(f"select {f['column']}::varchar from {f['table']} where {key}").fetchall()]
        assert f["value"] in values
    neg = truth["faults"]["counts"]["order_items"]["negative_quantity"]
    assert _one(con, "select count(*) from order_items where quantity < 0") == neg


# ---------------------------------------------------------------------------------------------
# Ground truth and effects
# ---------------------------------------------------------------------------------------------
def test_ground_truth_file_and_schema(demo_export):
    out, truth = demo_export
    assert json.loads((out / GROUND_TRUTH_FILE).read_text(encoding="utf-8")) == truth
    assert set(truth) == {"generator", "settings", "rollout", "department_go_live", "metrics", "row_counts", "faults"}
    assert truth["settings"]["scale"] == 0.01 and truth["settings"]["seed"] == 42
    # every metric of the catalog (the seed's, companions aside) has a ground truth, in its family
    assert {d.metric_id: d.family for d in catalog.kpi_definitions() if d.is_catalog_metric} == {
        m: t["family"] for m, t in truth["metrics"].items()}
    for metric, m in truth["metrics"].items():
        assert m["kind"] in ("multiplier", "delta", "derived")
        assert m["direction"] in ("improves", "worsens", "none")
        assert m["family"] in ("financial", "process", "service", "staff", "customer_base", "adoption")
    assert truth["metrics"]["first_response_minutes"] == {**truth["metrics"]["first_response_minutes"],
                                                          "kind": "multiplier", "size": 0.7, "direction": "improves"}
    assert truth["metrics"]["task_completion_hours"]["direction"] == "worsens"
    assert truth["metrics"]["net_revenue"]["kind"] == "derived"
    assert truth["faults"]["total"] == 0


def test_effect_overrides_and_validation(tmp_path):
    truth = generate_export(tmp_path, scale=0.005, seed=1, effects={"first_response_minutes": 1.0, "nps": -5})
    assert truth["metrics"]["first_response_minutes"]["direction"] == "none"
    assert truth["metrics"]["nps"]["size"] == -5.0 and truth["metrics"]["nps"]["direction"] == "worsens"
    with pytest.raises(ValueError, match="unknown metric_id"):
        generate_export(tmp_path, scale=0.005, effects={"happiness": 2.0})
    with pytest.raises(ValueError, match="derived"):
        generate_export(tmp_path, scale=0.005, effects={"net_revenue": 2.0})
    with pytest.raises(ValueError, match="fmt"):
        generate_export(tmp_path, scale=0.005, fmt="xlsx")
    with pytest.raises(ValueError, match="rollout"):
        generate_export(tmp_path, scale=0.005, rollout="regional")
    with pytest.raises(ValueError, match="go_live"):
        generate_export(tmp_path, scale=0.005, go_live=date(2022, 1, 1))


def test_ticket_first_response_effect_is_visible_in_the_raw_files(tmp_path):
    """Median ticket first response, post-ramp months against the same months a year earlier,
    is about 0.7x. Durations carry no growth trend (volume grows, response times do not), so
    no trend adjustment is needed. At scale 0.02 (about 2,500 tickets per period) the ratio of
    the two medians has a sampling sd of about 0.035 (0.64-0.72 over seeds 1-3 and 42: the
    median sits between the fast phone/chat and the slow e-mail answers), hence 0.7 +- 0.1."""
    generate_export(tmp_path, scale=0.02, seed=42)
    con = _con(tmp_path, typed=True)
    median = "select median(epoch(first_response_at - opened_at) / 60) from tickets where opened_at >= '{}' and opened_at < '{}'"
    post = _one(con, median.format("2024-12-01", "2025-09-01"))
    before = _one(con, median.format("2023-12-01", "2024-09-01"))
    assert 0.6 <= post / before <= 0.8


@pytest.mark.slow
def test_effects_against_the_counterfactual(tmp_path):
    """Same seed with and without the CRM: the generator shares its random draws between the two
    worlds, so the injected sizes show up almost exactly (tolerances are sampling noise at 0.02)."""
    generate_export(tmp_path / "crm", scale=0.02, seed=42)
    generate_export(tmp_path / "cf", scale=0.02, seed=42, effects=NO_EFFECTS)
    crm, cf = _con(tmp_path / "crm", typed=True), _con(tmp_path / "cf", typed=True)
    post = "between '2025-01-01' and '2025-12-31 23:59:59'"

    def both(sql: str) -> tuple[float, float]:
        return _one(crm, sql), _one(cf, sql)

    a, b = both(f"select median(epoch(completed_at - created_at)) from activities where created_at {post}")
    assert a / b == pytest.approx(1.15, abs=0.01)  # same activities, durations scaled: exact
    a, b = both(f"select count(*) from orders where status = 'completed' and created_at {post}")
    assert a / b == pytest.approx(1.05, abs=0.03)
    a, b = both(f"select count(*) from (select customer_id, min(created_at) f from orders where status = 'completed' "
                f"group by 1) where f {post}")
    assert a / b == pytest.approx(1.10, abs=0.03)
    a, b = both(f"select avg(has_error::int) from documents where created_at {post}")
    assert a / b == pytest.approx(0.5, abs=0.15)
    a, b = both(f"select avg(csat_score) from surveys where responded_at {post}")
    assert a - b == pytest.approx(0.3, abs=0.12)
    a, b = both(f"select avg((status = 'won')::int) from leads where status in ('won', 'lost') and created_at {post}")
    assert a - b == pytest.approx(0.05, abs=0.02)
