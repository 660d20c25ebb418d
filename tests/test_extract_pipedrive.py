"""Pipedrive extraction replayed against a local HTTP server in the API's documented shapes.

The fake API (FakePipedrive below) serves tests/fixtures/api/pipedrive/crm.json
as Pipedrive's API v2 list endpoints answer (``updated_since``,
``sort_by=update_time``, ``status`` for deals, cursor pagination through
``additional_data.next_cursor``, records under ``data``) and API v1 answers
``/v1/users``; two records a page. It can answer 429 with Retry-After or 500
first. Nothing here talks to the internet: the server listens on 127.0.0.1.

Known answers: tests/fixtures/api/pipedrive/expected/{run1,run2}/*.csv,
derived by hand in tests/fixtures/api/pipedrive/README.md.
"""

from __future__ import annotations

import base64
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

# slow (make test-slow; CI runs it): this file runs dlt extractions against a local replay of the API, loads and builds them
pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parent / "fixtures" / "api" / "pipedrive"
TOKEN = "0123456789abcdef-SECRET-pipedrive-token"
FAST = RetryPolicy(max_attempts=4, backoff_factor=0.01, max_delay=2.0, timeout=10.0)


def _instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


class FakePipedrive:
    """Pipedrive's v2 list endpoints and v1 users over a JSON company, with faults and a request log."""

    PAGE = 2

    def __init__(self, data: dict) -> None:
        self.data = copy.deepcopy(data)
        self.entities = self.data["entities"]
        self.requests: list[dict] = []
        self.faults: list[dict] = []

    def second_run(self) -> None:
        for name, records in self.data["second_run"]["update"].items():
            for new in records:
                self.entities[name] = [new if r["id"] == new["id"] else r for r in self.entities[name]]

    def fail(self, path: str, status: int, *, times: int = 1, headers: dict | None = None) -> None:
        self.faults.append({"path": path, "status": status, "times": times, "headers": headers or {}})

    @staticmethod
    def _json(payload: dict, status: int = 200, headers: dict | None = None) -> Response:
        return Response(json.dumps(payload), status=status, headers=headers or {}, content_type="application/json")

    def handle(self, request: Request) -> Response:
        self.requests.append({"path": request.path, "args": dict(request.args), "query": request.query_string,
                              "token": request.headers.get("x-api-token"), "at": time.monotonic()})
        if request.headers.get("x-api-token") != TOKEN:
            return self._json({"success": False, "error": "unauthorized access", "errorCode": 401}, 401)
        for fault in self.faults:
            if fault["times"] > 0 and re.fullmatch(fault["path"], request.path):
                fault["times"] -= 1
                return self._json({"success": False, "error": "fault"}, fault["status"], fault["headers"])
        if request.path == "/v1/users":
            return self._json({"success": True, "data": self.data["users"]})
        if m := re.fullmatch(r"/api/v2/(deals|persons|organizations|activities|products)", request.path):
            return self._list(m.group(1), request.args)
        return self._json({"success": False, "error": "not found"}, 404)

    def _list(self, name: str, args) -> Response:
        assert args["sort_by"] == "update_time" and args["sort_direction"] == "asc"
        assert int(args["limit"]) <= 500
        records = self.entities[name]
        if name == "deals":
            statuses = set(args.get("status", "open,won,lost").split(","))
            records = [r for r in records if r["status"] in statuses]
        if args.get("updated_since"):
            since = _instant(args["updated_since"])
            records = [r for r in records if _instant(r["update_time"]) >= since]
        records = sorted(records, key=lambda r: (r["update_time"], r["id"]))
        start = int(base64.b64decode(args["cursor"]).decode().split(":")[1]) if args.get("cursor") else 0
        page = records[start:start + self.PAGE]
        more = start + self.PAGE < len(records)
        cursor = base64.b64encode(f"offset:{start + self.PAGE}".encode()).decode() if more else None
        return self._json({"success": True, "data": page, "additional_data": {"next_cursor": cursor}})


