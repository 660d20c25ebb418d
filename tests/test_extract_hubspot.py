"""HubSpot extraction replayed against a local HTTP server in the API's documented shapes.

The fake API (FakeHubSpot below) serves tests/fixtures/api/hubspot/crm.json as
HubSpot's endpoints answer: the CRM search (filter on the last-modified
property, ascending sort, ``paging.next.after``), the archived list, owners,
pipelines and v4 association batch reads, two records a page so that every
list takes several pages. It can answer 429 with Retry-After or 500 first.
Nothing here talks to the internet: the server listens on 127.0.0.1.

Known answers: tests/fixtures/api/hubspot/expected/{run1,run2}/*.csv are the
contract rows derived by hand in tests/fixtures/api/hubspot/README.md.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import re
import time
from pathlib import Path

import duckdb
import pytest
from werkzeug import Request, Response

from orchestration.extract import ExtractError, RetryPolicy, extract
from orchestration.extract.common import epoch_ms

# slow (make test-slow; CI runs it): this file runs dlt extractions against a local replay of the API, loads and builds them
pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parent / "fixtures" / "api" / "hubspot"
TOKEN = "pat-eu1-test-0000-SECRET-hubspot-token"
FAST = RetryPolicy(max_attempts=4, backoff_factor=0.01, max_delay=2.0, timeout=10.0)


def _ms(value: str) -> int:
    return epoch_ms(value)


class FakeHubSpot:
    """HubSpot's CRM endpoints over a JSON account, with faults on demand and a log of requests."""

    PAGE = 2

    def __init__(self, data: dict) -> None:
        self.data = copy.deepcopy(data)
        self.objects: dict[str, list[dict]] = {
            name: [self._record(name, r) for r in records] for name, records in self.data["objects"].items()}
        self.requests: list[dict] = []
        self.faults: list[dict] = []

    @staticmethod
    def _modified(name: str) -> str:
        return "lastmodifieddate" if name == "contacts" else "hs_lastmodifieddate"

    def _record(self, name: str, record: dict) -> dict:
        record = copy.deepcopy(record)
        props = record["properties"]
        record.setdefault("archived", False)
        record.setdefault("createdAt", props.get("createdate") or props.get("hs_createdate"))
        props[self._modified(name)] = record["updatedAt"]
        props["hs_object_id"] = record["id"]
        return record

    # ------------------------------------------------------------------ changes and faults

    def second_run(self) -> None:
        """Apply the fixture's second_run: updated records replace theirs, archived ones are archived."""
        changes = self.data["second_run"]
        for name, records in changes["update"].items():
            for record in records:
                new = self._record(name, record)
                self.objects[name] = [new if r["id"] == new["id"] else r for r in self.objects[name]]
        for name, records in changes["archive"].items():
            for gone in records:
                for record in self.objects[name]:
                    if record["id"] == gone["id"]:
                        record["archived"] = True
                        record["archivedAt"] = gone["archivedAt"]

    def fail(self, method: str, path: str, status: int, *, times: int = 1, headers: dict | None = None,
             body: dict | None = None) -> None:
        self.faults.append({"method": method, "path": path, "status": status, "times": times,
                            "headers": headers or {}, "body": body or {"status": "error", "message": "fault"}})

    # ------------------------------------------------------------------ the server

    def handle(self, request: Request) -> Response:
        body = request.get_json(silent=True) if request.data else None
        self.requests.append({"method": request.method, "path": request.path, "args": dict(request.args),
                              "json": body, "auth": request.headers.get("Authorization"), "at": time.monotonic()})
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._json({"status": "error", "category": "INVALID_AUTHENTICATION",
                               "message": "Authentication credentials not found."}, 401)
        for fault in self.faults:
            if fault["times"] > 0 and fault["method"] == request.method and re.fullmatch(fault["path"], request.path):
                fault["times"] -= 1
                return self._json(fault["body"], fault["status"], fault["headers"])
        path = request.path
        if m := re.fullmatch(r"/crm/v3/objects/(\w+)/search", path):
            return self._search(m.group(1), body or {})
        if m := re.fullmatch(r"/crm/v3/objects/(\w+)", path):
            return self._archived(m.group(1), request.args)
        if path == "/crm/v3/owners":
            archived = request.args.get("archived") == "true"
            owners = [o for o in self.data["owners"] if o["archived"] == archived]
            return self._page(owners, request.args.get("after"), int(request.args.get("limit", 100)))
        if m := re.fullmatch(r"/crm/v3/pipelines/(deals|tickets)", path):
            return self._json({"results": self.data["pipelines"][m.group(1)]})
        if m := re.fullmatch(r"/crm/v4/associations/(\w+)/(\w+)/batch/read", path):
            return self._associations(m.group(1), m.group(2), body or {})
        return self._json({"status": "error", "message": f"no route {path}"}, 404)

    @staticmethod
    def _json(payload: dict, status: int = 200, headers: dict | None = None) -> Response:
        return Response(json.dumps(payload), status=status, headers=headers or {}, content_type="application/json")

    def _page(self, records: list[dict], after: str | None, limit: int) -> Response:
        start = int(after or 0)
        size = min(limit, self.PAGE)
        page = records[start:start + size]
        payload: dict = {"results": page}
        if start + size < len(records):
            payload["paging"] = {"next": {"after": str(start + size), "link": "ignored"}}
        return self._json(payload)

    @staticmethod
    def _shape(record: dict, properties: list[str]) -> dict:
        out = {k: v for k, v in record.items() if k != "properties"}
        out["properties"] = {p: record["properties"].get(p) for p in properties}
        return out

    def _search(self, name: str, body: dict) -> Response:
        (flt,) = body["filterGroups"][0]["filters"]
        (sort,) = body["sorts"]
        assert flt["operator"] == "GTE" and flt["propertyName"] == sort["propertyName"] == self._modified(name)
        assert sort["direction"] == "ASCENDING" and body["limit"] <= 200
        since = int(flt["value"])
        found = sorted((r for r in self.objects.get(name, []) if not r["archived"]
                        and _ms(r["properties"][flt["propertyName"]]) >= since),
                       key=lambda r: (r["properties"][flt["propertyName"]], r["id"]))
        start = int(body.get("after") or 0)
        if start >= 10_000:
            return self._json({"status": "error", "message": "offset past 10,000"}, 400)
        size = min(body["limit"], self.PAGE)
        payload: dict = {"total": len(found),
                         "results": [self._shape(r, body["properties"]) for r in found[start:start + size]]}
        if start + size < len(found):
            payload["paging"] = {"next": {"after": str(start + size)}}
        return self._json(payload)

    def _archived(self, name: str, args) -> Response:
        assert args.get("archived") == "true"
        properties = args.get("properties", "").split(",")
        records = [self._shape(r, properties) for r in self.objects.get(name, []) if r["archived"]]
        return self._page(records, args.get("after"), int(args.get("limit", 100)))

    def _associations(self, from_type: str, to_type: str, body: dict) -> Response:
        table = self.data["associations"].get(f"{from_type}/{to_type}", {})
        results = [{"from": {"id": i["id"]},
                    "to": [{"toObjectId": int(t), "associationTypes": [
                        {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"}]} for t in table[i["id"]]]}
                   for i in body["inputs"] if table.get(i["id"])]
        return self._json({"status": "COMPLETE", "results": results, "startedAt": "2024-01-01T00:00:00Z",
                           "completedAt": "2024-01-01T00:00:01Z"})


@pytest.fixture
def api(httpserver, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # a developer's proxy must not see the local server
    fake = FakeHubSpot(json.loads((FIXTURE / "crm.json").read_text(encoding="utf-8")))
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    fake.base_url = httpserver.url_for("/").rstrip("/")
    return fake


def _rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _run(api: FakeHubSpot, tmp_path: Path, **kwargs):
    return extract("hubspot", tmp_path / "out", state_dir=tmp_path / "state", token=TOKEN,
                   base_url=api.base_url, policy=kwargs.pop("policy", FAST), **kwargs)


def _assert_snapshot(out: Path, expected: Path) -> None:
    """The snapshot's contract files equal the hand-derived ones, row for row and in order."""
    assert sorted(p.name for p in out.glob("*.csv")) == sorted(p.name for p in expected.glob("*.csv"))
    for path in sorted(expected.glob("*.csv")):
        assert _rows(out / path.name) == _rows(path), path.name


def _searches(api: FakeHubSpot, name: str, since: float = 0.0) -> list[dict]:
    return [r for r in api.requests if r["path"] == f"/crm/v3/objects/{name}/search" and r["at"] >= since]


def test_full_then_incremental_run_with_rate_limit_server_error_and_an_archived_deal(api, tmp_path):
    # run 1: the first deals search is rate limited (Retry-After: 1), the first contacts search fails with a 500
    api.fail("POST", "/crm/v3/objects/deals/search", 429, headers={"Retry-After": "1"},
             body={"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                   "errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"})
    api.fail("POST", "/crm/v3/objects/contacts/search", 500)
    first = _run(api, tmp_path)
    out = tmp_path / "out"
    _assert_snapshot(out, FIXTURE / "expected" / "run1")
    assert first.snapshot.deleted["deals"] == 1  # 3007, archived before the first run, is left out
    assert first.passes == 1

    deals = _searches(api, "deals")
    assert deals[0]["json"].get("after") is None and deals[1]["json"].get("after") is None  # the 429, then again
    assert deals[1]["at"] - deals[0]["at"] >= 0.9  # Retry-After honoured
    contacts = _searches(api, "contacts")
    assert contacts[0]["json"] == contacts[1]["json"]  # the 500, then the same request again
    # pagination: 5 companies, 2 a page -> after = none, 2, 4; the first request asks from the epoch
    companies = _searches(api, "companies")
    assert [c["json"].get("after") for c in companies] == [None, "2", "4"]
    assert companies[0]["json"]["filterGroups"][0]["filters"][0]["value"] == "0"
    assert all(r["auth"] == f"Bearer {TOKEN}" for r in api.requests)

    customers_mtime = (out / "customers.csv").stat().st_mtime_ns
    # run 2: deal 3004 won with an amount, deal 3003 archived
    api.second_run()
    started = time.monotonic()
    second = _run(api, tmp_path)
    _assert_snapshot(out, FIXTURE / "expected" / "run2")
    assert second.snapshot.deleted["deals"] == 2  # 3007 and now 3003
    # an unchanged table file is the previous one (the landing sensor's fingerprint stays the same)
    assert (out / "customers.csv").stat().st_mtime_ns == customers_mtime

    # only what changed since the cursor (the newest updatedAt of run 1, less the one-minute lag) is asked for
    deal_searches = _searches(api, "deals", started)
    newest_deal = "2024-03-10T09:05:00.000Z"  # 3004, the newest deal of run 1
    assert deal_searches[0]["json"]["filterGroups"][0]["filters"][0]["value"] == str(_ms(newest_deal) - 60_000)
    companies_again = _searches(api, "companies", started)
    assert companies_again[0]["json"]["filterGroups"][0]["filters"][0]["value"] == str(
        _ms("2024-01-09T10:00:00.000Z") - 60_000)
    # what reached the dataset: per searched object the records modified since the cursor less one
    # minute (the newest record of run 1 again, merged on its id, and both line items, a minute apart),
    # the changed deal 3004 and the archived list (3003, 3007), the owners and pipelines lists in full
    assert second.rows_extracted == {
        "companies": 1, "contacts": 1, "deals": 1 + 2, "line_items": 2, "products": 1, "tickets": 1,
        "calls": 1, "emails": 1, "meetings": 1, "tasks": 1, "owners": 3,
        "deal_pipelines": 2, "deal_pipelines__stages": 5, "ticket_pipelines": 1, "ticket_pipelines__stages": 3}


def test_a_failed_run_keeps_the_previous_snapshot_and_the_next_run_resumes(api, tmp_path):
    _run(api, tmp_path)
    out = tmp_path / "out"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    api.second_run()
    # tickets keep failing: the run gives up after its retries
    api.fail("POST", "/crm/v3/objects/tickets/search", 503, times=100)
    with pytest.raises(ExtractError) as failure:
        _run(api, tmp_path, policy=RetryPolicy(max_attempts=2, backoff_factor=0.01, max_delay=0.1, timeout=5))
    message = str(failure.value)
    assert "HTTP 503" in message and "/crm/v3/objects/tickets/search" in message and TOKEN not in message
    assert "\n" not in message
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the previous snapshot, byte for byte
    assert not list(tmp_path.glob(".out.partial-*"))
    # the API recovers: the next run picks up the changes the failed run did not commit
    api.faults.clear()
    resumed = _run(api, tmp_path)
    _assert_snapshot(out, FIXTURE / "expected" / "run2")
    assert resumed.rows_extracted["deals"] == 3  # 3004 changed, 3003 and 3007 archived


def test_the_search_cap_is_paged_around_in_passes(api, tmp_path):
    # a cap of 4 results per query (HubSpot's is 10,000): 6 live deals need two passes
    result = _run(api, tmp_path, search_cap=4)
    assert result.passes == 2
    # no query asked for an offset at or past the cap (HubSpot answers 400 there)
    assert all(int(r["json"].get("after") or 0) < 4 for r in api.requests if r["path"].endswith("/search"))
    _assert_snapshot(tmp_path / "out", FIXTURE / "expected" / "run1")


def test_no_token_is_one_clear_sentence(monkeypatch, tmp_path):
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    with pytest.raises(ExtractError) as failure:
        extract("hubspot", tmp_path / "out", state_dir=tmp_path / "state")
    message = str(failure.value)
    assert message.startswith("HUBSPOT_ACCESS_TOKEN is not set:") and message.endswith(".")
    assert ". " not in message  # one sentence
    assert "\n" not in message and not (tmp_path / "out").exists()


def test_the_token_reaches_no_error_log_file_or_dataset(api, tmp_path, caplog):
    # a wrong token: HubSpot answers 401 (here echoing what it was sent, the worst case)
    api.fail("POST", "/crm/v3/objects/companies/search", 401, times=100,
             body={"status": "error", "message": f"invalid token Bearer {TOKEN}"})
    with caplog.at_level("DEBUG"), pytest.raises(ExtractError) as failure:
        _run(api, tmp_path)
    assert "HTTP 401" in str(failure.value) and TOKEN not in str(failure.value)
    api.faults.clear()
    _run(api, tmp_path)
    assert TOKEN not in caplog.text
    for path in [*tmp_path.rglob("*")]:
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    with duckdb.connect(str(tmp_path / "state" / "hubspot_extracted.duckdb"), read_only=True) as con:
        tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
        for schema, table in tables:
            dump = con.execute(f'SELECT CAST(COLUMNS(*) AS VARCHAR) FROM "{schema}"."{table}"').fetchall()
            assert TOKEN not in repr(dump), table


def test_cli_extracts_into_the_landing_folder_and_loads(api, tmp_path, monkeypatch, capsys):
    from orchestration.cli import main

    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("HUBSPOT_API_BASE", api.base_url)
    monkeypatch.setenv("CRM_IMPACT_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("CRM_IMPACT_EXTRACT_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("CRM_IMPACT_DB", str(tmp_path / "crm.duckdb"))
    assert main(["extract", "hubspot", "--load", "--accept-quarantine"]) == 0
    printed = capsys.readouterr()
    assert TOKEN not in printed.out + printed.err
    _assert_snapshot(tmp_path / "landing" / "hubspot-api", FIXTURE / "expected" / "run1")
    with duckdb.connect(str(tmp_path / "crm.duckdb"), read_only=True) as con:
        orders = con.execute("SELECT order_id, status FROM raw.orders ORDER BY order_id").fetchall()
        quarantined = con.execute("SELECT table_name, count(*) FROM raw.quarantine GROUP BY ALL ORDER BY 1").fetchall()
    # 3005, a won deal without an amount, is quarantined (its order and its line), the rest loads
    assert orders == [("3001", "completed"), ("3002", "completed"), ("3003", "cancelled"), ("3004", "pending"),
                      ("3006", "completed")]
    assert quarantined == [("order_items", 1), ("orders", 1)]


def test_cli_without_a_token_exits_2_with_one_line(monkeypatch, tmp_path, capsys):
    from orchestration.cli import main

    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    assert main(["extract", "hubspot", "--out", str(tmp_path / "out"), "--state", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert err.strip().startswith("HUBSPOT_ACCESS_TOKEN is not set") and len(err.strip().splitlines()) == 1


def test_two_extractions_load_and_build_the_marts(api, tmp_path):
    """Run 1 and run 2 through the loader and a full dbt build: average order value by hand.

    Completed orders (README.md): 3001 in 2024-02 (2 x 300 + 400 = 1000); 3002
    (500) and 3006 (250) in 2024-03; after run 2 also 3004 (800) in 2024-03.
    3005 is quarantined (won without an amount). AOV 2024-02 = 1000,
    2024-03 = (500 + 250 + 800) / 3 = 516.67.
    """
    from orchestration.dbt_runner import build
    from orchestration.load import load_export
    from orchestration.settings import AnalysisSettings

    db = tmp_path / "crm.duckdb"
    _run(api, tmp_path)
    load_export(tmp_path / "out", db, timezone="UTC")
    api.second_run()
    _run(api, tmp_path)
    load_export(tmp_path / "out", db, timezone="UTC")
    build(AnalysisSettings(crm_go_live_date="2024-03-01", crm_ramp_up_days=0, crm_baseline_months=1), db_path=db)
    with duckdb.connect(str(db), read_only=True) as con:
        aov = con.execute("""select strftime(month_start, '%Y-%m'), metric_value from marts.mart_kpi_monthly
                             where metric_id = 'average_order_value' and scope_type = 'company'
                             order by month_start""").fetchall()
        status = con.execute("select status from raw.orders where order_id = '3004'").fetchone()
    assert status == ("completed",)
    assert dict(aov)["2024-02"] == pytest.approx(1000.0)
    assert dict(aov)["2024-03"] == pytest.approx((500 + 250 + 800) / 3)


@pytest.fixture
def extract_defs(api, tmp_path, monkeypatch, project_manifest):
    """orchestration.definitions re-imported with CRM_IMPACT_SOURCE=hubspot (and restored afterwards)."""
    import importlib

    import orchestration.definitions
    import orchestration.defs.extract

    monkeypatch.setenv("CRM_IMPACT_SOURCE", "hubspot")
    monkeypatch.setenv("HUBSPOT_API_BASE", api.base_url)
    monkeypatch.setenv("CRM_IMPACT_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("CRM_IMPACT_EXTRACT_STATE", str(tmp_path / "state"))
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    module = importlib.reload(orchestration.defs.extract)
    definitions = importlib.reload(orchestration.definitions).defs
    yield module, definitions
    monkeypatch.delenv("CRM_IMPACT_SOURCE")
    importlib.reload(orchestration.defs.extract)
    importlib.reload(orchestration.definitions)


def test_dagster_graph_has_the_extraction_upstream_of_the_raw_tables(extract_defs):
    import dagster as dg

    _, definitions = extract_defs
    graph = definitions.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"extract/hubspot/deals", "extract/hubspot/companies", "extract/hubspot/owners",
            "extract/hubspot/snapshot"} <= keys
    assert "extract/hubspot/deals_changed" not in keys  # the search pages feed the deals transformer
    snapshot = dg.AssetKey(["extract", "hubspot", "snapshot"])
    assert snapshot in graph.get(dg.AssetKey(["raw", "orders"])).parent_keys
    assert dg.AssetKey(["extract", "hubspot", "deals"]) in graph.get(snapshot).parent_keys
    assert definitions.resolve_job_def("extract_load_and_build") is not None
    # the export-folder job loads what is there; it never calls the API
    load_job_keys = definitions.resolve_job_def("load_and_build").asset_layer.selected_asset_keys
    assert dg.AssetKey(["raw", "orders"]) in load_job_keys
    assert not [key for key in load_job_keys if key.path[0] == "extract"]
    assert definitions.get_schedule_def("daily_extract_load_and_build").default_status.value == "STOPPED"


def test_dagster_run_without_a_token_fails_with_one_sentence_then_extracts(extract_defs, tmp_path, monkeypatch):
    import dagster as dg

    module, _ = extract_defs
    objects, snapshot = module.EXTRACT_ASSETS
    failed = dg.materialize([objects], resources=module.EXTRACT_RESOURCES, raise_on_error=False)
    assert not failed.success
    (failure,) = [e for e in failed.all_events if e.event_type_value == "STEP_FAILURE"]
    description = failure.step_failure_data.error.message
    assert "HUBSPOT_ACCESS_TOKEN is not set:" in description

    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    result = dg.materialize([objects, snapshot], resources=module.EXTRACT_RESOURCES)
    assert result.success
    _assert_snapshot(tmp_path / "landing" / "hubspot-api", FIXTURE / "expected" / "run1")
