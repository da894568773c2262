"""STDPTransformer inside scikit-learn's Pipeline and GridSearchCV (joblib loky workers)."""

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sk_stdp import STDPTransformer


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(X))
    return X[order] / 16.0, y[order]


def _pipe(**stdp):
    stdp = {"n_neurons": 32, "max_iter": 1, "n_steps": 10, "random_state": 0, **stdp}
    return Pipeline(
        [("stdp", STDPTransformer(**stdp)), ("clf", LogisticRegression(max_iter=1000))]
    )


def test_pipeline_fits_and_scores_on_digits(digits):
    X, y = digits
    X_train, y_train, X_test, y_test = X[:512], y[:512], X[1024:1280], y[1024:1280]
    pipe = _pipe(n_steps=20).fit(X_train, y_train)
    score = pipe.score(X_test, y_test)
    # Chance is 0.1; 32 neurons after one pass over 512 digits reach about 0.8.
    assert score > 0.6
    features = pipe[:-1].transform(X_test)
    assert features.shape == (256, 32)
    assert np.count_nonzero(features.sum(axis=0)) >= 16  # most neurons respond to something
    names = pipe[:-1].get_feature_names_out()
    assert list(names[:2]) == ["stdptransformer0", "stdptransformer1"]


def test_grid_search_over_amplitudes_with_loky(digits):
    X, y = digits
    X, y = X[:256], y[:256]
    grid = {"stdp__A_plus": [0.002, 0.01], "stdp__A_minus": [0.002, 0.01]}
    search = GridSearchCV(_pipe(), grid, cv=2, n_jobs=2, error_score="raise")
    with parallel_backend("loky"):
        search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 4 and np.all(np.isfinite(scores))
    assert np.all(scores > 0.2)  # every candidate learned something usable
    assert search.best_params_["stdp__A_plus"] in grid["stdp__A_plus"]
    best = search.best_estimator_.named_steps["stdp"]
    assert (best.A_plus, best.A_minus) == (
        search.best_params_["stdp__A_plus"],
        search.best_params_["stdp__A_minus"],
    )
    assert best.components_.shape == (32, 64)
    # The parameters matter: different amplitudes learn different weights.
    other = STDPTransformer(**{**best.get_params(), "A_plus": 0.005}).fit(X)
    assert not np.allclose(other.components_, best.components_)


@pytest.mark.parametrize("loader", [load_wine, load_breast_cancer], ids=["wine", "cancer"])
def test_scaler_in_front_works_under_cross_validation(loader):
    """A MinMaxScaler fitted on a training fold maps held-out values below the fold's
    minimum to small negative numbers: transform reads them as zero, so every fold
    scores (no NaN from a refused transform), and the features beat chance by far."""
    X, y = loader(return_X_y=True)
    pipe = make_pipeline(MinMaxScaler(), STDPTransformer(random_state=0),
                         LogisticRegression(max_iter=2000))
    scores = cross_val_score(pipe, X, y, cv=5, error_score="raise")
    assert np.all(np.isfinite(scores))
    majority = np.bincount(y).max() / len(y)
    assert scores.mean() > majority + 0.5 * (1 - majority)
    # The held-out folds did hold negative values (the case this test is about).
    scaler = MinMaxScaler().fit(X[: len(X) // 2])
    assert scaler.transform(X[len(X) // 2:]).min() < 0
