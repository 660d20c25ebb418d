"""Benchmarks: time and peak memory of every step at several scales.

    .venv/bin/python bench/run.py --scales 0.1 1 5          # what `make bench` runs
    .venv/bin/python bench/run.py --scales 1 --steps generate load

Each step runs as its own process (the real ``crm-impact`` command), so its
peak memory is that process's maximum resident set (``os.wait4``), not the
benchmark's. Results go to bench/results/<timestamp>.json and, as a Markdown
table, to stdout; docs/benchmarks.md records the numbers of a run on the
reference machine (2 cores, 24 GB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from orchestration.paths import memory_limit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ALL_STEPS = ("generate", "load", "build", "publish", "report")


@dataclass
class Measurement:
    scale: float
    step: str
    seconds: float
    peak_rss_mb: float
    rows: int | None = None
    note: str = ""

    @property
    def rows_per_second(self) -> float | None:
        return self.rows / self.seconds if self.rows and self.seconds else None


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS of the process tree's largest member in MB)."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            log.seek(0)
            raise RuntimeError(f"{' '.join(command)} failed: {log.read().decode()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def count_rows(export_dir: Path) -> int:
    truth = json.loads((export_dir / "ground_truth.json").read_text())
    return int(sum(truth.get("row_counts", {}).values()))


# A step whose first run is shorter than this is run REPEATS times in all and its median reported: single
# seconds on a shared machine differ by up to 30% between runs.
REPEAT_BELOW_SECONDS = 60.0


def _forget_load(db: Path) -> None:
    """Remove a warehouse, so that the next load is a first load again (not one of unchanged files)."""
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(db.with_name(db.name + ".tmp"), ignore_errors=True)


def bench_scale(scale: float, steps: tuple[str, ...], workdir: Path, repeats: int = 3) -> list[Measurement]:
    export = workdir / f"export_{scale}"
    db = workdir / f"crm_{scale}.duckdb"
    env = dict(os.environ, CRM_IMPACT_DB=str(db),
               CRM_IMPACT_SERVING_DB=str(workdir / f"serving_{scale}.duckdb"),
               CRM_IMPACT_REPORTS=str(workdir / f"reports_{scale}"))
    crm = str(BIN / "crm-impact")
    commands = {
        "generate": [crm, "generate", "--scale", str(scale), "--seed", "42", "--out", str(export), "--format", "parquet"],
        "load": [crm, "load", str(export)],
        # --force: a repeated build must do the work again (a build with nothing new is skipped)
        "build": [crm, "build", "--force"],
        "publish": [crm, "publish"],
        "report": [crm, "report"],
    }
    results = []
    for step in steps:
        runs = [run_measured(commands[step], env)]
        # generate writes the export the other steps read: run once
        while step != "generate" and runs[0][0] < REPEAT_BELOW_SECONDS and len(runs) < repeats:
            if step == "load":
                _forget_load(db)
            runs.append(run_measured(commands[step], env))
        seconds = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        rows = count_rows(export) if step in ("generate", "load") and (export / "ground_truth.json").exists() else None
        note = f"median of {len(runs)} runs ({', '.join(f'{r[0]:.1f}' for r in runs)} s)" if len(runs) > 1 else ""
        results.append(Measurement(scale, step, seconds, peak, rows, note))
        print(f"scale {scale:>5}  {step:<9} {seconds:8.1f} s  {peak:8.0f} MB  {note}", flush=True)
    return results


def dbt_command(*args: str) -> list[str]:
    return [str(BIN / "dbt"), *args, "--project-dir", str(ROOT), "--profiles-dir", str(ROOT)]


def model_order(manifest: dict) -> list[dict]:
    """The manifest's models in dependency order."""
    models = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    done: list[str] = []
    seen: set[str] = set()

    def visit(uid: str) -> None:
        if uid in seen or uid not in models:
            return
        seen.add(uid)
        for parent in models[uid]["depends_on"]["nodes"]:
            visit(parent)
        done.append(uid)

    for uid in sorted(models):
        visit(uid)
    return [models[uid] for uid in done]


