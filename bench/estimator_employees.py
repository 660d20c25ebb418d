"""How long the estimator takes with and without the employee scope (issue 19), on a built warehouse.

    .venv/bin/python bench/estimator_employees.py warehouse/crm.duckdb
    .venv/bin/python bench/estimator_employees.py /tmp/s01/crm.duckdb --staff-factor 3.16   # scale 1's staff

The estimator reads only the small monthly series (int_kpi__monthly), so its cost grows with the number
of series, not with the number of records. The generator's headcount grows with the square root of the
scale (orchestration/generate/settings.py, ``staff_factor``): scale 1 has sqrt(10) = 3.16 times the
employees of scale 0.1. ``--staff-factor F`` therefore measures a larger export's employee scope without
building it (the repository's rule: no benchmark at scale >= 1 on the shared machine): every employee's
series are copied until there are F times as many employees, and each copy loses a random 0-8 months
at the start and at the end of its history (another hire or leaving month), so the copies do not all
share one design and the batching of series with equal months (orchestration/estimate/its.py) is not
flattered. Times are the best of ``--repeats`` runs (the machine is shared). Results: docs/methods.md,
"Cost".
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from orchestration.estimate import EstimateSettings, estimate  # noqa: E402
from orchestration.estimate.inputs import read_inputs  # noqa: E402

WITHOUT_EMPLOYEES = ("department", "region", "rollout_wave")


def scaled_staff(monthly: pd.DataFrame, factor: float, seed: int = 19) -> pd.DataFrame:
    """``monthly`` with its employee series copied until there are ``factor`` times as many employees."""
    if factor <= 1:
        return monthly
    rng = np.random.default_rng(seed)
    employees = monthly[monthly["scope_type"] == "employee"]
    keys = np.sort(employees["scope_value"].unique())
    copies = int(round(len(keys) * factor)) - len(keys)
    months = np.sort(employees["month_start"].unique())
    parts = [monthly]
    for i in range(copies):
        template = employees[employees["scope_value"] == keys[i % len(keys)]]
        first = months[min(int(rng.integers(0, 9)), len(months) - 1)]
        last = months[max(len(months) - 1 - int(rng.integers(0, 9)), 0)]
        copy = template[(template["month_start"] >= first) & (template["month_start"] <= last)].copy()
        copy["scope_value"] = f"copy{i:05d}"
        parts.append(copy)
    return pd.concat(parts, ignore_index=True)


def best_time(monthly, definitions, rollouts, settings: EstimateSettings, repeats: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        result = estimate(monthly, definitions, rollouts, settings)
        times.append(time.perf_counter() - started)
        rows = len(result.effects)
    return min(times), rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--staff-factor", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    monthly, definitions, rollouts = read_inputs(args.warehouse)
    monthly = scaled_staff(monthly, args.staff_factor)
    employees = monthly[monthly["scope_type"] == "employee"]
    n_series = employees.groupby(["metric_id", "scope_value"]).ngroups
    print(f"{args.warehouse}: {employees['scope_value'].nunique()} employees, {n_series} employee series "
          f"(staff factor {args.staff_factor:g})")
    print("| scopes | rows | seconds (best of %d) |" % args.repeats)
    print("|---|---|---|")
    for label, scopes in (("company, department, region, wave", WITHOUT_EMPLOYEES), ("all, with employees", None)):
        seconds, rows = best_time(monthly, definitions, rollouts, EstimateSettings(scope_types=scopes), args.repeats)
        print(f"| {label} | {rows:,} | {seconds:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
