"""Synthetic CRM export generator: a realistic export with known CRM effects (the ground truth).

    from orchestration.generate import generate_export
    truth = generate_export("exports/demo", scale=0.01, seed=42)

writes one file per table of the raw contract (``orchestration.contract``) plus
``ground_truth.json``, and returns the ground truth as a dict. Same arguments, same bytes.

Modules, one job each:

* ``settings``    arguments, sizes from scale, named random streams
* ``timeline``    calendar, seasonality, growth trend, time of day
* ``effects``     the injected CRM effects, their ramp-up and their ground truth
* ``people``      departments, employees (hires, leavers), customer names/e-mails/phones
* ``sales``       products, customers and their orders, order lines, leads, targets
* ``service``     tickets, surveys
* ``back_office`` fx rates, documents, approvals, activities, expenses, CRM costs, usage, rollout
* ``build``       wires the modules together into the contract's tables
* ``dirty``       fault injection (``dirty=`` share of rows)
* ``writer``      contract tables as CSV or Parquet

See docs/generator.md for what is modelled and why.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from orchestration.contract import TABLES

from .build import simulate
from .dirty import inject
from .effects import CATALOG, DEFAULT_EFFECTS, DERIVED, NO_EFFECTS
from .settings import MONTH_SHOCK_AR, MONTH_SHOCK_SD, REPORTING_CURRENCY, Settings
from .writer import write_table

__all__ = ["generate_export", "DEFAULT_EFFECTS", "NO_EFFECTS", "DERIVED", "CATALOG", "GROUND_TRUTH_FILE",
           "MONTH_SHOCK_AR", "MONTH_SHOCK_SD"]

GROUND_TRUTH_FILE = "ground_truth.json"
GENERATOR_VERSION = 1


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def generate_export(out_dir, *, scale: float = 0.01, seed: int = 42, fmt: str = "csv",
                    go_live: date | str = date(2024, 9, 1), rollout: str = "company", dirty: float = 0.0,
                    ramp_up_days: int = 90, start: date | str = date(2023, 1, 1),
                    end: date | str = date(2025, 12, 31), effects: dict | None = None,
                    month_shock_ar: float = MONTH_SHOCK_AR, month_shock_sd: float = MONTH_SHOCK_SD) -> dict:
    """Write a synthetic CRM export to ``out_dir`` and return its ground truth.

    scale: 1 is about 1,000,000 order lines (0.01 is the demo, ~10,000 lines).
    fmt: "csv" or "parquet". rollout: "company" (one go-live) or "staged" (half the
    departments at go_live, the rest six months later). dirty: share of rows that get a
    contract violation (0 = clean). effects: overrides of the injected effects,
    {metric_id: size} (see DEFAULT_EFFECTS); ``effects=NO_EFFECTS`` switches every effect off.
    month_shock_ar, month_shock_sd: the AR(1) coefficient and standard deviation of the month-to-month
    demand shocks (log scale; month_shock_sd=0 switches them off). The ground truth is also written to
    out_dir/ground_truth.json.
    """
    settings = Settings(scale=float(scale), seed=int(seed), fmt=fmt, go_live=_as_date(go_live), rollout=rollout,
                        dirty=float(dirty), ramp_up_days=int(ramp_up_days), start=_as_date(start),
                        end=_as_date(end), effects=dict(effects or {}), month_shock_ar=float(month_shock_ar),
                        month_shock_sd=float(month_shock_sd))
    world = simulate(settings)
    tables = world.tables
    faults = None
    if settings.dirty > 0:
        tables, faults = inject(tables, settings.dirty, settings.rng("dirty"))

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    other = "parquet" if settings.fmt == "csv" else "csv"
    for table in TABLES:
        stale = out / f"{table.name}.{other}"
        if stale.exists():  # never leave a previous run's file of the other format behind
            stale.unlink()
        write_table(table.name, tables[table.name], out, settings.fmt)

    metrics = world.effects.ground_truth(world.full_effect_from)
    for metric, extra in world.estimates.items():
        metrics[metric].update(extra)
    truth = {
        "generator": {"name": "crm-impact synthetic CRM export", "version": GENERATOR_VERSION},
        "settings": {
            "scale": settings.scale, "seed": settings.seed, "fmt": settings.fmt,
            "go_live": settings.go_live.isoformat(), "rollout": settings.rollout,
            "ramp_up_days": settings.ramp_up_days, "start": settings.start.isoformat(),
            "end": settings.end.isoformat(), "dirty": settings.dirty,
            "reporting_currency": REPORTING_CURRENCY, "crm_timezone": "UTC",
            "effects_overridden": sorted(settings.effects),
            "month_shock_ar": settings.month_shock_ar, "month_shock_sd": settings.month_shock_sd,
        },
        "rollout": [{"scope_type": r["scope_type"], "scope_value": r["scope_value"],
                     "go_live_date": r["go_live_date"].isoformat()}
                    for r in world.tables["crm_rollout"].to_pylist()],
        "department_go_live": {d: g.isoformat() for d, g in world.dept_go_live.items()},
        "metrics": metrics,
        "row_counts": {name: tables[name].num_rows for name in (t.name for t in TABLES)},
        "faults": faults if faults is not None else {"rate": 0.0, "counts": {}, "quarantined": {},
                                                     "kept_with_warning": {}, "total": 0, "list": []},
    }
    with open(out / GROUND_TRUTH_FILE, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(_dumps(truth))
    return truth


def _dumps(truth: dict) -> str:
    """Indented JSON, with the (possibly long) fault list one fault per line."""
    faults = truth["faults"]["list"]
    body = dict(truth, faults=dict(truth["faults"], list="\0faults\0"))
    text = json.dumps(body, ensure_ascii=False, indent=1)
    items = ",\n  ".join(json.dumps(f, ensure_ascii=False) for f in faults)
    return text.replace('"\\u0000faults\\u0000"', f"[\n  {items}\n ]" if faults else "[]") + "\n"
