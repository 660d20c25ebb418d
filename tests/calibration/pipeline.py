"""The real pipeline for the calibration tests: generate -> load -> dbt (the models the estimator reads,
without the data tests) -> read_inputs -> estimate. Exports are built two at a time in worker processes,
each with its own dbt target folder (dbt writes its manifest there; two dbt processes must not share it).

Also a script: ``python -m tests.calibration.pipeline`` prints the measured numbers for docs/methods.md.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

WORKERS = int(os.environ.get("CRM_IMPACT_CALIBRATION_WORKERS", "2"))
DBT_SELECT = ["build", "--select", "+int_kpi__monthly", "+dim_crm_rollout",
              "--resource-type", "model", "--resource-type", "seed", "--quiet"]


@dataclass(frozen=True)
class Case:
    name: str
    seed: int
    scale: float
    no_effects: bool = False
    rollout: str = "company"


def _worker_init(root: str) -> None:
    target = Path(root) / f"dbt-target-{os.getpid()}"
    target.mkdir(parents=True, exist_ok=True)
    os.environ["DBT_TARGET_PATH"] = str(target)
    os.environ["DBT_LOG_PATH"] = str(target / "logs")


def build_case(case: Case, root: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """One export through the real loader and dbt; the estimator's inputs and the ground truth."""
    from orchestration.dbt_runner import run_dbt
    from orchestration.estimate.inputs import read_inputs
    from orchestration.generate import NO_EFFECTS, generate_export
    from orchestration.load import load_export

    folder = Path(root) / case.name
    export = folder / "export"
    truth = generate_export(export, scale=case.scale, seed=case.seed, fmt="parquet", rollout=case.rollout,
                            effects=NO_EFFECTS if case.no_effects else None)
    db = folder / "crm.duckdb"
    load_export(export, db)
    run_dbt(DBT_SELECT, db_path=db)
    monthly, definitions, rollouts = read_inputs(db)
    db.unlink()
    return monthly, definitions, rollouts, truth


def build_cases(cases: list[Case], root: str | Path) -> dict[str, tuple]:
    """Every case built, WORKERS at a time."""
    root = str(root)
    # spawn, not fork: the test process has loaded threaded libraries (BLAS, DuckDB) that a forked child
    # must not inherit mid-flight
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=WORKERS, initializer=_worker_init, initargs=(root,),
                             mp_context=context) as pool:
        futures = {case.name: pool.submit(build_case, case, root) for case in cases}
        return {name: future.result() for name, future in futures.items()}


# ---- the measures the tests assert ---------------------------------------------------------------------------

CLAIMS = ("better", "worse")


def company(effects: pd.DataFrame) -> pd.DataFrame:
    return effects[effects["scope_type"] == "company"]


def null_measures(effects_by_seed: dict[str, pd.DataFrame]) -> dict:
    """False claims and interval coverage of zero on exports without effects."""
    rows = pd.concat([company(e).assign(seed=s) for s, e in effects_by_seed.items()], ignore_index=True)
    with_interval = rows[rows["effect_ci_low"].notna()]
    covers = (with_interval["effect_ci_low"] <= 0) & (with_interval["effect_ci_high"] >= 0)
    claims = rows["verdict"].isin(CLAIMS)
    return {
        "seeds": len(effects_by_seed), "company_rows": len(rows), "claims": int(claims.sum()),
        "claim_rate": float(claims.mean()),
        "seeds_with_a_claim": int(rows[claims]["seed"].nunique()),
        "rows_with_interval": len(with_interval), "coverage": float(covers.mean()),
        "raw_rejections": float((with_interval["p_value"] < 0.05).mean()),
        "claimed": sorted(rows.loc[claims, "metric_id"] + " (" + rows.loc[claims, "seed"] + ")"),
        "not_covering": with_interval.loc[~covers, "metric_id"].value_counts().to_dict(),
        "verdicts": rows["verdict"].value_counts().to_dict(),
    }


def injected(truth: dict) -> dict[str, dict]:
    """Effects the generator injected (kind multiplier or delta, a non-neutral size)."""
    out = {}
    for metric, spec in truth["metrics"].items():
        if spec["kind"] == "multiplier" and spec["size"] != 1.0 or spec["kind"] == "delta" and spec["size"] != 0.0:
            out[metric] = spec
    return out


