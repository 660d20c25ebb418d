"""Unit tests of the estimator (orchestration/estimate) on synthetic monthly series made in NumPy:
known steps, AR(1) noise, trend and season; checked against statsmodels and diff-diff where they are
wrapped, and the verdict rules on every row. Fast: no warehouse (the calibration on the real pipeline is
tests/test_estimate_calibration.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

from orchestration.estimate import COUNTERFACTUAL_COLUMNS, EFFECT_COLUMNS, VERDICTS, EstimateSettings, estimate
from orchestration.estimate.ar1_gls import fit_ar1, gls_at
from orchestration.estimate.design import MONTH_EFFECTS, choose_terms
from orchestration.estimate.did import fit_did
from orchestration.estimate.its import fit_its
from orchestration.estimate.multiple import adjust
from orchestration.estimate.placebo import PlaceboResult, placebo_positions, run_placebos
from orchestration.estimate.series import Series, month_number
from orchestration.estimate.verdict import decide

SETTINGS = EstimateSettings()
MONTHS = pd.date_range("2023-01-01", "2025-12-01", freq="MS")
GO_LIVE = pd.Timestamp("2024-09-01")
FIRST_POST = pd.Timestamp("2024-12-01")


def periods(go_live=GO_LIVE, first_post=FIRST_POST, baseline_months=12) -> np.ndarray:
    baseline_start = go_live - pd.DateOffset(months=baseline_months)
    return np.select([MONTHS >= first_post, MONTHS >= go_live, MONTHS >= baseline_start],
                     ["post", "ramp_up", "baseline"], "outside")


def ar1(rng: np.random.Generator, rho: float, n: int) -> np.ndarray:
    e = np.empty(n)
    e[0] = rng.standard_normal() / np.sqrt(1 - rho ** 2)
    for i in range(1, n):
        e[i] = rho * e[i - 1] + rng.standard_normal()
    return e


def synthetic(rng, *, level=100.0, growth=0.10, season=0.15, step=0.0, rho=0.4, noise=0.04, log=True,
              period=None) -> np.ndarray:
    """A monthly series: level x growth x season x (1 + step after the ramp-up) x AR(1) noise (log=True),
    or level + step + noise on the metric's own scale (log=False)."""
    n = len(MONTHS)
    t = np.arange(n) / 12.0
    moy = MONTHS.month.to_numpy()
    shape = season * np.cos(2 * np.pi * (moy - 12) / 12) + 0.3 * season * (moy == 12)
    period = periods() if period is None else period
    ramp = np.where(period == "ramp_up", 0.5, 0.0)
    post = (period == "post").astype(float) + ramp
    e = noise * ar1(rng, rho, n)
    if log:
        return level * np.exp(np.log1p(growth) * t + shape + np.log1p(step) * post + e)
    return level + growth * t + shape + step * post + e


def frame(metric_id: str, values: np.ndarray, scope_type="company", scope_value="all", period=None,
          family="service") -> pd.DataFrame:
    return pd.DataFrame({
        "month_start": MONTHS, "metric_id": metric_id, "family": family, "scope_type": scope_type,
        "scope_value": scope_value, "crm_period": periods() if period is None else period,
        "metric_value": values, "numerator": np.nan, "denominator": np.nan, "record_count": 100,
    })


def definitions(*specs: tuple[str, str, str, str, str]) -> pd.DataFrame:
    """(metric_id, family, unit, direction, period_aggregation)"""
    rows = [{"metric_id": m, "family": f, "label_en": m, "label_uk": m, "unit": u, "direction": d,
             "period_aggregation": a, "definition": "", "is_catalog_metric": True} for m, f, u, d, a in specs]
    return pd.DataFrame(rows)


