"""`dagster dev`, started from the repo root with no flags, serves the whole asset graph and stops on Ctrl-C.

Two ways of starting it: as `make dev` does (the virtualenv's bin first on
PATH) and as `.venv/bin/dagster dev` with a PATH that has no dbt at all - the
code location must still load, because Dagster runs the project's own dbt
(orchestration/defs/project.py), not the first one on PATH. Ctrl-C is SIGINT
to the terminal's foreground process group: dagster dev, its webserver, its
daemon and the code servers must all be gone within 10 seconds. That is on
a machine with its cores to itself: the shutdown costs about 4.5 s of CPU in
six processes (measured), so on a shared machine with a load average L on N
cores, where each process gets about N/L of a core, the budget is
10 s x L/N (at most 60 s).
"""

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

VENV_BIN = Path(sys.executable).parent
DAGSTER = str(VENV_BIN / "dagster")
QUERY = '{ assetNodes { assetKey { path } groupName } }'
CTRL_C_SECONDS = 10


def ctrl_c_budget() -> float:
    """10 s on an idle machine, scaled by how crowded its cores are now."""
    crowding = os.getloadavg()[0] / (os.cpu_count() or 1)
    return min(60.0, CTRL_C_SECONDS * max(1.0, crowding))


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


def process_group_alive(pgid: int, leader: subprocess.Popen) -> bool:
    """Any process of the group still running (the exited leader is reaped first, not counted as a zombie)."""
    leader.poll()
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def dbt_resources() -> set[str]:
    """The names of every model, seed and source of the parsed dbt project."""
    manifest = json.loads((PROJECT_ROOT / "target" / "manifest.json").read_text())
    names = {s["name"] for s in manifest["sources"].values()}
    names |= {n["name"] for n in manifest["nodes"].values()
              if n["resource_type"] in ("model", "seed") and n["package_name"] == "crm_impact"}
    return names


def path_without_venv() -> str:
    """The caller's PATH without any folder holding a dbt or dagster executable."""
    folders = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    keep = [p for p in folders if not (Path(p) / "dbt").exists() and not (Path(p) / "dagster").exists()]
    return os.pathsep.join(keep or ["/usr/bin", "/bin"])


@pytest.mark.slow  # starts the web server and its code location twice (a minute or more each)
@pytest.mark.parametrize("how", ["make_dev", "venv_bin_without_path"])
def test_dagster_dev_serves_the_asset_graph_and_stops_on_ctrl_c(tmp_path, how):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "VIRTUAL_ENV")}
    env["CRM_IMPACT_DB"] = str(tmp_path / "crm.duckdb")
    if how == "make_dev":  # the Makefile's recipe: PATH="$(abspath .venv/bin):$PATH" .venv/bin/dagster dev
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    else:
        env["PATH"] = path_without_venv()
    log = tmp_path / "dagster_dev.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [DAGSTER, "dev", "--port", str(port), "--host", "127.0.0.1"], cwd=PROJECT_ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300
        answer = None
        while time.monotonic() < deadline:
            answer = ask_graphql(port)
            if answer and answer.get("data", {}).get("assetNodes"):
                break
            assert process.poll() is None, "dagster dev exited:\n" + log.read_text()[-3000:]
            time.sleep(1)
        assert answer and answer.get("data", {}).get("assetNodes"), (answer, log.read_text()[-3000:])
        nodes = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in answer["data"]["assetNodes"]}
        assert "was not found on PATH" not in log.read_text()
        # the whole graph: every dbt model, seed and source, and the outputs
        missing = dbt_resources() - {key.split("/")[-1] for key in nodes}
        assert not missing, f"not served: {sorted(missing)[:10]}"
        assert nodes["raw/orders"] == "raw"
        assert nodes["marts/mart_kpi_before_after"] == "kpi_marts"
        assert nodes["marts/kpi_service__records"] == "service"
        assert nodes["serving/serving_database"] == "outputs"
        assert nodes["serving/crm_impact_report"] == "outputs"

        # Ctrl-C in a terminal: SIGINT to the whole foreground process group
        budget = ctrl_c_budget()
        interrupted = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        while process_group_alive(process.pid, process) and time.monotonic() - interrupted < budget:
            time.sleep(0.2)
        stopped_after = time.monotonic() - interrupted
        assert not process_group_alive(process.pid, process), (
            f"dagster dev still running {stopped_after:.1f} s after Ctrl-C (budget {budget:.0f} s):\n"
            + log.read_text()[-3000:])
        assert process.wait(timeout=1) == 0
        print(f"{how}: stopped {stopped_after:.1f} s after Ctrl-C (budget {budget:.0f} s)")
    finally:
        if process_group_alive(process.pid, process):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
