"""Benjamini-Hochberg and the random-effects fits against statsmodels and scipy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from transferwatch.analytics.fdr import (
    RandomEffects,
    bh_qvalues,
    dersimonian_laird,
    excess_z,
    median_random_effects,
    robust_random_effects,
    shrink,
    weighted_bh_qvalues,
)

GOLDEN = json.loads((Path(__file__).parent / "golden" / "monitor_golden.json").read_text())


def test_it_matches_statsmodels_benjamini_hochberg() -> None:
    q = bh_qvalues(GOLDEN["bh"]["p"])
    np.testing.assert_allclose(q, GOLDEN["bh"]["q"], rtol=1e-12)
    np.testing.assert_allclose(q, GOLDEN["bh_scipy"], rtol=1e-12)


def test_weighted_bh_matches_statsmodels_on_p_over_w() -> None:
    """Genovese-Roeder-Wasserman: BH (statsmodels) on p / w, the weights rescaled to average 1."""
    case = GOLDEN["weighted_bh"]
    q = weighted_bh_qvalues(case["p"], case["w"])
    np.testing.assert_allclose(q, case["q"], rtol=1e-12)


def test_weighted_bh_with_equal_weights_is_bh_and_skips_untested() -> None:
    p = [*GOLDEN["bh"]["p"][:5], float("nan"), *GOLDEN["bh"]["p"][5:]]
    q = weighted_bh_qvalues(p, [3.0] * len(p))
    np.testing.assert_allclose(q, bh_qvalues(p), rtol=1e-12)
    assert np.isnan(q[5])
    with pytest.raises(ValueError, match="positive"):
        weighted_bh_qvalues([0.1, 0.2], [1.0, 0.0])


def test_it_leaves_untested_entries_out_of_the_family() -> None:
    p = [*GOLDEN["bh"]["p"][:5], float("nan"), *GOLDEN["bh"]["p"][5:]]
    q = bh_qvalues(p)
    assert np.isnan(q[5])
    np.testing.assert_allclose(np.delete(q, 5), GOLDEN["bh"]["q"], rtol=1e-12)
    assert np.isnan(bh_qvalues([float("nan")])).all()


def test_it_matches_statsmodels_dersimonian_laird() -> None:
    g = GOLDEN["dl"]
    fit = dersimonian_laird(g["y"], g["se"])
    assert fit.mu == pytest.approx(g["mu"], rel=1e-10)
    assert fit.tau2 == pytest.approx(g["tau2"], rel=1e-10)
    z, p = excess_z(g["y"], g["se"], fit)
    np.testing.assert_allclose(z, g["z"], rtol=1e-9)
    np.testing.assert_allclose(p, g["p"], rtol=1e-9)


def test_it_matches_the_median_fit_solved_by_scipy() -> None:
    fit = median_random_effects(GOLDEN["dl"]["y"], GOLDEN["dl"]["se"])
    assert fit.mu == pytest.approx(GOLDEN["median_re"]["mu"])
    assert fit.tau2 == pytest.approx(GOLDEN["median_re"]["tau2"], rel=1e-8)


def test_tau2_is_zero_when_agencies_differ_by_noise_only() -> None:
    y = np.zeros(50)
    se = np.full(50, 0.1)
    assert dersimonian_laird(y, se).tau2 == 0.0
    assert median_random_effects(y, se).tau2 == 0.0


def test_outliers_do_not_widen_the_spread_they_are_judged_against() -> None:
    rng = np.random.default_rng(5)
    y = rng.normal(0.0, 0.2, 200)
    y[:8] = 3.0
    se = np.full(200, 0.1)
    classic = dersimonian_laird(y, se)
    robust = robust_random_effects(y, se)
    assert robust.tau2 < classic.tau2 / 3
    assert robust.tau2 == pytest.approx(0.04, rel=0.35)
    assert robust.k == 200


def test_a_handful_of_agencies_is_not_trimmed() -> None:
    """With 7 agencies the median fit says tau = 0 and would set aside the widest one."""
    y = np.array([0.07, -0.32, -0.59, -0.05, 0.7, -0.5, -0.19])
    se = np.array([0.63, 0.38, 0.42, 0.32, 0.26, 0.39, 0.53])
    assert median_random_effects(y, se).tau2 == 0.0
    assert robust_random_effects(y, se) == dersimonian_laird(y, se)
    assert robust_random_effects(y, se).tau2 > 0.1


def test_shrinkage_beats_the_raw_estimates_where_the_truth_is_known() -> None:
    """Simulated agencies with known true values: the empirical-Bayes estimates are closer to
    the truth than the raw ones, and their intervals cover it at the nominal rate."""
    rng = np.random.default_rng(3)
    k = 5000
    truth = rng.normal(0.3, 0.2, k)
    se = rng.uniform(0.05, 1.0, k)
    y = truth + rng.normal(0.0, se)
    fit = dersimonian_laird(y, se)
    shrunk, sd = shrink(y, se, fit)
    assert np.mean((shrunk - truth) ** 2) < 0.5 * np.mean((y - truth) ** 2)
    covered = np.mean(np.abs(shrunk - truth) <= 1.959964 * sd)
    assert 0.93 <= covered <= 0.97
    # a large agency keeps nearly its own estimate; a small one moves towards the typical value
    big, small = np.argmin(se), np.argmax(se)
    assert abs(shrunk[big] - y[big]) < 0.1 * abs(y[big] - fit.mu) + 1e-9
    assert abs(shrunk[small] - fit.mu) < 0.1 * abs(y[small] - fit.mu) + 1e-9


def test_without_spread_every_agency_is_the_typical_value() -> None:
    fit = RandomEffects(mu=0.1, tau2=0.0, k=3)
    shrunk, sd = shrink([0.5, -0.2, 0.1], [0.1, 0.2, 0.3], fit)
    assert np.allclose(shrunk, 0.1) and np.allclose(sd, 0.0)