@pytest.fixture
def api(httpserver, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # a developer's proxy must not see the local server
    fake = FakePipedrive(json.loads((FIXTURE / "crm.json").read_text(encoding="utf-8")))
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    fake.base_url = httpserver.url_for("/").rstrip("/")
    return fake


def _rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _assert_snapshot(out: Path, expected: Path) -> None:
    assert sorted(p.name for p in out.glob("*.csv")) == sorted(p.name for p in expected.glob("*.csv"))
    for path in sorted(expected.glob("*.csv")):
        assert _rows(out / path.name) == _rows(path), path.name


def _run(api: FakePipedrive, tmp_path: Path, **kwargs):
    return extract("pipedrive", tmp_path / "out", state_dir=tmp_path / "state", token=TOKEN,
                   base_url=api.base_url, policy=kwargs.pop("policy", FAST), **kwargs)


def _calls(api: FakePipedrive, path: str, since: float = 0.0) -> list[dict]:
    return [r for r in api.requests if r["path"] == path and r["at"] >= since]


def test_full_then_incremental_run_with_rate_limit_server_error_and_a_deleted_deal(api, tmp_path):
    api.fail("/api/v2/organizations", 429, headers={"Retry-After": "1"})
    api.fail("/api/v2/deals", 500)
    first = _run(api, tmp_path)
    out = tmp_path / "out"
    _assert_snapshot(out, FIXTURE / "expected" / "run1")
    assert first.snapshot.deleted["deals"] == 1  # 57, deleted before the first run, left out

    organizations = _calls(api, "/api/v2/organizations")
    assert organizations[1]["at"] - organizations[0]["at"] >= 0.9  # Retry-After honoured
    deals = _calls(api, "/api/v2/deals")
    assert deals[0]["args"] == deals[1]["args"]  # the 500, then the same request again
    # 7 deals (the deleted one too: status=open,won,lost,deleted), 2 a page: 4 pages, cursors from the answers
    assert len(deals) == 1 + 4
    assert deals[1]["args"]["status"] == "open,won,lost,deleted"
    assert deals[1]["args"]["updated_since"].startswith("1970-01-01")
    assert [("cursor" in d["args"]) for d in deals[1:]] == [False, True, True, True]
    assert all(r["token"] == TOKEN for r in api.requests)
    assert all(TOKEN.encode() not in r["query"] for r in api.requests)  # never in the URL

    api.second_run()
    started = time.monotonic()
    second = _run(api, tmp_path)
    _assert_snapshot(out, FIXTURE / "expected" / "run2")
    assert second.snapshot.deleted["deals"] == 2  # 57 and now 53
    # the second run asks from the newest update_time of run 1 (deal 54's, 2024-03-10T09:05:00Z) less a minute
    (deals_again, *_) = _calls(api, "/api/v2/deals", started)
    assert _instant(deals_again["args"]["updated_since"]) == _instant("2024-03-10T09:04:00Z")
    # what reached the dataset: deals 54 and 53 (changed since); of the other entities the newest
    # record again (inside the minute, merged on its id); the users list in full
    assert {t: n for t, n in second.rows_extracted.items() if "__" not in t} == {"deals": 2, "organizations": 1, "persons": 1, "products": 1,
                                     "activities": 1, "users": 3}


def test_a_failed_run_keeps_the_previous_snapshot_and_the_next_run_resumes(api, tmp_path):
    _run(api, tmp_path)
    out = tmp_path / "out"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    api.second_run()
    api.fail("/api/v2/activities", 502, times=100)
    with pytest.raises(ExtractError) as failure:
        _run(api, tmp_path, policy=RetryPolicy(max_attempts=2, backoff_factor=0.01, max_delay=0.1, timeout=5))
    message = str(failure.value)
    assert "HTTP 502" in message and "/api/v2/activities" in message and TOKEN not in message
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    api.faults.clear()
    _run(api, tmp_path)
    _assert_snapshot(out, FIXTURE / "expected" / "run2")


def test_the_token_reaches_no_error_file_or_dataset(api, tmp_path, caplog):
    with caplog.at_level("DEBUG"), pytest.raises(ExtractError) as failure:
        extract("pipedrive", tmp_path / "out", state_dir=tmp_path / "state", token=TOKEN + "-wrong",
                base_url=api.base_url, policy=FAST)
    assert "HTTP 401" in str(failure.value) and TOKEN not in str(failure.value)
    _run(api, tmp_path)
    assert TOKEN not in caplog.text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    with duckdb.connect(str(tmp_path / "state" / "pipedrive_extracted.duckdb"), read_only=True) as con:
        for schema, table in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall():
            dump = con.execute(f'SELECT CAST(COLUMNS(*) AS VARCHAR) FROM "{schema}"."{table}"').fetchall()
            assert TOKEN not in repr(dump), table


def test_no_token_is_one_clear_sentence(monkeypatch, tmp_path):
    monkeypatch.delenv("PIPEDRIVE_API_TOKEN", raising=False)
    with pytest.raises(ExtractError) as failure:
        extract("pipedrive", tmp_path / "out", state_dir=tmp_path / "state")
    message = str(failure.value)
    assert message.startswith("PIPEDRIVE_API_TOKEN is not set:") and message.endswith(".") and ". " not in message
