"""The negative-binomial fit agrees with statsmodels, the field's reference implementation."""

from __future__ import annotations

import numpy as np
import pytest

from shared.engines.count_model import fit_count_model, independent_columns


def _data(seed: int, n: int = 600):
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(n), rng.random(n) < 0.3, rng.random(n) < 0.5, rng.normal(size=n)])
    views = np.maximum(60, rng.lognormal(7, 1, n))
    mu = views * np.exp(x @ np.array([-4.0, 0.4, -0.2, 0.1])) * rng.lognormal(-0.045, 0.3, n)
    return x, rng.poisson(mu).astype(float), np.log(views)


@pytest.mark.parametrize("seed", [0, 1])
def test_coefficients_dispersion_and_robust_errors_match_statsmodels(seed):
    import statsmodels.api as sm

    x, y, offset = _data(seed)
    ours = fit_count_model(x, y, offset)
    model = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=ours.alpha), offset=offset)
    theirs = model.fit()
    assert ours.converged
    assert np.allclose(ours.beta, theirs.params, atol=1e-6)
    # HC3 from statsmodels' own pieces: observed-information bread, per-post scores, leverages.
    bread = np.linalg.inv(-model.hessian(theirs.params, scale=1.0, observed=True))
    scores = model.score_obs(theirs.params, scale=1.0) / (1 - theirs.get_influence().hat_matrix_diag)[:, None]
    assert np.allclose(ours.cov, bread @ scores.T @ scores @ bread, rtol=1e-4, atol=1e-12)
    # Pearson chi-square over residual degrees of freedom is 1 at the moment estimate of alpha.
    mu = np.exp(x @ ours.beta + offset)
    assert np.sum((y - mu) ** 2 / (mu + ours.alpha * mu**2)) / (len(y) - x.shape[1]) == pytest.approx(1, abs=0.02)


def test_columns_spanned_by_earlier_ones_are_dropped():
    rng = np.random.default_rng(3)
    a, b = (rng.random(50) < 0.5).astype(float), rng.normal(size=50)
    x = np.column_stack([a, 1 - a, np.ones(50), b, 2 * b + a])
    assert independent_columns(x) == [0, 1, 3]
