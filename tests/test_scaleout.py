"""GridSearchCV through joblib backends: loky (default), threading and a Dask cluster.

The multiprocessing backend is deliberately not run: it forks a process in
which JAX is already running, which deadlocks (see docs/scaleout.rst).
"""

from __future__ import annotations

import os

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sk_stdp import STDPTransformer

GRID = {"stdp__A_plus": [0.002, 0.01], "stdp__A_minus": [0.002, 0.01]}


def _search(backend: str, **config) -> GridSearchCV:
    X, y = load_digits(return_X_y=True)
    X, y = X[:400] / 16.0, y[:400]
    pipe = Pipeline([
        ("stdp", STDPTransformer(n_neurons=30, n_steps=10, max_iter=1, random_state=0)),
        ("clf", LogisticRegression(max_iter=500)),
    ])
    with joblib.parallel_config(backend=backend, **config):
        return GridSearchCV(pipe, GRID, cv=2, n_jobs=2).fit(X, y)


@pytest.fixture(scope="module")
def loky_search() -> GridSearchCV:
    return _search("loky")


def _same_search(a: GridSearchCV, b: GridSearchCV) -> None:
    assert a.best_params_ == b.best_params_
    assert [p for p in a.cv_results_["params"]] == [p for p in b.cv_results_["params"]]
    np.testing.assert_allclose(
        a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"], rtol=0, atol=1e-12
    )


def test_loky_search_has_a_unique_best(loky_search):
    scores = loky_search.cv_results_["mean_test_score"]
    # a tie would make "same best parameters" an accident of ordering
    assert np.sum(scores == scores.max()) == 1
    assert scores.max() > 0.3  # better than chance (0.1) on 10 classes


def test_threading_backend_matches_loky(loky_search):
    _same_search(_search("threading"), loky_search)


def test_dask_cluster_matches_loky(loky_search):
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    env = {"XLA_PYTHON_CLIENT_PREALLOCATE": "false"}  # documented for GPUs; harmless on CPU
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, env=env
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # (a lambda: a bound os.environ.get would carry this process's environment along)
        seen = client.run(lambda: os.environ.get("XLA_PYTHON_CLIENT_PREALLOCATE"))
        assert set(seen.values()) == {"false"}
        with distributed.get_task_stream(client) as tasks:
            dask_search = _search("dask")
        # the fits ran on the cluster's workers, not in this process
        workers = {task["worker"] for task in tasks.data}
        assert workers and workers <= set(client.scheduler_info()["workers"])
    _same_search(dask_search, loky_search)
