"""``partial_fit`` over any chunking of the rows equals one ``fit`` pass, exactly."""

import numpy as np
import pytest

from sk_stdp import STDPTransformer

STATE = ("components_", "theta_", "v_", "trace_pre_", "trace_post_")


def _chunkings(n_rows, seed):
    """All 1-row chunks, then random chunks of 1 to 13 rows (several blocks each)."""
    yield [np.array([i]) for i in range(n_rows)]
    rng = np.random.default_rng(seed)
    sizes = [1, 1, 13]
    while sum(sizes) < n_rows:
        sizes.append(int(rng.integers(1, 14)))
    cuts = np.cumsum(sizes)
    yield np.split(np.arange(n_rows), cuts[cuts < n_rows])


def _assert_same_state(a, b, what):
    for name in STATE:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=f"{what} {name}")
    assert a.n_samples_seen_ == b.n_samples_seen_
    assert a.kernel_ == b.kernel_


MODES = {
    "stream": dict(stream=True),  # winner-take-all and normalisation (the defaults)
    "sample": dict(stream=False),
}
CASES = [
    pytest.param(mode, encoding, kernel, id=f"{mode}-{encoding}-{kernel}")
    for mode in MODES
    for encoding in ("direct", "poisson")
    for kernel in ("dense", "event", "numba")
]


def _check_chunkings(params, X):
    full = STDPTransformer(**params).fit(X)

    # The run learned something, and (stream mode) carries a non-trivial state.
    init = STDPTransformer(**dict(params, learning_rate=0.0)).fit(X)
    assert np.abs(full.components_ - init.components_).max() > 1e-3
    assert np.count_nonzero(full.theta_) >= 2
    if params["stream"]:
        assert np.any(full.trace_post_) and np.any(full.trace_pre_)
    else:
        assert not np.any(full.v_) and not np.any(full.trace_pre_)

    for k, chunks in enumerate(_chunkings(X.shape[0], seed=X.shape[0])):
        online = STDPTransformer(**params)
        for rows in chunks:
            assert online.partial_fit(X[rows]) is online
        _assert_same_state(full, online, f"chunking {k} ({[len(c) for c in chunks]})")


@pytest.mark.parametrize(("mode", "encoding", "kernel"), CASES)
def test_partial_fit_equals_fit(active, X_rates, X_wide, mode, encoding, kernel):
    # Direct code, event kernel: rows with 1 to 20 active inputs, so that fit's
    # blocks and the chunks are padded to different widths (8 to 32 slots).
    X = X_wide if (encoding, kernel) == ("direct", "event") else X_rates
    _check_chunkings(dict(active, kernel=kernel, encoding=encoding, **MODES[mode]), X)


def test_partial_fit_binary_stream_and_sparse_input(active, X_binary):
    """0/1 spikes in CSR chunks, independent neurons (the seed rule), both kernels."""
    import scipy.sparse as sp

    runs = []
    for kernel in ("dense", "event", "numba"):
        params = dict(active, kernel=kernel, stream=True, competition=None, weight_norm=None,
                      threshold=0.3)
        full = STDPTransformer(**params).fit(X_binary)
        online = STDPTransformer(**params)
        for rows in np.array_split(np.arange(X_binary.shape[0]), 7):
            online.partial_fit(sp.csr_matrix(X_binary[rows]))
        _assert_same_state(full, online, kernel)
        runs.append(full)
    # 0/1 input: the kernels compute the same rule (to rounding).
    for run in runs[1:]:
        np.testing.assert_allclose(runs[0].components_, run.components_, atol=1e-6)


def test_continuing_after_fit_equals_one_longer_run(active, X_rates):
    """``fit(A)`` then ``partial_fit(B)`` is one stream over A then B."""
    params = dict(active, stream=True, kernel="dense")
    both = STDPTransformer(**params).fit(np.vstack([X_rates, X_rates[:13]]))
    split = STDPTransformer(**params).fit(X_rates).partial_fit(X_rates[:13])
    _assert_same_state(both, split, "fit + partial_fit")


def test_new_chunk_lengths_do_not_recompile(active, X_rates):
    """Chunk lengths are cut into a fixed set of block shapes: no compile per length."""
    from sk_stdp import _dynamics

    driver = _dynamics.learn
    if not hasattr(driver, "_cache_size"):
        pytest.skip("this JAX version does not expose the jit cache size")
    est = STDPTransformer(**dict(active, stream=True, kernel="dense"))
    for n in (1, 2, 4, 8, 16, 32):  # every block length up to 32
        est.partial_fit(X_rates[:n])
    compiled = driver._cache_size()
    for n in (3, 5, 7, 11, 13, 23, 31):
        est.partial_fit(X_rates[:n])
    assert driver._cache_size() == compiled


def test_plain_numpy_chunks_learn_as_other_containers(active, X_rates):
    """partial_fit's shortcut for plain numpy chunks learns exactly what full validation does."""
    params = dict(active, stream=True)
    fast, slow = STDPTransformer(**params), STDPTransformer(**params)
    for start in range(0, len(X_rates), 5):
        chunk = X_rates[start:start + 5]
        fast.partial_fit(np.asarray(chunk, dtype=np.float64))
        slow.partial_fit(chunk.tolist())
    for name in ("components_", "theta_", "v_", "trace_pre_", "trace_post_"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)