def bench_overhead(scale: float, built_db: Path, workdir: Path, repeats: int = 3) -> list[Measurement]:
    """``dbt build`` of every model and data test against the same compiled SQL run directly in one
    DuckDB connection with the profile's settings.

    dbt is timed twice over: its first run on a warehouse it has not parsed for (a full parse: dbt's
    partial-parse state is keyed to the profile, which names the warehouse file), and the median of
    ``repeats`` later runs (the daily case: partial parsing). Seeds and unit tests are left out of both
    sides: the seeds are in the copied warehouse already, and unit tests have no bare equivalent.
    """
    (workdir / "dbt").mkdir(exist_ok=True)
    (workdir / "bare").mkdir(exist_ok=True)
    dbt_copy, bare_copy = workdir / "dbt" / "overhead.duckdb", workdir / "bare" / "overhead.duckdb"
    shutil.copy(built_db, dbt_copy)
    shutil.copy(built_db, bare_copy)
    env = dict(os.environ, CRM_IMPACT_DB=str(dbt_copy))
    build = dbt_command("build", "--full-refresh", "--exclude-resource-type", "seed", "unit_test")
    cold_seconds, cold_peak = run_measured(build, env)
    warm = [run_measured(build, env) for _ in range(repeats)]
    dbt_seconds, dbt_peak = statistics.median(w[0] for w in warm), max(w[1] for w in warm)
    run_measured(dbt_command("compile", "--full-refresh"), env)
    manifest = json.loads((ROOT / "target" / "manifest.json").read_text())
    tests = [node for node in manifest["nodes"].values() if node["resource_type"] == "test"]
    import duckdb

    bare_runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        # attached as `crm`, as dbt attaches the warehouse (profiles.yml): the compiled SQL names that
        # catalog; the settings are the profile's (threads, memory cap, no insertion order)
        with duckdb.connect(config={"threads": 2, "memory_limit": memory_limit(),
                                    "preserve_insertion_order": False}) as con:
            con.execute(f"ATTACH '{bare_copy}' AS crm")
            con.execute("USE crm")
            for node in model_order(manifest):
                kind = "VIEW" if node["config"]["materialized"] == "view" else "TABLE"
                con.execute(f'CREATE OR REPLACE {kind} "{node["schema"]}"."{node["alias"]}" AS {node["compiled_code"]}')
            for node in tests:
                con.execute(f"SELECT count(*) FROM ({node['compiled_code']}) AS test_rows").fetchone()
        bare_runs.append(time.perf_counter() - start)
    bare_seconds = statistics.median(bare_runs)
    runs = ", ".join(f"{w[0]:.1f}" for w in warm)
    return [
        Measurement(scale, "dbt build, first run on this warehouse (full parse)", cold_seconds, cold_peak),
        Measurement(scale, "dbt build, later runs (partial parse)", dbt_seconds, dbt_peak,
                    note=f"median of {repeats} runs ({runs} s)"),
        Measurement(scale, "same compiled SQL (models and data tests) in one DuckDB connection", bare_seconds, 0.0,
                    note=f"median of {repeats} runs ({', '.join(f'{b:.1f}' for b in bare_runs)} s); "
                         f"dbt / bare = {dbt_seconds / bare_seconds:.2f} (first run {cold_seconds / bare_seconds:.2f})"),
    ]


# the starting event of each table, for cutting an export one day shorter
EVENT_COLUMNS = {"orders": "created_at", "leads": "created_at", "tickets": "opened_at", "surveys": "responded_at",
                 "documents": "created_at", "approvals": "requested_at", "activities": "created_at",
                 "crm_usage": "activity_date"}