def company_rollout(go_live=GO_LIVE, first_post=FIRST_POST) -> pd.DataFrame:
    return pd.DataFrame([{"scope_type": "company", "scope_value": "all", "go_live_date": go_live.date(),
                          "ramp_up_end_date": (first_post - pd.Timedelta(days=1)).date(),
                          "baseline_start_month": (go_live - pd.DateOffset(months=12)).date(),
                          "first_post_month": first_post.date(), "is_from_settings": False}])


def series_of(values, unit="count", period=None) -> Series:
    return Series.from_frame(frame("m", values, period=period), unit)


# ---- the AR(1) regression against statsmodels --------------------------------------------------------------

def test_gls_at_a_fixed_rho_is_statsmodels_gls():
    rng = np.random.default_rng(1)
    times = np.r_[np.arange(20), np.arange(23, 36)]
    X = np.column_stack([np.ones(33), times / 12.0, np.sin(times), times >= 23])
    y = X @ [1.0, 0.2, 0.3, 0.5] + ar1(rng, 0.5, 36)[times]
    rho = 0.45
    corr = rho ** np.abs(times[:, None] - times[None, :])
    reference = sm.GLS(y, X, sigma=corr).fit()
    b, cov = gls_at(y, X, times, rho)
    np.testing.assert_allclose(b, reference.params, rtol=1e-8)
    np.testing.assert_allclose(cov, reference.cov_params(), rtol=1e-8)


def test_rho_averaged_fit_matches_statsmodels_on_a_long_series():
    """On a long series the restricted likelihood is sharp: the averaged fit is GLS at the estimated rho, and
    that rho agrees with statsmodels' GLSAR."""
    rng = np.random.default_rng(2)
    n = 240
    times = np.arange(n)
    X = np.column_stack([np.ones(n), times / 120.0, times >= 120])
    y = X @ [2.0, 0.5, 1.0] + ar1(rng, 0.6, n)
    fit = fit_ar1(y, X, times, grid_size=95)
    glsar = sm.GLSAR(y, X, rho=1).iterative_fit(maxiter=20)
    assert abs(fit.rho_mean - glsar.model.rho[0]) < 0.05
    b, cov = gls_at(y, X, times, fit.rho)
    np.testing.assert_allclose(fit.params, b, atol=0.05)
    assert 0.8 < np.sqrt(fit.cov[-1, -1] / cov[-1, -1]) < 1.3
    assert abs(fit.params[-1] - 1.0) < 3 * np.sqrt(fit.cov[-1, -1])


@pytest.mark.slow
def test_its_interval_is_calibrated_on_short_autocorrelated_series():
    """The reason for ar1_gls: 20 months before, 13 after, AR(1) 0.5, no effect. The 95% interval must cover
    zero about 95% of the time (HAC's covers it about 75%)."""
    rng = np.random.default_rng(3)
    covered = 0
    runs = 300
    for _ in range(runs):
        result = fit_its(series_of(synthetic(rng, rho=0.5, noise=0.05)), SETTINGS)
        estimate, _ = result
        low, high = estimate.step_ci
        covered += low <= 0 <= high
    assert covered / runs >= 0.92


def test_its_recovers_a_known_step_trend_and_season():
    rng = np.random.default_rng(4)
    estimate, model = fit_its(series_of(synthetic(rng, step=0.2, noise=0.03, rho=0.3)), SETTINGS)
    assert model.terms.season == MONTH_EFFECTS
    assert estimate.log_scale and estimate.method == "its"
    assert estimate.pre_months == 20 and estimate.post_months == 13
    low, high = estimate.relative_ci
    assert low < 0.2 < high and low > 0.1
    assert estimate.relative_effect == pytest.approx(estimate.effect / abs(estimate.counterfactual_mean))
    # a noiseless series: the step exactly
    exact, _ = fit_its(series_of(synthetic(rng, step=0.2, noise=0.0) * 1.0 + 0.0), SETTINGS)
    assert exact.relative_effect == pytest.approx(0.2, abs=1e-6)


