"""Progress output (verbose) and interrupted fits."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sk_stdp import STDPTransformer, _transformer

# 1500 rows are cut into blocks of 1024, 256, 128, 64, 16, 8, 4: an interrupt
# after the first block lands in the middle of a pass.
N_ROWS = 1500


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).random((N_ROWS, 12)).astype(np.float32)


def small(**params):
    base = dict(n_neurons=5, n_steps=2, max_iter=3, random_state=0, kernel="dense")
    return STDPTransformer(**{**base, **params})


#: Interrupts on a JAX kernel and on the fused kernel, which updates its state in place.
KERNELS = pytest.mark.parametrize("kernel", ["dense", "numba"])


class _Interrupting:
    """A progress bar that raises KeyboardInterrupt at its n-th update overall."""

    def __init__(self, at_update: int):
        self.at_update = at_update
        self.updates = 0

    def __call__(self, estimator, n_rows, epoch):
        bar = self

        class _Bar:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def update(self, n):
                bar.updates += 1
                if bar.updates == bar.at_update:
                    raise KeyboardInterrupt

        return _Bar()


def _interrupt_at(monkeypatch, at_update: int) -> _Interrupting:
    hook = _Interrupting(at_update)

    def progress(verbose, n_rows, epoch, n_epochs):
        return hook(None, n_rows, epoch)

    monkeypatch.setattr(_transformer, "progress", progress)
    return hook


@KERNELS
def test_interrupt_in_first_pass_leaves_estimator_unfitted(X, monkeypatch, kernel):
    est = small(kernel=kernel)
    _interrupt_at(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X)
    assert not hasattr(est, "n_features_in_")
    assert not hasattr(est, "_state")
    with pytest.raises(NotFittedError):
        est.transform(X[:2])
    monkeypatch.undo()
    # and it fits normally afterwards, to the same weights as a fresh one
    np.testing.assert_array_equal(est.fit(X).components_, small(kernel=kernel).fit(X).components_)


@KERNELS
def test_interrupt_in_first_pass_restores_previous_fit(X, monkeypatch, kernel):
    other = np.random.default_rng(1).random((64, 7))
    est = small(max_iter=1, kernel=kernel).fit(other)
    before = {k: np.copy(getattr(est, k)) for k in ("components_", "theta_", "v_")}
    seen = est.n_samples_seen_
    _interrupt_at(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X)
    assert est.n_features_in_ == 7
    assert est.n_samples_seen_ == seen
    assert est.n_iter_ == 1
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(est, name), value)


@KERNELS
def test_interrupt_in_third_pass_keeps_second(X, monkeypatch, kernel):
    reference = small(max_iter=2, kernel=kernel).fit(X)
    n_blocks = 7  # blocks per pass for 1500 rows
    est = small(max_iter=3, kernel=kernel)
    hook = _interrupt_at(monkeypatch, 2 * n_blocks + 3)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X)
    assert hook.updates == 2 * n_blocks + 3
    assert est.n_iter_ == 2
    assert est.n_samples_seen_ == 2 * N_ROWS
    np.testing.assert_array_equal(est.components_, reference.components_)
    np.testing.assert_array_equal(est.theta_, reference.theta_)
    np.testing.assert_array_equal(est.transform(X[:20]), reference.transform(X[:20]))


@KERNELS
def test_interrupt_in_stream_mode(X, monkeypatch, kernel):
    spikes = (X > 0.8).astype(np.float32)
    reference = small(stream=True, max_iter=1, kernel=kernel).fit(spikes)
    est = small(stream=True, max_iter=2, kernel=kernel)
    _interrupt_at(monkeypatch, 7 + 1)
    with pytest.raises(KeyboardInterrupt):
        est.fit(spikes)
    assert est.n_iter_ == 1
    for name in ("components_", "theta_", "v_", "trace_pre_", "trace_post_"):
        np.testing.assert_array_equal(getattr(est, name), getattr(reference, name))


def test_bad_input_leaves_fitted_estimator_as_it_was(X):
    est = small(max_iter=1).fit(X)
    weights = est.components_
    bad = -np.ones((4, 3))
    with pytest.raises(ValueError):
        est.fit(bad)
    assert est.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(est.components_, weights)


def test_verbose_one_line_per_pass(X, capsys):
    small(max_iter=3, verbose=1).fit(X[:200])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 3
    pattern = re.compile(
        r"^\[STDPTransformer\] Iteration (\d+), spikes per neuron per sample = [\d.]+, "
        r"silent neurons = \d+, weights mean = [\d.]+ std = [\d.]+, time = [\d.]+s$"
    )
    for i, line in enumerate(out, start=1):
        match = pattern.match(line)
        assert match, line
        assert int(match.group(1)) == i


def test_verbose_zero_prints_nothing(X, capsys):
    small(max_iter=2).fit(X[:100])
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_verbose_two_shows_progress_bar(X, capsys):
    small(max_iter=2, verbose=2).fit(X)
    captured = capsys.readouterr()
    assert "epoch 1/2" in captured.err and "epoch 2/2" in captured.err
    assert f"{N_ROWS}/{N_ROWS}" in captured.err
    assert len(captured.out.strip().splitlines()) == 2


def test_progress_bar_interrupt_from_tqdm(X, monkeypatch):
    """Ctrl-C while the real tqdm bar is updating leaves the last full pass."""
    import tqdm.auto

    reference = small(max_iter=1).fit(X)
    calls = {"n": 0}
    original = tqdm.auto.tqdm.update

    def update(self, n=1):
        calls["n"] += 1
        if calls["n"] == 7 + 2:
            raise KeyboardInterrupt
        return original(self, n)

    monkeypatch.setattr(tqdm.auto.tqdm, "update", update)
    est = small(max_iter=3, verbose=2)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X)
    assert est.n_iter_ == 1
    np.testing.assert_array_equal(est.components_, reference.components_)


def test_verbose_two_writes_plain_lines_when_not_a_terminal(X, capsys):
    """A log file or a pipe gets whole lines, never carriage-return redraws."""
    small(max_iter=2, verbose=2).fit(X)
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.strip().splitlines()
    assert any(line.startswith("epoch 2/2") and f"{N_ROWS}/{N_ROWS}" in line for line in lines)
