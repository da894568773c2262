"""Throughput of STDPTransformer against plain baselines, all measured in one run.

Usage::

    python benchmarks/speed.py            # full table (a few minutes on 2 cores)
    python benchmarks/speed.py --quick    # smaller sizes, for a smoke run
    python benchmarks/speed.py --brainevent   # brainevent's operators (needs numba)

Sections:

1. Stream mode, the seed rule (no competition, homeostasis or normalisation),
   784 inputs -> 100 and 400 neurons, random binary input at 2%, 5% and 20%
   density: steps/s of ``fit``, of a plain-numpy loop of the same rule and of
   a straightforward dense ``jax.lax.scan`` written here; the ratios; and the
   first-call compile time of ``fit``.
2. ``partial_fit`` in stream mode fed 1, 10 and 1000 rows per call
   (784 -> 100, 5% density): rows/s and latency per call.
3. Sample mode with the default learning configuration (784 -> 400, default
   ``n_steps``) on MNIST-sized random input: samples/s of ``fit`` and of
   ``transform``.
4. Peak memory (RSS) of ``fit`` on 100,000 rows against 10,000 rows, each in a
   fresh subprocess, beyond the input array itself.
5. Only with ``--brainevent`` (and then alone; needs ``brainevent`` and
   ``numba``): the seed rule written with brainevent's event-driven operators
   (``BinaryArray @ W``, ``update_dense_on_binary_pre/post``, numba backend)
   against ``fit`` and the dense scan, 5% density.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from datetime import date

import jax
import jax.numpy as jnp
import numpy as np

from sk_stdp import STDPTransformer

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
    """Best wall time of ``repeat`` calls."""
    best = np.inf
    for _ in range(repeat):
        started = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - started)
    return best


def settled(fn):
    """``fn`` that waits for its result (JAX dispatches asynchronously)."""
    return lambda *args: jax.block_until_ready(fn(*args))


def fit_and_scan_rates(X: np.ndarray, W0: np.ndarray):
    """The seed-rule estimator after ``fit(X)``; its first-call compile time; steps/s
    of ``fit`` and of the dense scan baseline on the same rows."""
    est = seed_estimator(W0)
    started = time.perf_counter()
    est.fit(X[:256])
    compile_s = time.perf_counter() - started
    fit_rate = len(X) / timed(est.fit, X, repeat=2)
    Xj, Wj = jnp.asarray(X), jnp.asarray(W0, dtype=jnp.float32)
    jax.block_until_ready(dense_scan(Wj, Xj[:256]))
    scan_rate = len(X) / timed(settled(dense_scan), Wj, Xj, repeat=2)
    return est, compile_s, fit_rate, scan_rate


def stream_section(sizes, densities, n_rows, n_numpy) -> list[dict]:
    rows = []
    for n_neurons in sizes:
        for density in densities:
            X = spike_raster(n_rows, 784, density)
            W0 = initial_weights(n_neurons, 784, density)
            est, compile_s, fit_rate, scan_rate = fit_and_scan_rates(X, W0)
            post_rate = float(est.predict(X[:2000]).mean())
            numpy_rate = n_numpy / timed(numpy_loop, X[:n_numpy], W0)
            rows.append(dict(
                n_neurons=n_neurons, density=density, kernel=est.kernel_,
                fit=fit_rate, dense_scan=scan_rate, numpy=numpy_rate,
                fit_vs_numpy=fit_rate / numpy_rate, fit_vs_scan=fit_rate / scan_rate,
                compile_s=compile_s, post_spikes_per_neuron_step=post_rate,
            ))
            print(
                f"784->{n_neurons:<4} {density:>4.0%}  kernel={est.kernel_:<5} "
                f"fit {fit_rate:>8.0f}/s  dense scan {scan_rate:>8.0f}/s  "
                f"numpy {numpy_rate:>7.0f}/s  fit/numpy {fit_rate / numpy_rate:>5.1f}x  "
                f"fit/scan {fit_rate / scan_rate:>4.1f}x  compile {compile_s:.2f}s  "
                f"post rate {post_rate:.3f}",
                flush=True,
            )
    return rows


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


def sample_section(n_samples: int) -> dict:
    rng = np.random.default_rng(3)
    # MNIST-like: 784 pixels, ~19% non-zero with values in (0, 1].
    X = np.where(rng.random((n_samples, 784)) < 0.19, rng.random((n_samples, 784)), 0.0)
    est = STDPTransformer(400, max_iter=1, random_state=0)
    est.fit(X[:64])
    fit_s = timed(est.fit, X)
    est.transform(X[:64])
    transform_s = timed(est.transform, X, repeat=2)
    result = dict(fit=n_samples / fit_s, transform=n_samples / transform_s,
                  ratio=fit_s / transform_s, kernel=est.kernel_, n_steps=est.n_steps)
    print(f"sample mode 784->400, n_steps={est.n_steps}, kernel={est.kernel_}: "
          f"fit {result['fit']:.0f} samples/s, transform {result['transform']:.0f} samples/s, "
          f"transform/fit {result['ratio']:.1f}x", flush=True)
    return result


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
    parser.add_argument("--brainevent", action="store_true",
                        help="only time the rule on brainevent's operators (needs numba)")
    args = parser.parse_args(argv)
    print(f"sk_stdp speed benchmark, {date.today()}, {platform.processor() or platform.machine()}, "
          f"{jax.devices()[0].platform}, jax {jax.__version__}", flush=True)
    if args.brainevent:
        results = dict(brainevent=brainevent_section([100] if args.quick else [100, 400],
                                                     4000 if args.quick else 20000))
    elif args.quick:
        results = dict(
            stream=stream_section([100], [0.05], 4000, 300),
            partial_fit=partial_fit_section({1: 300, 10: 1000, 1000: 4000}),
            sample=sample_section(200),
        )
    else:
        results = dict(
            stream=stream_section([100, 400], [0.02, 0.05, 0.20], 20000, 1000),
            partial_fit=partial_fit_section({1: 3000, 10: 10000, 1000: 20000}),
            sample=sample_section(2000),
            rss=rss_section([10_000, 100_000]),
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
