"""Shared fixtures for the sk_stdp test suite.

JAX compiles one program per configuration and block shape, so the tests share
a few small data shapes (``N_FEATURES`` inputs, ``N_NEURONS`` neurons,
``N_ROWS`` rows) and one "active" parameter set under which neurons fire and
weights move. Keep new tests on these shapes to keep the suite fast.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import jax
import numpy as np
import pytest

N_FEATURES = 20
N_NEURONS = 8
N_ROWS = 32  # one block: fit and transform compile one program per configuration

#: Parameters under which the small layer fires and learns on the fixtures' data.
ACTIVE = dict(
    n_neurons=N_NEURONS,
    n_steps=4,
    threshold=0.5,
    learning_rate=1.0,
    theta_plus=0.05,
    max_iter=1,
    shuffle=False,
    random_state=0,
)

_HERE = pathlib.Path(__file__).resolve().parent


def _load(name: str):
    """Import a helper module of this folder (``--import-mode=importlib`` adds no path)."""
    qualified = f"_sk_stdp_tests_{name}"
    if qualified not in sys.modules:
        spec = importlib.util.spec_from_file_location(qualified, _HERE / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        spec.loader.exec_module(module)
    return sys.modules[qualified]


@pytest.fixture(scope="session")
def reference():
    """The plain-numpy implementation of the rule (``tests/_reference.py``)."""
    return _load("_reference")


@pytest.fixture(scope="session")
def active():
    """A copy-on-use dict of estimator parameters under which learning happens."""
    return dict(ACTIVE)


@pytest.fixture(scope="session")
def X_binary():
    """0/1 spike patterns, about 15% active, shape (N_ROWS, N_FEATURES)."""
    rng = np.random.default_rng(1)
    return (rng.random((N_ROWS, N_FEATURES)) < 0.15).astype(np.float64)


@pytest.fixture(scope="session")
def X_rates():
    """Graded values in (0, 1], 1 to 8 non-zero per row (rates, or currents), same shape.

    At most 8 active inputs per row, so event lists are 8 or 16 slots wide:
    few event-kernel programs to compile.
    """
    rng = np.random.default_rng(2)
    X = np.zeros((N_ROWS, N_FEATURES))
    for row, k in zip(X, rng.integers(1, 9, N_ROWS), strict=True):
        row[rng.choice(N_FEATURES, k, replace=False)] = rng.uniform(0.05, 1.0, k)
    return X


@pytest.fixture(scope="session")
def X_wide():
    """Graded values with 1 to N_FEATURES non-zeros per row: event padding widths vary."""
    rng = np.random.default_rng(3)
    X = np.zeros((N_ROWS, N_FEATURES))
    for row, k in zip(X, rng.integers(1, N_FEATURES + 1, N_ROWS), strict=True):
        row[rng.choice(N_FEATURES, k, replace=False)] = rng.uniform(0.05, 1.0, k)
    return X


@pytest.fixture(scope="session")
def split():
    """The digits benchmark split: load_digits, X / 16, 30% test, stratified, seed 0."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="session")
def pixel_score(split):
    """Test accuracy of LogisticRegression on the raw pixels of that split."""
    from sklearn.linear_model import LogisticRegression

    X_train, X_test, y_train, y_test = split
    return LogisticRegression(max_iter=1000).fit(X_train, y_train).score(X_test, y_test)


FITTED = ("components_", "theta_", "v_", "trace_pre_", "trace_post_")


def _freeze(value):
    """A comparable, detached copy of an attribute value (JAX arrays become numpy)."""
    if isinstance(value, (np.ndarray, jax.Array)):
        return np.array(value, copy=True)
    if isinstance(value, tuple):
        return type(value)(*(_freeze(v) for v in value)) if hasattr(value, "_fields") else tuple(
            _freeze(v) for v in value
        )
    if isinstance(value, (list, dict)) or hasattr(value, "__dict__"):
        import copy

        return copy.deepcopy(value)  # containers and objects: what they hold now
    return value


def _assert_same(a, b, where):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), where
        assert a.dtype == b.dtype, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, tuple):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def snapshot(est) -> dict:
    """Everything an estimator holds: its ``__dict__`` and its public fitted arrays."""
    snap = {f"__dict__.{k}": _freeze(v) for k, v in vars(est).items()}
    for name in FITTED:
        if hasattr(est, "n_features_in_"):
            snap[name] = getattr(est, name)
    return snap


def assert_same_snapshot(before: dict, after: dict) -> None:
    assert before.keys() == after.keys()
    for key in before:
        _assert_same(before[key], after[key], key)


@pytest.fixture(scope="session")
def snap():
    """``snap.take(est)`` and ``snap.same(a, b)``: detect any change to an estimator."""

    class _Snap:
        take = staticmethod(snapshot)
        same = staticmethod(assert_same_snapshot)

    return _Snap