def true_effect(spec: dict, row: pd.Series) -> tuple[float, float]:
    """(absolute, relative) true effect on the row's post period, at full size."""
    if spec["kind"] == "multiplier":
        relative = spec["size"] - 1.0
        return relative * abs(row["counterfactual_mean"]), relative
    scale = abs(row["counterfactual_mean"])
    return spec["size"], (spec["size"] / scale if scale > 0 else float("nan"))  # CRM adoption: 0 before


def power_measures(results: dict[str, tuple[pd.DataFrame, dict]]) -> dict:
    """Of the injected effects larger than their MDE: the share found in the right direction; and every
    metric with a known direction (injected or derived) found in the wrong one."""
    detectable = found = 0
    wrong: list[str] = []
    missed: list[str] = []
    table = []
    for seed, (effects, truth) in results.items():
        rows = company(effects).set_index("metric_id")
        for metric, spec in truth["metrics"].items():
            if metric not in rows.index:
                continue
            row = rows.loc[metric]
            expected = {"improves": "better", "worsens": "worse"}.get(spec["direction"])
            if row["verdict"] in CLAIMS and expected and row["verdict"] != expected:
                wrong.append(f"{metric} ({seed})")
            if metric not in injected(truth) or not pd.notna(row["mde"]):
                continue
            absolute, _ = true_effect(spec, row)
            table.append({"seed": seed, "metric": metric, "true": absolute, "mde": row["mde"],
                          "effect": row["effect"], "verdict": row["verdict"]})
            if abs(absolute) > row["mde"]:
                detectable += 1
                if row["verdict"] == expected:
                    found += 1
                else:
                    missed.append(f"{metric} ({seed}): {row['verdict']}")
    return {"detectable": detectable, "found": found, "power": found / detectable if detectable else float("nan"),
            "wrong_direction": wrong, "missed": missed, "table": table}


def did_coverage(effects: pd.DataFrame, truth: dict) -> dict:
    """Does each DiD interval of the company rows cover the injected effect?"""
    rows = company(effects)
    rows = rows[rows["method"] == "did"].set_index("metric_id")
    covered, missed = [], []
    for metric, spec in injected(truth).items():
        if metric not in rows.index:
            continue
        row = rows.loc[metric]
        absolute, relative = true_effect(spec, row)
        if spec["kind"] == "multiplier":
            inside = row["relative_effect_ci_low"] <= relative <= row["relative_effect_ci_high"]
        else:
            inside = row["effect_ci_low"] <= absolute <= row["effect_ci_high"]
        (covered if inside else missed).append(metric)
    return {"did_rows": len(rows), "covered": covered, "missed": missed}


if __name__ == "__main__":  # pragma: no cover - measurement script for docs/methods.md
    import sys
    import time

    from orchestration.estimate import EstimateSettings, estimate

    n_null = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    cases = ([Case(f"null{s}", s, 0.02, no_effects=True) for s in range(1, n_null + 1)]
             + [Case(f"effects{s}", s, 0.1) for s in (101, 102, 103)]
             + [Case("staged", 7, 0.1, rollout="staged")])
    start = time.time()
    with tempfile.TemporaryDirectory() as root:
        built = build_cases(cases, root)
    settings = EstimateSettings(scope_types=())
    estimates = {name: estimate(*inputs[:3], settings=settings).effects for name, inputs in built.items()}
    null = null_measures({n: e for n, e in estimates.items() if n.startswith("null")})
    power = power_measures({n: (e, built[n][3]) for n, e in estimates.items() if n.startswith("effects")})
    did = did_coverage(estimates["staged"], built["staged"][3])
    print(json.dumps({"null": null, "power": {k: v for k, v in power.items() if k != "table"}, "did": did,
                      "seconds": round(time.time() - start)}, indent=1, default=str))
    print(pd.DataFrame(power["table"]).to_string())
    staged = company(estimates["staged"])
    print(staged[["metric_id", "method", "relative_effect", "relative_effect_ci_low", "relative_effect_ci_high",
                  "verdict"]].to_string())