def export_without_last_day(export: Path, out: Path) -> str:
    """A copy of a parquet export without the events of its last day; returns that day."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    last_day = con.execute(f"select cast(max(created_at) as date) from '{export}/orders.parquet'").fetchone()[0]
    for file in export.glob("*.parquet"):
        table = file.stem
        if table in EVENT_COLUMNS:
            where = f"where cast({EVENT_COLUMNS[table]} as date) < DATE '{last_day}'"
        elif table == "order_items":
            where = (f"where order_id in (select order_id from '{export}/orders.parquet' "
                     f"where cast(created_at as date) < DATE '{last_day}')")
        else:
            where = ""
        con.execute(f"copy (select * from '{file}' {where}) to '{out / file.name}' (format parquet)")
    return str(last_day)


def bench_incremental(scale: float, export: Path, workdir: Path) -> list[Measurement]:
    """Load all but the last day and build; then load the full export and build again (incremental)."""
    earlier = workdir / f"export_{scale}_minus_one_day"
    last_day = export_without_last_day(export, earlier)
    env = dict(os.environ, CRM_IMPACT_DB=str(workdir / f"incremental_{scale}.duckdb"))
    crm = str(BIN / "crm-impact")
    run_measured([crm, "load", str(earlier)], env)
    full_seconds, full_peak = run_measured([crm, "build"], env)
    load_seconds, load_peak = run_measured([crm, "load", str(export)], env)
    incr_seconds, incr_peak = run_measured([crm, "build"], env)
    # the daily run on an export that did not change: a load that finds every file unchanged, then a build
    # that finds nothing new (orchestration/build_state.py) and does not start dbt
    again_seconds, _ = run_measured([crm, "load", str(export)], env)
    nothing_seconds, _ = run_measured([crm, "build"], env)
    run_seconds, _ = run_measured(dbt_command("run"), env)  # dbt's own run of every model, nothing new
    # the fixed cost of any dbt invocation: start-up, parse, one small model
    floor_seconds, _ = run_measured(dbt_command("run", "--select", "fct_crm_costs"), env)
    return [
        Measurement(scale, "build before the last day (full)", full_seconds, full_peak),
        Measurement(scale, f"load the export with {last_day} added", load_seconds, load_peak),
        Measurement(scale, "build after one more day (incremental)", incr_seconds, incr_peak,
                    note=f"{incr_seconds / full_seconds:.0%} of the full build"),
        Measurement(scale, "load the same export again (every file unchanged)", again_seconds, 0.0),
        Measurement(scale, "build with nothing new (skipped: nothing changed)", nothing_seconds, 0.0,
                    note=f"{nothing_seconds / full_seconds:.1%} of the full build"),
        Measurement(scale, "dbt run with nothing new (models only, without the skip)", run_seconds, 0.0,
                    note=f"{run_seconds / full_seconds:.0%} of the full build"),
        Measurement(scale, "dbt run of one small model (dbt's fixed cost)", floor_seconds, 0.0,
                    note=f"{floor_seconds / full_seconds:.0%} of the full build"),
    ]


def bench_spark_demo(workdir: Path) -> list[Measurement]:
    """The demo's dbt build on DuckDB and on the Spark session target (needs the [spark] extra)."""
    env = dict(os.environ, CRM_IMPACT_DB=str(workdir / "spark_demo.duckdb"),
               CRM_IMPACT_SPARK_HOME=str(workdir / "spark_demo"), SPARK_LOCAL_IP="127.0.0.1")
    crm = str(BIN / "crm-impact")
    load_seconds, _ = run_measured([crm, "load", str(ROOT / "seeds" / "demo"), "--spark"], env)
    duck_seconds, duck_peak = run_measured([crm, "build"], env)
    spark_seconds, _ = run_measured([crm, "build", "--target", "spark"], env)
    compare_seconds, _ = run_measured([crm, "compare-engines"], env)
    return [
        Measurement(0, "demo: load with the raw Parquet for Spark", load_seconds, 0.0),
        Measurement(0, "demo: dbt build on DuckDB", duck_seconds, duck_peak),
        Measurement(0, "demo: dbt build on Spark (local session)", spark_seconds, 0.0,
                    note=f"{spark_seconds / duck_seconds:.1f}x DuckDB"),
        Measurement(0, "demo: compare the marts of both engines", compare_seconds, 0.0, note="equal"),
    ]


