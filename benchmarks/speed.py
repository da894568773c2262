"""Throughput of STDPTransformer against plain baselines, all measured in one run.

Usage::

    python benchmarks/speed.py            # full table (several minutes on 2 cores)
    python benchmarks/speed.py --mnist path/to/mnist   # sample mode on MNIST images
    python benchmarks/speed.py --quick    # smaller sizes, for a smoke run
    python benchmarks/speed.py --sections partial_fit_defaults --json benchmarks/results/speed.json
    python benchmarks/speed.py --brainevent   # brainevent's operators (needs numba)

Sections:

1. Stream mode, the seed rule (no competition, homeostasis or normalisation),
   784 inputs -> 100 and 400 neurons, random binary input at 2%, 5% and 20%
   density, initial weights under which neurons fire now and then: steps/s of
   ``fit`` (``kernel="auto"``) and of ``fit`` with each kernel, of a
   plain-numpy loop of the same rule and of a straightforward dense
   ``jax.lax.scan`` written here; the ratios; and the first-call compile time
   of ``fit``.
2. The same rule at 784 -> 400, 5% input, with initial weights under which
   most neurons fire at every step (uniform in [0, 1]): ``fit`` with each
   kernel, the dense scan and the numpy loop; ``kernel="auto"`` against the
   fastest kernel and against numpy.
3. ``partial_fit`` in stream mode fed 1, 10 and 1000 rows per call
   (784 -> 100, 5% density): rows/s and latency per call.
3b. The same with the stream defaults (``STDPTransformer(100, stream=True)``:
   relative thresholds, calibrated leak, normalisation, winner-take-all):
   ``kernel="auto"`` against the JAX event kernel.
4. Sample mode with the default learning configuration (784 -> 400, default
   ``n_steps``, lateral competition, adaptive thresholds, normalisation) on MNIST
   images (``--mnist DIR``, the first 8,000 of the IDX test set) or on
   MNIST-sized random input: samples/s of ``fit`` with each kernel, of a
   plain dense ``jax.lax.scan`` of the same configuration written here, and
   of ``transform``.
4b. Each rule (pair, nearest, triplet) with each weight dependence
   (additive, multiplicative): ``fit`` in sample mode (the defaults, 784 ->
   400, MNIST images) and in stream mode (the seed rule, 784 -> 400, 5%
   input, from few or from all neurons firing), against the pair rule in the
   same run, with the output spikes per row of each run.
5. Peak memory (RSS) of ``fit`` on 100,000 rows against 10,000 rows, each in a
   fresh subprocess, beyond the input array itself.
6. Only with ``--brainevent`` (and then alone; needs ``brainevent`` and
   ``numba``): the seed rule written with brainevent's event-driven operators
   (``BinaryArray @ W``, ``update_dense_on_binary_pre/post``, numba backend)
   against ``fit`` and the dense scan, 5% density; and sk_stdp's fused numba
   stream kernel registered as an XLA custom call (``brainevent.numba_kernel``)
   against the same kernel called directly, as ``fit`` does.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import platform
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: benchmarks.*

import jax
import jax.numpy as jnp
import numpy as np

from sk_stdp import STDPTransformer, _config, _numba
from sk_stdp import _dynamics as dyn
from sk_stdp import _neurons as neurons
from sk_stdp._kernels import kernel_state

SEED_RULE = dict(
    A_plus=0.005, A_minus=0.00525, learning_rate=0.01, w_min=0.0, w_max=1.0,
    threshold=1.0, v_reset=0.0, leak=0.9, trace_decay=0.95,
)


def seed_estimator(init: np.ndarray, **kwargs) -> STDPTransformer:
    return STDPTransformer(
        init.shape[0], stream=True, n_steps=1, encoding="direct", competition=None,
        theta_plus=0.0, weight_norm=None, init=init, max_iter=1, shuffle=False,
        **SEED_RULE, **kwargs,
    )


def spike_raster(n_rows: int, n_features: int, density: float, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random((n_rows, n_features)) < density).astype(
        np.float32
    )


def initial_weights(n_neurons: int, n_features: int, density: float) -> np.ndarray:
    """Weights that put the mean input current near 0.1 of threshold per step,
    so that neurons fire now and then (a few % of steps) rather than always."""
    scale = 0.2 / max(density * n_features, 1.0)
    return np.random.default_rng(1).uniform(0, scale, (n_neurons, n_features))


def numpy_loop(X: np.ndarray, W0: np.ndarray) -> np.ndarray:
    """The rule of the user guide (seed configuration), one numpy step per row (float32)."""
    p = SEED_RULE
    W = W0.astype(np.float32).copy()
    n_neurons, n_features = W.shape
    trace_pre = np.zeros(n_features, np.float32)
    trace_post = np.zeros(n_neurons, np.float32)
    v = np.zeros(n_neurons, np.float32)
    for x in X:
        trace_pre = p["trace_decay"] * trace_pre + x
        v = p["leak"] * v + W @ x
        s = (v >= p["threshold"]).astype(np.float32)
        v = np.where(s > 0, p["v_reset"], v)
        trace_post = p["trace_decay"] * trace_post + s
        W += p["learning_rate"] * (
            p["A_plus"] * np.outer(s, trace_pre) - p["A_minus"] * np.outer(trace_post, x)
        )
        np.clip(W, p["w_min"], p["w_max"], out=W)
    return W


@jax.jit
def dense_scan(W0, X):
    """The same rule as a plain dense jax.lax.scan: the straightforward baseline."""
    p = SEED_RULE

    def step(carry, x):
        W, trace_pre, trace_post, v = carry
        trace_pre = p["trace_decay"] * trace_pre + x
        v = p["leak"] * v + W @ x
        s = (v >= p["threshold"]).astype(jnp.float32)
        v = jnp.where(s > 0, p["v_reset"], v)
        trace_post = p["trace_decay"] * trace_post + s
        W = W + p["learning_rate"] * (
            p["A_plus"] * jnp.outer(s, trace_pre) - p["A_minus"] * jnp.outer(trace_post, x)
        )
        return (jnp.clip(W, p["w_min"], p["w_max"]), trace_pre, trace_post, v), s.sum()

    n_neurons, n_features = W0.shape
    start = (W0, jnp.zeros(n_features), jnp.zeros(n_neurons), jnp.zeros(n_neurons))
    (W, *_), spikes = jax.lax.scan(step, start, X)
    return W, spikes.sum()


def timed(fn, *args, repeat: int = 1) -> float:
    """Best wall time of ``repeat`` calls (the machine may be shared: the best
    of a few calls is the least disturbed)."""
    best = np.inf
    for _ in range(repeat):
        started = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - started)
    return best


def settled(fn):
    """``fn`` that waits for its result (JAX dispatches asynchronously)."""
    return lambda *args: jax.block_until_ready(fn(*args))


#: Kernels timed beside ``kernel="auto"``.
KERNELS = ("numba", "event", "dense")


def fit_and_scan_rates(X: np.ndarray, W0: np.ndarray):
    """The seed-rule estimator after ``fit(X)``; its first-call compile time; steps/s
    of ``fit`` and of the dense scan baseline on the same rows."""
    est = seed_estimator(W0)
    started = time.perf_counter()
    est.fit(X[:256])
    compile_s = time.perf_counter() - started
    fit_rate = len(X) / timed(est.fit, X, repeat=3)
    Xj, Wj = jnp.asarray(X), jnp.asarray(W0, dtype=jnp.float32)
    jax.block_until_ready(dense_scan(Wj, Xj[:256]))
    scan_rate = len(X) / timed(settled(dense_scan), Wj, Xj, repeat=3)
    return est, compile_s, fit_rate, scan_rate


def kernel_rates(make, X: np.ndarray, kernels=KERNELS, repeat: int = 2) -> dict:
    """Rows/s of ``make(kernel=k).fit(X)`` for each kernel, after a first call that compiles."""
    rates = {}
    for kernel in kernels:
        est = make(kernel=kernel)
        est.fit(X[: min(len(X), 1024)])
        rates[kernel] = len(X) / timed(est.fit, X, repeat=repeat)
    return rates


def stream_section(sizes, densities, n_rows, n_numpy) -> list[dict]:
    rows = []
    for n_neurons in sizes:
        for density in densities:
            X = spike_raster(n_rows, 784, density)
            W0 = initial_weights(n_neurons, 784, density)
            est, compile_s, fit_rate, scan_rate = fit_and_scan_rates(X, W0)
            per_kernel = kernel_rates(lambda **kw: seed_estimator(W0, **kw), X)  # noqa: B023
            post_rate = float(est.predict(X[:2000]).mean())
            numpy_rate = n_numpy / timed(numpy_loop, X[:n_numpy], W0)
            rows.append(dict(
                n_neurons=n_neurons, density=density, kernel=est.kernel_,
                fit=fit_rate, kernels=per_kernel, dense_scan=scan_rate, numpy=numpy_rate,
                fit_vs_numpy=fit_rate / numpy_rate, fit_vs_scan=fit_rate / scan_rate,
                compile_s=compile_s, post_spikes_per_neuron_step=post_rate,
            ))
            kernels = "  ".join(f"{k} {r:>6.0f}" for k, r in per_kernel.items())
            print(
                f"784->{n_neurons:<4} {density:>4.0%}  auto={est.kernel_:<5} "
                f"fit {fit_rate:>7.0f}/s  [{kernels}]  dense scan {scan_rate:>6.0f}/s  "
                f"numpy {numpy_rate:>5.0f}/s  fit/numpy {fit_rate / numpy_rate:>5.1f}x  "
                f"fit/scan {fit_rate / scan_rate:>4.1f}x  compile {compile_s:.2f}s  "
                f"post rate {post_rate:.3f}",
                flush=True,
            )
    return rows


def firing_section(n_rows: int, n_numpy: int) -> dict:
    """Seed rule, 784 -> 400, 5% input, weights under which most neurons fire every step."""
    X = spike_raster(n_rows, 784, 0.05, seed=4)
    W0 = np.random.default_rng(5).uniform(0.0, 1.0, (400, 784))
    est, _, fit_rate, scan_rate = fit_and_scan_rates(X, W0)
    per_kernel = kernel_rates(lambda **kw: seed_estimator(W0, **kw), X)
    numpy_rate = n_numpy / timed(numpy_loop, X[:n_numpy], W0)
    fastest = max(per_kernel.values())
    post_rate = float(est.predict(X[:2000]).sum(axis=1).mean())
    result = dict(kernel=est.kernel_, fit=fit_rate, kernels=per_kernel, dense_scan=scan_rate,
                  numpy=numpy_rate, auto_vs_fastest=fit_rate / fastest,
                  auto_vs_numpy=fit_rate / numpy_rate, post_spikes_per_step=post_rate)
    kernels = "  ".join(f"{k} {r:.0f}/s" for k, r in per_kernel.items())
    print(f"many firing, 784->400 5%, {post_rate:.0f} spikes/step after fit: "
          f"auto={est.kernel_} {fit_rate:.0f}/s  [{kernels}]  dense scan {scan_rate:.0f}/s  "
          f"numpy {numpy_rate:.0f}/s  auto/fastest {fit_rate / fastest:.2f}x  "
          f"auto/numpy {fit_rate / numpy_rate:.1f}x", flush=True)
    return result


def brainevent_scan():
    """The seed rule as a scan over brainevent's event-driven operators.

    Weights are input-major (n_features, n_neurons). Each plasticity operator
    clips the whole matrix after its update, as brainevent defines it.
    """
    import brainevent

    p = SEED_RULE
    potentiation = p["learning_rate"] * p["A_plus"]
    depression = p["learning_rate"] * p["A_minus"]

    def step(carry, x):
        W, trace_pre, trace_post, v = carry
        trace_pre = p["trace_decay"] * trace_pre + x
        v = p["leak"] * v + brainevent.BinaryArray(x) @ W
        s = v >= p["threshold"]
        v = jnp.where(s, p["v_reset"], v)
        trace_post = p["trace_decay"] * trace_post + s
        W = brainevent.update_dense_on_binary_post(
            W, potentiation * trace_pre, s, p["w_min"], p["w_max"], backend="numba")
        W = brainevent.update_dense_on_binary_pre(
            W, x, -depression * trace_post, p["w_min"], p["w_max"], backend="numba")
        return (W, trace_pre, trace_post, v), s.sum()

    @jax.jit
    def run(W, X):
        n_features, n_neurons = W.shape
        start = (W, jnp.zeros(n_features), jnp.zeros(n_neurons), jnp.zeros(n_neurons))
        (W, *_), spikes = jax.lax.scan(step, start, X)
        return W, spikes.sum()

    return run


def brainevent_section(sizes, n_rows) -> list[dict]:
    run = brainevent_scan()
    rows = []
    for n_neurons in sizes:
        X = spike_raster(n_rows, 784, 0.05)
        W0 = initial_weights(n_neurons, 784, 0.05)
        est, _, fit_rate, scan_rate = fit_and_scan_rates(X, W0)
        Xj, input_major = jnp.asarray(X), jnp.asarray(W0.T, dtype=jnp.float32)
        jax.block_until_ready(run(input_major, Xj[:256]))
        brainevent_rate = n_rows / timed(settled(run), input_major, Xj, repeat=2)
        W_brainevent = np.asarray(run(input_major, Xj)[0]).T
        rows.append(dict(n_neurons=n_neurons, density=0.05, fit=fit_rate,
                         dense_scan=scan_rate, brainevent=brainevent_rate,
                         max_weight_difference=float(np.abs(W_brainevent - est.components_).max())))
        print(f"784->{n_neurons:<4}  5%  brainevent {brainevent_rate:>8.0f}/s  "
              f"fit {fit_rate:>8.0f}/s  dense scan {scan_rate:>8.0f}/s  "
              f"fit/brainevent {fit_rate / brainevent_rate:>5.1f}x  "
              f"max |W difference| {rows[-1]['max_weight_difference']:.1e}", flush=True)
    return rows


def custom_call_section(n_rows: int) -> list[dict]:
    """sk_stdp's fused numba stream kernel called two ways, seed rule, 784 -> 400, 5%.

    Directly from Python on numpy arrays (what ``fit`` does), or registered as
    an XLA custom call with ``brainevent.numba_kernel`` and called from a
    jitted JAX function on JAX arrays; with 1024, 10 and 1 rows per call.
    """
    import brainevent
    import numba

    X = spike_raster(n_rows, 784, 0.05)
    W0 = np.ascontiguousarray(initial_weights(400, 784, 0.05).T, dtype=np.float32)
    n_features, n_neurons = W0.shape
    seed = seed_estimator(W0.T)
    params = _config.describe(seed.get_params(), n_features).host_params
    dense_from = max(1, int(n_neurons * _numba.DENSE_FRACTION))
    block = _numba.kernels("pair", "additive").stream
    powers = _numba.decay_powers(params.rule.trace_decay)
    KernelState, current_traces = _numba.KernelState, _numba.current_traces

    @numba.njit
    def kernel(W, theta, v, trace_pre, trace_post, indptr, indices, data,
               W_out, theta_out, v_out, pre_out, post_out, counts_out):
        W_out[:] = W
        theta_out[:] = theta
        v_out[:] = v
        pre_out[:] = trace_pre
        post_out[:] = trace_post
        clean = np.zeros(n_neurons, np.bool_)
        counts = np.zeros(n_neurons, np.float64)
        # Input statistics are not read with fixed thresholds; the traces are brought up
        # to date at the end of each call (stamps local to the call).
        state = KernelState(W_out, theta_out, v_out, pre_out, post_out,
                            np.zeros(n_neurons, np.float32), np.zeros(1, np.float32),
                            np.zeros(1, np.float32), np.zeros(1, np.float32),
                            np.zeros(1, np.float32), np.zeros(1, np.float32))
        stamps = np.full(n_features, -1, np.int64)
        block(state, clean, indptr, indices, data, params, 0, False, dense_from, False, False,
              0, counts, stamps, 0, powers)
        pre_out[:] = current_traces(pre_out, stamps, indptr.shape[0] - 1, powers)
        for j in range(n_neurons):
            counts_out[j] = counts[j]

    def shape(*dims):
        return jax.ShapeDtypeStruct(dims, jnp.float32)

    outs = [shape(n_features, n_neurons), shape(n_neurons), shape(n_neurons), shape(n_features),
            shape(n_neurons), shape(n_neurons)]
    # The state is donated and aliased to the outputs: updated in place, no copy of W.
    call = jax.jit(brainevent.numba_kernel(kernel, outs=outs,
                                           input_output_aliases={k: k for k in range(5)}),
                   donate_argnums=tuple(range(5)))

    def custom_call(blocks):
        state = [jnp.asarray(W0), jnp.zeros(n_neurons), jnp.zeros(n_neurons),
                 jnp.zeros(n_features), jnp.zeros(n_neurons)]
        for csr in blocks:
            *state, _ = call(*state, *csr)
        return jax.block_until_ready(state)

    def direct(blocks):
        # The fused kernel as fit calls it: numpy state updated in place.
        _, view = kernel_state(dyn.init(W0.copy()))
        clean = np.zeros(n_neurons, bool)
        stamps, step = np.full(n_features, -1, np.int64), 0
        for csr in blocks:
            block(view, clean, *csr, params, 0, False, dense_from, False, False, 0,
                  np.zeros(n_neurons), stamps, step, powers)
            step += len(csr[0]) - 1
        return view

    rows = []
    for per_call in (1024, 10, 1):
        n = n_rows if per_call > 1 else n_rows // 10
        blocks = [_numba.csr(X[a:a + per_call]) for a in range(0, n, per_call)]
        custom_call(blocks[:4]), direct(blocks[:4])  # compile
        rates = dict(custom_call=n / timed(custom_call, blocks, repeat=3),
                     direct=n / timed(direct, blocks, repeat=3))
        rows.append(dict(rows_per_call=per_call, **rates))
        print(f"numba stream kernel, 784->400 5%, {per_call:>4} rows/call: "
              f"XLA custom call (brainevent.numba_kernel) {rates['custom_call']:>7.0f}/s  "
              f"direct {rates['direct']:>7.0f}/s  "
              f"direct/custom call {rates['direct'] / rates['custom_call']:.1f}x", flush=True)
    return rows


def partial_fit_defaults_section(n_rows_per_size) -> list[dict]:
    """``partial_fit`` with the stream defaults: ``kernel="auto"`` against the JAX event kernel."""
    rows = []
    X = spike_raster(max(n_rows_per_size.values()) + 2000, 784, 0.05, seed=3)
    for chunk, n_rows in n_rows_per_size.items():
        rates = {}
        for kernel in ("auto", "event"):
            est = STDPTransformer(100, stream=True, random_state=0, kernel=kernel)
            for start in range(0, 2000, chunk):  # warm-up: compiles, input statistics
                est.partial_fit(X[start:start + chunk])
            started = time.perf_counter()
            for start in range(2000, 2000 + n_rows, chunk):
                est.partial_fit(X[start:start + chunk])
            rates[kernel] = n_rows / (time.perf_counter() - started)
            rates[f"{kernel}_kernel"] = est.kernel_
        rows.append(dict(chunk=chunk, auto=rates["auto"], auto_kernel=rates["auto_kernel"],
                         event=rates["event"], ratio=rates["auto"] / rates["event"]))
        print(f"partial_fit, stream defaults, {chunk:>5} rows/call: auto "
              f"({rates['auto_kernel']}) {rates['auto']:>8.0f} rows/s, event "
              f"{rates['event']:>8.0f} rows/s, {rates['auto'] / rates['event']:.1f}x", flush=True)
    return rows


def partial_fit_section(n_rows_per_size) -> list[dict]:
    rows = []
    X = spike_raster(max(n_rows_per_size.values()) * 2, 784, 0.05, seed=2)
    W0 = initial_weights(100, 784, 0.05)
    for chunk, n_rows in n_rows_per_size.items():
        est = seed_estimator(W0)
        # Warm-up: the compiles of the first calls (reported in the stream table)
        for start in range(0, max(4 * chunk, 500), chunk):
            est.partial_fit(X[start:start + chunk])
        latencies = []
        for start in range(0, n_rows, chunk):
            started = time.perf_counter()
            est.partial_fit(X[start:start + chunk])
            latencies.append(time.perf_counter() - started)
        latencies = np.array(latencies)
        rate = chunk * len(latencies) / latencies.sum()
        rows.append(dict(chunk=chunk, rows_per_s=rate,
                         latency_ms_median=1e3 * np.median(latencies),
                         latency_ms_p99=1e3 * np.percentile(latencies, 99)))
        median_ms = 1e3 * np.median(latencies)
        p99_ms = 1e3 * np.percentile(latencies, 99)
        print(f"partial_fit {chunk:>5} rows/call: {rate:>8.0f} rows/s  "
              f"latency median {median_ms:.3f} ms  p99 {p99_ms:.3f} ms", flush=True)
    return rows


def dense_sample_scan(est: STDPTransformer):
    """A plain dense ``jax.lax.scan`` of the estimator's sample-mode configuration.

    Its competition (the neuron's own equations, ``_neurons.fire``), adaptive
    thresholds and weight normalisation after each sample, the direct code,
    ``n_steps`` steps per sample from rest: the straightforward baseline,
    every weight touched at every step.
    """
    spec = _config.describe(est.get_params(), 784)
    p = dict(est.get_params(), **dict(spec.values))  # "auto" values resolved for the mode
    assert spec.competition in ("wta", "lateral") and p["encoding"] == "direct"
    lr = p["learning_rate"]
    lif = spec.params.neuron

    def present(carry, x):
        W, theta = carry  # W: (n_neurons, n_features)
        n_neurons, n_features = W.shape

        def tick(state, _):
            W, theta, v, trace_pre, trace_post = state
            trace_pre = p["trace_decay"] * trace_pre + x
            v, s = neurons.fire(v, neurons.absolute_threshold(theta, lif), W @ x, lif,
                                spec.competition)
            trace_post = p["trace_decay_post"] * trace_post + s
            W = W + lr * (p["A_plus"] * jnp.outer(s, trace_pre)
                          - p["A_minus"] * jnp.outer(trace_post, x))
            W = jnp.clip(W, p["w_min"], p["w_max"])
            theta = p["theta_decay"] * theta + p["theta_plus"] * s
            return (W, theta, v, trace_pre, trace_post), s.sum()

        zeros = jnp.zeros(n_neurons)
        start = (W, theta, zeros, jnp.zeros(n_features), zeros)
        (W, theta, *_), spikes = jax.lax.scan(tick, start, None, length=p["n_steps"])
        total = p["weight_norm"] * n_features
        W = jnp.clip(W * (total / W.sum(axis=1, keepdims=True)), p["w_min"], p["w_max"])
        return (W, theta), spikes.sum()

    @jax.jit
    def run(W0, X):
        (W, theta), spikes = jax.lax.scan(present, (W0, jnp.zeros(W0.shape[0])), X)
        return W, spikes.sum()

    return run


def mnist_like(n_samples: int, mnist: str | None) -> tuple[np.ndarray, str]:
    """The first ``n_samples`` MNIST images (X / 255) from ``mnist``, or random stand-ins."""
    if mnist:
        from benchmarks.learning import load_mnist

        return load_mnist(mnist)[0][:n_samples], "MNIST images"
    rng = np.random.default_rng(3)
    # MNIST-like: 784 pixels, ~19% non-zero with values in (0, 1].
    X = np.where(rng.random((n_samples, 784)) < 0.19, rng.random((n_samples, 784)), 0.0)
    return X, "random MNIST-sized input"


def sample_section(n_samples: int, n_scan: int, mnist: str | None) -> dict:
    X, source = mnist_like(n_samples, mnist)
    est = STDPTransformer(400, max_iter=1, random_state=0)
    est.fit(X[:1024])
    fit_s = timed(est.fit, X, repeat=3)
    n_jax = min(n_samples, n_scan)
    per_kernel = kernel_rates(lambda **kw: STDPTransformer(400, max_iter=1, random_state=0, **kw),
                              X[:n_jax], kernels=[k for k in KERNELS if k != "numba"], repeat=1)
    if "numba" in KERNELS:
        per_kernel = {"numba": kernel_rates(
            lambda **kw: STDPTransformer(400, max_iter=1, random_state=0, **kw), X,
            kernels=["numba"])["numba"], **per_kernel}
    scan = dense_sample_scan(est)
    # The initial (normalised) weights: what a fit that learns nothing leaves.
    W0 = jnp.asarray(STDPTransformer(400, max_iter=1, random_state=0, learning_rate=0.0)
                     .fit(X[:1]).components_)
    Xj = jnp.asarray(X[:n_jax], dtype=jnp.float32)
    jax.block_until_ready(scan(W0, Xj))
    scan_rate = n_jax / timed(settled(scan), W0, Xj, repeat=3)
    est.transform(X[:64])
    transform_s = timed(est.transform, X, repeat=2)
    fit_rate = n_samples / fit_s
    result = dict(fit=fit_rate, kernels=per_kernel, dense_scan=scan_rate,
                  fit_vs_scan=fit_rate / scan_rate, transform=n_samples / transform_s,
                  kernel=est.kernel_, n_steps=est.n_steps, input=source)
    kernels = "  ".join(f"{k} {r:.0f}/s" for k, r in per_kernel.items())
    print(f"sample mode 784->400, n_steps={est.n_steps}, default configuration, {source}: "
          f"auto={est.kernel_} fit {fit_rate:.0f} samples/s  [{kernels}]  "
          f"dense scan of the same configuration {scan_rate:.0f} samples/s  "
          f"fit/scan {fit_rate / scan_rate:.1f}x  transform {n_samples / transform_s:.0f} "
          f"samples/s", flush=True)
    return result


#: The rules and weight dependences timed against the pair rule (additive).
RULE_VARIANTS = [(rule, dependence) for rule in ("pair", "nearest", "triplet")
                 for dependence in ("additive", "multiplicative")]


def rules_section(n_samples: int, n_rows: int, mnist: str | None) -> list[dict]:
    """``fit`` with each rule and weight dependence, against the pair rule, in one run.

    Sample mode: the default configuration, 784 -> 400, on MNIST images (or
    stand-ins), one pass. Stream mode: the seed rule's configuration, 784 ->
    400, 5% random input, from the initial weights of the stream section
    (few output spikes to start with) and from the firing section's (every
    neuron firing at every step). Each row reports the output spikes per step
    of the run, since a rule that makes neurons fire more does more work.
    """
    X_sample, _ = mnist_like(n_samples, mnist)
    X_stream = spike_raster(n_rows, 784, 0.05)
    quiet = initial_weights(400, 784, 0.05)
    firing = np.random.default_rng(5).uniform(0.0, 1.0, (400, 784))
    makers = {
        "sample": (X_sample, lambda **kw: STDPTransformer(400, max_iter=1, random_state=0,
                                                         **kw)),
        "stream": (X_stream, lambda **kw: seed_estimator(quiet, **kw)),
        "stream, every neuron firing": (X_stream[: n_rows // 4],
                                        lambda **kw: seed_estimator(firing, **kw)),
    }
    rows = []
    for mode, (X, make) in makers.items():
        rates = {}
        for rule, dependence in RULE_VARIANTS:
            est = make(rule=rule, weight_dependence=dependence)
            est.fit(X[:1024])  # compiles
            assert est.kernel_ == "numba"
            seconds = timed(est.fit, X, repeat=3)
            counting = make(rule=rule, weight_dependence=dependence, verbose=1)
            with contextlib.redirect_stdout(io.StringIO()) as line:
                counting.fit(X)
            per_neuron = float(re.search(r"per (?:bin|sample) = ([\d.]+)", line.getvalue())[1])
            rates[rule, dependence] = (len(X) / seconds, per_neuron * 400)
        pair = rates["pair", "additive"][0]
        for (rule, dependence), (rate, spikes) in rates.items():
            rows.append(dict(mode=mode, rule=rule, weight_dependence=dependence, fit=rate,
                             vs_pair=rate / pair, spikes_per_row=spikes))
            print(f"{mode:<28} {rule:<8} {dependence:<15} fit {rate:>8.0f} rows/s  "
                  f"{rate / pair:.2f}x the pair rule  {spikes:>6.1f} spikes per row",
                  flush=True)
    return rows


_RSS_CHILD = """
import sys, numpy as np

