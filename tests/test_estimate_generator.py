"""The generator's parts that the estimator's calibration relies on: month-to-month AR(1) demand shocks and
switching every effect off (docs/generator.md)."""

from __future__ import annotations

import numpy as np
import pytest

from orchestration.cli import build_parser
from orchestration.generate import DEFAULT_EFFECTS, MONTH_SHOCK_AR, MONTH_SHOCK_SD, NO_EFFECTS, generate_export
from orchestration.generate.timeline import month_shocks


def test_month_shocks_are_ar1_with_the_stated_size():
    rng = np.random.default_rng(0)
    shocks = month_shocks(rng, 20_000, 0.5, 0.05)
    x = np.log(shocks)
    assert np.mean(shocks) == pytest.approx(1.0, abs=0.003)
    assert np.std(x) == pytest.approx(0.05, rel=0.05)
    assert np.corrcoef(x[1:], x[:-1])[0, 1] == pytest.approx(0.5, abs=0.03)
    assert (month_shocks(rng, 12, 0.5, 0.0) == 1.0).all()


def test_defaults_are_on():
    assert (MONTH_SHOCK_AR, MONTH_SHOCK_SD) == (0.5, 0.05)


def test_no_effects_switches_every_effect_off(tmp_path):
    assert set(NO_EFFECTS) == set(DEFAULT_EFFECTS)
    truth = generate_export(tmp_path / "x", scale=0.003, seed=5, fmt="parquet", effects=NO_EFFECTS)
    assert {m["direction"] for m in truth["metrics"].values()} == {"none"}
    assert truth["row_counts"]["crm_usage"] == 0
    assert truth["settings"]["month_shock_sd"] == 0.05


def test_shocks_move_monthly_volumes(tmp_path):
    import duckdb

    def monthly_orders(sd: float) -> np.ndarray:
        out = tmp_path / f"sd{sd}"
        generate_export(out, scale=0.02, seed=3, fmt="parquet", effects=NO_EFFECTS, month_shock_sd=sd)
        rows = duckdb.sql(f"select date_trunc('month', created_at) m, count(*) from '{out}/orders.parquet' "
                          "group by 1 order by 1").fetchall()
        return np.array([n for _, n in rows], dtype=float)

    calm, shocked = monthly_orders(0.0), monthly_orders(0.15)
    assert len(calm) == len(shocked) == 36
    assert np.std(np.log(shocked / calm)) > 0.05


def test_cli_generate_flags():
    args = build_parser().parse_args(["generate", "--out", "x", "--no-effects", "--month-shock-sd", "0"])
    assert args.no_effects and args.month_shock_sd == 0.0 and args.month_shock_ar == 0.5