def test_level_scale_for_rates_and_the_relative_effect():
    rng = np.random.default_rng(5)
    values = synthetic(rng, level=0.3, growth=0.0, season=0.01, step=0.05, noise=0.01, log=False)
    estimate, model = fit_its(series_of(values, unit="ratio"), SETTINGS)
    assert not estimate.log_scale
    assert abs(estimate.effect - 0.05) < 3 * estimate.se
    assert estimate.relative_effect == pytest.approx(estimate.effect / abs(estimate.counterfactual_mean))
    assert estimate.counterfactual_mean == pytest.approx(np.mean(values[periods() == "post"]) - estimate.effect,
                                                         rel=0.02)


def test_terms_follow_the_length_of_the_history():
    months = np.arange(600, 640)
    assert choose_terms(months[:11], SETTINGS) is None
    assert (choose_terms(months[:12], SETTINGS).season, choose_terms(months[:12], SETTINGS).fourier_pairs) == ("fourier", 2)
    assert choose_terms(months[:18], SETTINGS).fourier_pairs == 5
    assert choose_terms(months[:19], SETTINGS).season == MONTH_EFFECTS


def test_too_little_history_and_no_post_months():
    rng = np.random.default_rng(6)
    short = periods(go_live=pd.Timestamp("2023-10-01"), first_post=pd.Timestamp("2024-01-01"))
    result = fit_its(series_of(synthetic(rng, period=short), period=short), SETTINGS)
    assert result.verdict == "too little data" and "9 months before the go-live" in result.reason
    late = periods(go_live=pd.Timestamp("2025-11-01"), first_post=pd.Timestamp("2026-02-01"))
    result = fit_its(series_of(synthetic(rng, period=late), period=late), SETTINGS)
    assert result.verdict == "not available" and "after the ramp-up" in result.reason


def test_placebos_fire_on_a_shift_inside_the_history():
    rng = np.random.default_rng(7)
    values = synthetic(rng, noise=0.02, rho=0.2)
    values[14:20] *= 1.3  # a level shift months before the go-live that the model has no term for
    placebo = run_placebos(series_of(values), SETTINGS)
    assert placebo.runs == len(placebo_positions(20, SETTINGS)) == 6
    assert placebo.hits >= 1  # the fake go-live at the shift finds it
    clean = [run_placebos(series_of(synthetic(rng, noise=0.02, rho=0.2)), SETTINGS) for _ in range(10)]
    assert sum(p.unreliable(SETTINGS) for p in clean) <= 1


def test_placebo_rule():
    assert PlaceboResult(6, 3).unreliable(SETTINGS)
    assert not PlaceboResult(6, 2).unreliable(SETTINGS)
    assert PlaceboResult(3, 2).unreliable(SETTINGS)
    assert not PlaceboResult(1, 1).unreliable(SETTINGS)
    assert placebo_positions(11, SETTINGS) == [] and placebo_positions(15, SETTINGS) == [12]


# ---- DiD against diff-diff -----------------------------------------------------------------------------------

def staged_monthly(rng, effect: float, n_first=4, n_second=4):
    """Department series of a staged rollout: wave 1 live 2024-09, wave 2 2025-03, ramp-up 3 months."""
    go = {f"d{i}": (pd.Timestamp("2024-09-01") if i < n_first else pd.Timestamp("2025-03-01"))
          for i in range(n_first + n_second)}
    frames, rollout = [], []
    for unit, go_live in go.items():
        first_post = go_live + pd.DateOffset(months=3)
        period = periods(go_live, first_post)
        on = np.where(period == "post", 1.0, 0.0)
        values = synthetic(rng, level=rng.uniform(50, 200), noise=0.05, rho=0.3) * (1 + effect) ** on
        frames.append(frame("m", values, scope_type="department", scope_value=unit, period=period))
        rollout.append({"scope_type": "department", "scope_value": unit, "go_live_date": go_live.date(),
                        "ramp_up_end_date": (first_post - pd.Timedelta(days=1)).date(),
                        "baseline_start_month": (go_live - pd.DateOffset(months=12)).date(),
                        "first_post_month": first_post.date(), "is_from_settings": False})
    return pd.concat(frames, ignore_index=True), pd.DataFrame(rollout)