def bench_dagster_dev() -> Measurement:
    """Seconds from starting `dagster dev` to a GraphQL answer listing the asset graph."""
    import signal
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
    start = time.perf_counter()
    process = subprocess.Popen([str(BIN / "dagster"), "dev", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    body = json.dumps({"query": "{ assetNodes { id } }"}).encode()
    try:
        while time.perf_counter() - start < 300:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=body,
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    if json.loads(response.read()).get("data", {}).get("assetNodes"):
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError(f"dagster dev served no asset graph within {time.perf_counter() - start:.0f} s")
        return Measurement(0, "dagster dev start to served asset graph", time.perf_counter() - start, 0.0)
    finally:
        # dagster dev stops its daemon and code server on SIGTERM; one that has not stopped within a
        # minute is killed, so that a slow shutdown never loses the measurements taken before it
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def bench_definitions_load() -> Measurement:
    code = "import time; t = time.perf_counter(); import orchestration.definitions; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return Measurement(0, "dagster definitions load", float(out.stdout.strip().splitlines()[-1]), 0.0)


def machine() -> dict[str, object]:
    """What the numbers were measured on: cores, memory, the platform and the versions that set the speed."""
    import importlib.metadata

    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = {}
    for package in ("duckdb", "dbt-core", "dbt-duckdb", "dagster", "pyarrow", "numpy"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "absent"
    return {"cpus": os.cpu_count(), "memory_gb": round(memory_gb, 1), "python": platform.python_version(),
            "platform": platform.platform(), "memory_limit": memory_limit(),
            "versions": versions}


def to_markdown(results: list[Measurement]) -> str:
    lines = ["| scale | step | seconds | peak memory (MB) | rows/s | note |", "|---|---|---:|---:|---:|---|"]
    for m in results:
        rps = f"{m.rows_per_second:,.0f}" if m.rows_per_second else ""
        peak = f"{m.peak_rss_mb:,.0f}" if m.peak_rss_mb else ""
        lines.append(f"| {m.scale:g} | {m.step} | {m.seconds:.1f} | {peak} | {rps} | {m.note} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", type=float, default=[0.1, 1.0])
    parser.add_argument("--steps", nargs="+", choices=ALL_STEPS, default=list(ALL_STEPS))
    parser.add_argument("--keep", action="store_true", help="keep the generated exports and warehouses")
    parser.add_argument("--repeats", type=int, default=3,
                        help=f"runs of each step shorter than {REPEAT_BELOW_SECONDS:.0f} s; the median is reported")
    parser.add_argument("--spark", action="store_true", help="also time the demo on the Spark target ([spark] extra)")
    parser.add_argument("--overhead-scale", type=float, default=1.0,
                        help="scale at which to compare dbt with bare DuckDB (0 = skip)")
    parser.add_argument("--incremental-scales", nargs="*", type=float, default=[1.0],
                        help="scales at which to time one more day and a run with nothing new (none = skip)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="crm-impact-bench-"))
    results: list[Measurement] = []
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out_file = out_dir / f"{dt.datetime.now(dt.timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
    measured_on = machine()

    def record(measurements: list[Measurement], echo: bool = True) -> None:
        # written after every part, so that a part that fails later loses nothing measured before it
        results.extend(measurements)
        for m in measurements if echo else ():
            print(f"scale {m.scale:>5}  {m.step:<60} {m.seconds:8.1f} s  {m.peak_rss_mb:8.0f} MB  {m.note}", flush=True)
        out_file.write_text(json.dumps({
            "machine": measured_on,
            "results": [asdict(m) | {"rows_per_second": m.rows_per_second} for m in results],
        }, indent=2))

    try:
        for scale in args.scales:
            record(bench_scale(scale, tuple(args.steps), workdir, args.repeats), echo=False)  # printed step by step
        if args.overhead_scale and args.overhead_scale in args.scales and "build" in args.steps:
            scale = args.overhead_scale
            record(bench_overhead(scale, workdir / f"crm_{scale}.duckdb", workdir, args.repeats))
        for scale in args.incremental_scales:
            if scale in args.scales and "generate" in args.steps:
                record(bench_incremental(scale, workdir / f"export_{scale}", workdir))
        if args.spark:
            record(bench_spark_demo(workdir))
        record([bench_definitions_load()])
        record([bench_dagster_dev()])
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(json.dumps(measured_on))
    print(to_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
