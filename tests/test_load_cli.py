"""The CLI on a missing, locked or unbuilt warehouse, the quarantine limit, and publish's leftovers.

Every command run as a user runs it (the installed console script, in a
subprocess): one line on stderr that says what to do, exit 2, no traceback.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.load import load_export
from orchestration.publish.atomic import remove_leftovers, replaced_atomically
from test_load_formats import decimal_comma, declare, demo_copy, rewrite

CRM_IMPACT = str(Path(sys.executable).parent / "crm-impact")
DEMO = Path(__file__).resolve().parent.parent / "seeds" / "demo"


def run(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CRM_IMPACT_DB": str(db), "CRM_IMPACT_SERVING_DB": str(db.parent / "serving.duckdb"),
           "CRM_IMPACT_REPORTS": str(db.parent / "reports")}
    return subprocess.run([CRM_IMPACT, *args], capture_output=True, text=True, env=env, timeout=600)


def one_line(result: subprocess.CompletedProcess, *words: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("loaded") / "crm.duckdb"
    load_export(DEMO, db)
    return db


@pytest.mark.parametrize("command", ["build", "publish", "report"])
def test_a_missing_warehouse_is_one_line_and_exit_2(tmp_path, command):
    db = tmp_path / "none" / "crm.duckdb"
    one_line(run(db, command), f"crm-impact {command}", "no warehouse at", "crm-impact load")
    assert not db.exists()


@pytest.mark.parametrize("command", ["publish", "report"])
def test_an_unbuilt_warehouse_is_one_line_and_exit_2(tmp_path, loaded, command):
    db = tmp_path / "crm.duckdb"
    shutil.copy(loaded, db)
    one_line(run(db, command), "not built", "crm-impact build")


@pytest.mark.slow
def test_a_locked_warehouse_is_one_line_and_exit_2_for_every_command(tmp_path, loaded):
    db = tmp_path / "crm.duckdb"
    shutil.copy(loaded, db)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
                               "sys.stdin.read()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        before = hashlib.sha256(db.read_bytes()).hexdigest()
        for args in (["load", str(DEMO)], ["build"], ["publish"], ["report"], ["demo"]):
            one_line(run(db, *args), f"in use by process {holder.pid}", "run this again")
        # inspect never opens the warehouse
        assert run(db, "inspect", str(DEMO)).returncode == 0
        assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


@pytest.mark.slow
def test_a_load_above_the_quarantine_limit_exits_1_and_writes_nothing(tmp_path, loaded):
    export = demo_copy(tmp_path)
    rewrite(export, "order_items", decimal_comma, delimiter=";")
    declare(export, "decimal_separator: '.'\n")
    db = tmp_path / "crm.duckdb"
    shutil.copy(loaded, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    result = run(db, "load", str(export))
    assert result.returncode == 1
    assert "order_items.csv" in result.stderr and "above the limit of 5%" in result.stderr
    assert "decimal_separator: ','" in result.stderr and "--accept-quarantine" in result.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    # a higher limit given on the command line, then an explicit acceptance
    assert run(db, "load", str(export), "--max-quarantine-share", "100%").returncode == 0
    accepted = run(db, "load", str(export), "--accept-quarantine")
    assert accepted.returncode == 0 and "unchanged" in accepted.stdout


def test_publish_removes_the_temporary_files_of_a_killed_publish(tmp_path):
    target = tmp_path / "serving.duckdb"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [tmp_path / f".serving.duckdb.{dead.pid}.0123456789ab.tmp",
             tmp_path / f".serving.duckdb.{dead.pid}.0123456789ab.tmp.wal"]
    running = tmp_path / f".serving.duckdb.{os.getppid()}.ba9876543210.tmp"  # a live process: left alone
    other = tmp_path / ".other.duckdb.1.0123456789ab.tmp"
    for path in (*stale, running, other):
        path.write_bytes(b"half a database")
    with replaced_atomically(target) as temporary:
        temporary.write_bytes(b"complete")
    assert target.read_bytes() == b"complete"
    assert [p.exists() for p in stale] == [False, False]
    assert running.exists() and other.exists()
    assert remove_leftovers(target) == []