def peak_kb():  # VmHWM: this process's own peak (ru_maxrss also counts the parent's)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))

from sk_stdp import STDPTransformer
n = int(sys.argv[1])
rng = np.random.default_rng(0)
X = np.empty((n, 784), np.float32)
for start in range(0, n, 5000):  # no float64 temporary as large as X
    X[start:start + 5000] = rng.random((min(5000, n - start), 784), np.float32) < 0.05
W0 = np.random.default_rng(1).uniform(0, 0.005, (400, 784))
params = dict(stream=True, competition=None, theta_plus=0.0, weight_norm=None,
              init=W0, learning_rate=0.01, max_iter=1)
STDPTransformer(400, **params).fit(X[:2048])  # JAX runtime and compiled programs
before = peak_kb()
STDPTransformer(400, **params).fit(X)
peak = peak_kb()
print(before, peak, X.nbytes // 1024)
"""


def rss_section(sizes) -> dict:
    result = {}
    for n in sizes:
        out = subprocess.run([sys.executable, "-c", _RSS_CHILD, str(n)], capture_output=True,
                             text=True, check=True).stdout.split()
        before_kb, peak_kb, input_kb = map(int, out)
        result[n] = dict(before_fit_mb=before_kb / 1024, peak_mb=peak_kb / 1024,
                         input_mb=input_kb / 1024, beyond_input_mb=(peak_kb - input_kb) / 1024)
        print(f"fit on {n:>7} rows (784 inputs, 5%): input {input_kb / 1024:.0f} MB, "
              f"RSS before fit {before_kb / 1024:.0f} MB, peak {peak_kb / 1024:.0f} MB, "
              f"peak beyond the input {(peak_kb - input_kb) / 1024:.0f} MB", flush=True)
    small, large = sorted(sizes)
    ratio = result[large]["beyond_input_mb"] / result[small]["beyond_input_mb"]
    print(f"peak RSS beyond the input, {large} rows vs {small} rows: {ratio:.2f}x", flush=True)
    result["ratio"] = ratio
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, fast smoke run")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--mnist", help="folder with the MNIST t10k IDX gzip files, for the "
                        "sample-mode section (default: random MNIST-sized input)")
    parser.add_argument("--brainevent", action="store_true",
                        help="only time the rule on brainevent's operators (needs numba)")
    parser.add_argument("--sections", help="comma-separated sections to run (default: all); "
                        "with --json, the file's other sections are kept")
    args = parser.parse_args(argv)
    print(f"sk_stdp speed benchmark, {date.today()}, {platform.processor() or platform.machine()}, "
          f"{jax.devices()[0].platform}, jax {jax.__version__}", flush=True)
    if args.brainevent:
        results = dict(brainevent=brainevent_section([100] if args.quick else [100, 400],
                                                     4000 if args.quick else 20000),
                       custom_call=custom_call_section(4000 if args.quick else 20000))
    elif args.quick:
        results = dict(
            stream=stream_section([100], [0.05], 4000, 300),
            firing=firing_section(2048, 200),
            partial_fit=partial_fit_section({1: 300, 10: 1000, 1000: 4000}),
            partial_fit_defaults=partial_fit_defaults_section({1: 300, 1000: 4000}),
            sample=sample_section(1024, 256, args.mnist),
            rules=rules_section(1024, 4000, args.mnist),
        )
    else:
        sections = dict(
            stream=lambda: stream_section([100, 400], [0.02, 0.05, 0.20], 20000, 1000),
            firing=lambda: firing_section(10000, 1000),
            partial_fit=lambda: partial_fit_section({1: 3000, 10: 10000, 1000: 20000}),
            partial_fit_defaults=lambda: partial_fit_defaults_section(
                {1: 3000, 10: 10000, 1000: 20000}),
            sample=lambda: sample_section(8000, 1024, args.mnist),
            rules=lambda: rules_section(8000, 20000, args.mnist),
            rss=lambda: rss_section([10_000, 100_000]),
        )
        chosen = args.sections.split(",") if args.sections else list(sections)
        results = {name: sections[name]() for name in chosen}
    if args.json:
        if args.sections and Path(args.json).exists():
            results = {**json.loads(Path(args.json).read_text()), **results}
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
