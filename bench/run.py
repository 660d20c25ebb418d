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
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

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


def bench_scale(scale: float, steps: tuple[str, ...], workdir: Path) -> list[Measurement]:
    export = workdir / f"export_{scale}"
    env = dict(os.environ, CRM_IMPACT_DB=str(workdir / f"crm_{scale}.duckdb"),
               CRM_IMPACT_SERVING_DB=str(workdir / f"serving_{scale}.duckdb"),
               CRM_IMPACT_REPORTS=str(workdir / f"reports_{scale}"))
    crm = str(BIN / "crm-impact")
    commands = {
        "generate": [crm, "generate", "--scale", str(scale), "--seed", "42", "--out", str(export), "--format", "parquet"],
        "load": [crm, "load", str(export)],
        "build": [crm, "build"],
        "publish": [crm, "publish"],
        "report": [crm, "report"],
    }
    results = []
    for step in steps:
        seconds, peak = run_measured(commands[step], env)
        rows = count_rows(export) if step in ("generate", "load") and (export / "ground_truth.json").exists() else None
        results.append(Measurement(scale, step, seconds, peak, rows))
        print(f"scale {scale:>5}  {step:<9} {seconds:8.1f} s  {peak:8.0f} MB", flush=True)
    return results


def bench_definitions_load() -> Measurement:
    code = "import time; t = time.perf_counter(); import orchestration.definitions; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return Measurement(0, "dagster definitions load", float(out.stdout.strip().splitlines()[-1]), 0.0)


def to_markdown(results: list[Measurement]) -> str:
    lines = ["| scale | step | seconds | peak memory (MB) | rows/s |", "|---|---|---:|---:|---:|"]
    for m in results:
        rps = f"{m.rows_per_second:,.0f}" if m.rows_per_second else ""
        lines.append(f"| {m.scale:g} | {m.step} | {m.seconds:.1f} | {m.peak_rss_mb:,.0f} | {rps} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", type=float, default=[0.1, 1.0])
    parser.add_argument("--steps", nargs="+", choices=ALL_STEPS, default=list(ALL_STEPS))
    parser.add_argument("--keep", action="store_true", help="keep the generated exports and warehouses")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="crm-impact-bench-"))
    results: list[Measurement] = []
    try:
        for scale in args.scales:
            results += bench_scale(scale, tuple(args.steps), workdir)
        results.append(bench_definitions_load())
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (out_dir / f"{stamp}.json").write_text(json.dumps({
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "results": [asdict(m) | {"rows_per_second": m.rows_per_second} for m in results],
    }, indent=2))
    print()
    print(to_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
