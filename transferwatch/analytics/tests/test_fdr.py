"""Benjamini-Hochberg and the random-effects fits against statsmodels and scipy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from transferwatch.analytics.fdr import (
    bh_qvalues,
    dersimonian_laird,
    excess_z,
    median_random_effects,
    robust_random_effects,
)

GOLDEN = json.loads((Path(__file__).parent / "golden" / "monitor_golden.json").read_text())


def test_it_matches_statsmodels_benjamini_hochberg() -> None:
    q = bh_qvalues(GOLDEN["bh"]["p"])
    np.testing.assert_allclose(q, GOLDEN["bh"]["q"], rtol=1e-12)
    np.testing.assert_allclose(q, GOLDEN["bh_scipy"], rtol=1e-12)


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