def test_did_is_diff_diff_callaway_santanna_with_a_small_sample_interval():
    from diff_diff import CallawaySantAnna

    rng = np.random.default_rng(8)
    monthly, rollout = staged_monthly(rng, effect=0.15)
    result = fit_did("m", "count", monthly, rollout, company_post_mean=1000.0, settings=SETTINGS)
    assert result.method == "did" and result.log_scale
    # the same panel straight into diff-diff
    ramp = {m for g in (pd.Timestamp("2024-09-01"), pd.Timestamp("2025-03-01")) for m in
            month_number(pd.Series(pd.date_range(g, periods=3, freq="MS")))}
    panel = monthly.assign(time=month_number(monthly["month_start"]), y=np.log(monthly["metric_value"]))
    panel = panel[~panel["time"].isin(ramp)]
    first = dict(zip(rollout["scope_value"], month_number(rollout["first_post_month"])))
    panel = panel.assign(first_treat=panel["scope_value"].map(first).astype(int))
    reference = CallawaySantAnna(control_group="not_yet_treated", estimation_method="reg").fit(
        panel, outcome="y", unit="scope_value", time="time", first_treat="first_treat")
    assert result.step == pytest.approx(reference.overall_att, rel=1e-9)
    assert result.se == pytest.approx(reference.overall_se * np.sqrt(8 / 7), rel=1e-9)
    assert result.df == 3  # min(4 treated, 4 controls) - 1
    assert result.post_months == 3  # Dec 2024 .. Feb 2025: wave 2 not yet live
    low, high = result.relative_ci
    assert low < 0.15 < high
    assert result.counterfactual_mean == pytest.approx(1000.0 / 1.0 / np.exp(result.step))


@pytest.mark.slow
def test_did_interval_is_calibrated_with_few_departments():
    rng = np.random.default_rng(9)
    covered, runs = 0, 80
    for _ in range(runs):
        monthly, rollout = staged_monthly(rng, effect=0.0, n_first=3, n_second=3)
        low, high = fit_did("m", "count", monthly, rollout, 100.0, SETTINGS).step_ci
        covered += low <= 0 <= high
    assert covered / runs >= 0.92


def test_staged_rollout_company_row_is_the_did_and_falls_back_to_its():
    rng = np.random.default_rng(10)
    department, rollout = staged_monthly(rng, effect=0.2)
    company = frame("m", department.groupby("month_start")["metric_value"].sum().to_numpy(),
                    period=periods(first_post=pd.Timestamp("2025-06-01")))
    other = frame("r", synthetic(rng, level=0.4, growth=0, season=0.01, noise=0.02, log=False),
                  period=periods(first_post=pd.Timestamp("2025-06-01")))
    defs = definitions(("m", "service", "count", "up", "total"), ("r", "service", "ratio", "up", "ratio"))
    rollouts = pd.concat([company_rollout(first_post=pd.Timestamp("2025-06-01")), rollout], ignore_index=True)
    effects = estimate(pd.concat([company, department, other], ignore_index=True), defs, rollouts).effects
    rows = effects.set_index(["metric_id", "scope_type", "scope_value"])
    assert rows.loc[("m", "company", "all"), "method"] == "did"
    assert "4 treated and 4 control departments" in rows.loc[("m", "company", "all"), "method_detail"]
    assert rows.loc[("r", "company", "all"), "method"] == "its"
    assert "no DiD: the metric has no department series" in rows.loc[("r", "company", "all"), "method_detail"]
    assert rows.loc[("m", "department", "d0"), "method"] == "its"


# ---- the whole estimate: interface, adjustment, verdicts -----------------------------------------------------

