"""`dagster dev`, started from the repo root with no flags, serves the asset graph."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT

DAGSTER = str(Path(sys.executable).parent / "dagster")
QUERY = '{ assetNodes { assetKey { path } groupName } }'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask_graphql(port: int) -> dict | None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())
    except OSError:
        return None


@pytest.mark.slow  # starts the web server and its code location (half a minute or more)
def test_dagster_dev_serves_the_asset_graph(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(CRM_IMPACT_DB=str(tmp_path / "crm.duckdb"), PATH=f"{Path(sys.executable).parent}:{env['PATH']}")
    process = subprocess.Popen(
        [DAGSTER, "dev", "--port", str(port), "--host", "127.0.0.1"], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        answer = None
        while time.monotonic() < deadline:
            answer = ask_graphql(port)
            if answer and answer.get("data", {}).get("assetNodes"):
                break
            assert process.poll() is None, "dagster dev exited"
            time.sleep(1)
        assert answer and answer["data"]["assetNodes"], answer
        nodes = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in answer["data"]["assetNodes"]}
        assert nodes["raw/orders"] == "raw"
        assert nodes["marts/mart_kpi_before_after"] == "kpi_marts"
        assert nodes["marts/kpi_service__monthly"] == "service"
        assert nodes["serving/crm_impact_report"] == "outputs"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