@pytest.fixture(scope="module")
def company_estimates():
    rng = np.random.default_rng(11)
    specs = [("faster", "service", "minutes", "down", "median", dict(step=-0.3)),
             ("slower", "service", "hours", "down", "median", dict(step=0.25)),
             ("orders", "financial", "count", "up", "total", dict(step=0.0, noise=0.01)),
             ("revenue", "financial", "money", "up", "total", dict(step=0.0, noise=0.12)),
             ("rate", "process", "ratio", "up", "ratio", dict(level=0.3, growth=0.0, season=0.01, noise=0.01,
                                                              step=0.06, log=False)),
             ("lifetime", "customer_base", "months", "up", "ratio", dict(step=0.0)),
             ("customer_lifetime_months", "customer_base", "months", "up", "ratio", dict(step=0.0)),
             ("payback", "financial", "months", "down", "payback", dict(step=0.0))]
    frames = []
    for metric, family, _, _, _, kwargs in specs:
        frames.append(frame(metric, synthetic(rng, **kwargs), family=family))
        frames.append(frame(metric, synthetic(rng, **kwargs), scope_type="region", scope_value="north",
                            family=family))
    monthly = pd.concat(frames, ignore_index=True)
    # a ratio with months without records, and a metric with no history
    monthly.loc[(monthly["metric_id"] == "rate") & (monthly["month_start"] == "2023-05-01"), "metric_value"] = np.nan
    monthly = monthly[~((monthly["metric_id"] == "lifetime") & (monthly["crm_period"] != "post"))]
    defs = definitions(*[s[:5] for s in specs])
    return estimate(monthly, defs, company_rollout()), defs


def test_output_columns_are_the_interface(company_estimates):
    result, _ = company_estimates
    assert list(result.effects.columns) == EFFECT_COLUMNS
    assert list(result.counterfactual.columns) == COUNTERFACTUAL_COLUMNS
    assert "payback" not in set(result.effects["metric_id"])
    assert set(result.effects["verdict"]) <= set(VERDICTS)
    assert result.effects["pre_months"].dtype == np.int64 and result.effects["p_value"].dtype == np.float64
    assert result.effects.duplicated(["metric_id", "scope_type", "scope_value"]).sum() == 0
    assert result.counterfactual.duplicated(["metric_id", "scope_type", "scope_value", "month_start"]).sum() == 0


def test_known_effects_get_their_verdicts(company_estimates):
    result, _ = company_estimates
    rows = result.effects.set_index(["metric_id", "scope_type"])
    assert rows.loc[("faster", "company"), "verdict"] == "better"
    assert rows.loc[("slower", "company"), "verdict"] == "worse"
    assert rows.loc[("rate", "company"), "verdict"] == "better"
    assert rows.loc[("orders", "company"), "verdict"] == "no clear change"
    noisy = rows.loc[("revenue", "company")]
    assert noisy["verdict"] == "too little data" and noisy["verdict_reason"].startswith("could detect +-")
    assert rows.loc[("lifetime", "company"), "verdict"] == "not available"
    lifetime = rows.loc[("customer_lifetime_months", "company")]
    assert lifetime["verdict"] == "not available" and "censored" in lifetime["verdict_reason"]
    assert np.isnan(lifetime["effect"])
    assert rows.loc[("faster", "company"), "relative_effect"] == pytest.approx(-0.3, abs=0.06)


def test_verdicts_never_contradict_their_estimates(company_estimates):
    effects = company_estimates[0].effects
    defs = company_estimates[1].set_index("metric_id")
    adjusted = effects["p_value_holm"].where(effects["scope_type"] == "company", effects["p_value_bh"])
    claimed = effects["verdict"].isin(["better", "worse"])
    assert claimed.any()
    sign_up = (effects["effect"] > 0) == effects["metric_id"].map(defs["direction"]).eq("up")
    assert ((effects["verdict"] == "better") <= sign_up).all()
    assert ((effects["verdict"] == "worse") <= ~sign_up).all()
    assert (adjusted[claimed] < SETTINGS.alpha).all()
    excludes = (effects["effect_ci_low"] > 0) | (effects["effect_ci_high"] < 0)
    assert excludes[claimed].all()
    judged = effects["verdict"].isin(["better", "worse", "no clear change"])
    assert effects.loc[judged, ["effect", "effect_ci_low", "effect_ci_high"]].notna().all().all()
    assert (effects.loc[judged, "effect_ci_low"] <= effects.loc[judged, "effect"]).all()
    assert (effects.loc[judged, "effect"] <= effects.loc[judged, "effect_ci_high"]).all()


def test_holm_and_bh_columns(company_estimates):
    effects = company_estimates[0].effects
    company = effects[(effects["scope_type"] == "company") & effects["p_value"].notna()]
    np.testing.assert_allclose(company["p_value_holm"], multipletests(company["p_value"], method="holm")[1])
    assert effects.loc[effects["scope_type"] != "company", "p_value_holm"].isna().all()
    assert effects.loc[effects["scope_type"] == "company", "p_value_bh"].isna().all()
    regions = effects[(effects["scope_type"] == "region") & effects["p_value"].notna()]
    for _, group in regions.groupby(regions["metric_id"].map(company_estimates[1].set_index("metric_id")["family"])):
        np.testing.assert_allclose(group["p_value_bh"], multipletests(group["p_value"], method="fdr_bh")[1])


def test_adjust_families_are_family_and_scope_type():
    effects = pd.DataFrame({"metric_id": ["a", "b", "a", "b", "c"], "scope_type": ["department"] * 4 + ["company"],
                            "scope_value": ["x", "x", "y", "y", "all"], "p_value": [0.01, 0.02, 0.03, np.nan, 0.04]})
    out = adjust(effects, pd.Series({"a": "f1", "b": "f2", "c": "f1"}))
    np.testing.assert_allclose(out["p_value_bh"][[0, 2]], multipletests([0.01, 0.03], method="fdr_bh")[1])
    assert out["p_value_bh"][1] == pytest.approx(0.02) and np.isnan(out["p_value_bh"][3])
    assert out["p_value_holm"][4] == pytest.approx(0.04)


def test_verdict_rules_case_by_case():
    base = dict(scope_type="company", effect=0.1, effect_ci_low=0.05, effect_ci_high=0.15, relative_effect=0.1,
                relative_effect_ci_low=0.05, relative_effect_ci_high=0.15, p_value=0.001, p_value_holm=0.01,
                p_value_bh=np.nan, mde_relative=0.05, preset_verdict=None, preset_reason=None,
                placebo_unreliable=False, placebo_reason="0 of 6 placebo go-lives before the real one fired")
    cases = [
        (dict(metric_id="up"), "better"),
        (dict(metric_id="down"), "worse"),
        (dict(metric_id="up", p_value_holm=0.2), "no clear change"),
        (dict(metric_id="up", p_value_holm=0.2, mde_relative=0.3), "too little data"),
        (dict(metric_id="up", placebo_unreliable=True), "unreliable"),
        (dict(metric_id="up", effect_ci_low=np.nan, effect_ci_high=np.nan), "not available"),
        (dict(metric_id="up", preset_verdict="too little data", preset_reason="few months"), "too little data"),
        # adjusted p below alpha but the interval touches 0 (inconsistent inputs): never a claim
        (dict(metric_id="up", effect_ci_low=-0.01), "no clear change"),
        (dict(metric_id="up", scope_type="region", p_value_holm=np.nan, p_value_bh=0.01), "better"),
        (dict(metric_id="up", scope_type="region", p_value_holm=0.001, p_value_bh=0.2), "no clear change"),
    ]
    frame_ = pd.DataFrame([{**base, **case} for case, _ in cases])
    out = decide(frame_, pd.Series({"up": "up", "down": "down"}), SETTINGS)
    assert list(out["verdict"]) == [expected for _, expected in cases]
    assert out["verdict_reason"][3] == "could detect +-30% (practical size 10%)"
    assert out["verdict_reason"][6] == "few months"
    assert "placebo" in out["verdict_reason"][4]


def test_counterfactual_table_and_its_cumulative_interval(company_estimates):
    table = company_estimates[0].counterfactual
    rows = table[(table["metric_id"] == "faster") & (table["scope_type"] == "company")].reset_index(drop=True)
    assert len(rows) == 16  # 3 ramp-up + 13 post months
    assert str(rows["month_start"][0]) == "2024-09-01"
    assert (rows["counterfactual_low"] < rows["counterfactual"]).all()
    assert (rows["counterfactual"] < rows["counterfactual_high"]).all()
    np.testing.assert_allclose(rows["cumulative_incremental"], np.cumsum(rows["actual"] - rows["counterfactual"]))
    width = rows["cumulative_incremental_high"] - rows["cumulative_incremental_low"]
    pointwise = np.cumsum(rows["counterfactual_high"] - rows["counterfactual_low"])
    assert (width < pointwise).all()  # one linear combination, not a sum of pointwise bounds
    assert (np.diff(width) > 0).all()
    # a faster response: the actual is below the counterfactual, the sum's interval is below 0 at the end
    assert rows["cumulative_incremental_high"].iloc[-1] < 0


def test_cumulative_interval_is_the_linear_combination():
    """Level scale: var(sum of counterfactuals) = g'Cg + 1'S1 with g the summed design rows."""
    from orchestration.estimate.counterfactual import counterfactual_columns
    from scipy import stats

    rng = np.random.default_rng(12)
    series = series_of(synthetic(rng, level=0.3, growth=0.0, season=0.01, noise=0.01, log=False), unit="ratio")
    _, model = fit_its(series, SETTINGS)
    columns = counterfactual_columns(model, SETTINGS)
    months = series.months[series.after_go_live]
    X = model.terms.matrix(months)
    g = X.sum(axis=0)
    S = model.fit.noise_cov(months)
    var = g @ model.counterfactual_cov @ g + S.sum()
    half = stats.t.ppf(0.975, model.fit.df) * np.sqrt(var)
    assert columns["cumulative_incremental_high"][-1] - columns["cumulative_incremental"][-1] == pytest.approx(half)


def test_deterministic(company_estimates):
    result, defs = company_estimates
    rng = np.random.default_rng(13)
    monthly = frame("faster", synthetic(rng, step=-0.3))
    first = estimate(monthly, defs, company_rollout()).effects
    second = estimate(monthly, defs, company_rollout()).effects
    pd.testing.assert_frame_equal(first, second)


def test_settings_are_checked():
    with pytest.raises(ValueError, match="alpha"):
        EstimateSettings(alpha=0.7)
    with pytest.raises(ValueError, match="min_pre_months"):
        EstimateSettings(min_pre_months=2)


def test_a_metric_that_is_zero_before_the_go_live_has_no_relative_effect():
    """CRM adoption is 0 before the go-live: the effect is absolute, a relative change has no meaning."""
    rng = np.random.default_rng(14)
    values = np.where(periods() == "post", 0.9 + 0.02 * rng.standard_normal(36),
                      np.where(periods() == "ramp_up", 0.4, 0.0))
    defs = definitions(("crm_adoption_rate", "adoption", "ratio", "up", "ratio"))
    row = estimate(frame("crm_adoption_rate", values, family="adoption"), defs, company_rollout()).effects.iloc[0]
    assert row["verdict"] == "better" and np.isnan(row["relative_effect"])
    assert row["effect_ci_low"] < 0.9 < row["effect_ci_high"]
    assert row["verdict_reason"].startswith("+0.9")
