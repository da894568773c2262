"""The seed rule in sk_stdp and in other simulators, on the same workloads, side by side.

Each simulator runs the same network from the same initial weights on the same
input spikes: ``n_inputs`` Bernoulli inputs into ``n_neurons`` LIF neurons,
pair-trace STDP, one step per 1 ms bin (the rule of the user guide with the
seed's values; no competition, homeostasis or normalisation)::

    trace_pre  <- 0.95 trace_pre + x
    v          <- 0.9 v + W x
    s           = v >= 1;  v <- 0 where s
    trace_post <- 0.95 trace_post + s
    W          <- clip(W + 0.01 (0.005 s trace_pre^T - 0.00525 trace_post x^T), 0, 1)

Every peer's model is written here from these equations, in that simulator's
own terms:

- ``sk_stdp``: ``STDPTransformer(stream=True, competition=None, theta_plus=0.0,
  weight_norm=None, init=W0, ...)``, ``fit`` on the dense raster (and, as
  ``sk_stdp (CSR rows)``, on the same raster as a CSR matrix, the form
  :class:`sk_stdp.events.SpikeBinner` returns), ``kernel="auto"``;
- ``brainpy``: a ``brainpy.DynamicalSystem`` holding the state in
  ``brainpy.math.Variable``\\ s, stepped by ``brainpy.math.for_loop`` (one
  compiled loop over the raster);
- ``brian2 (C++ standalone)`` and ``brian2 (Cython)``: a
  ``SpikeGeneratorGroup`` of the input spikes, a ``NeuronGroup`` without
  differential equations (the leak is a ``run_regularly`` at the start of each
  step), ``Synapses`` whose traces are Brian's event-driven variables, the
  input driving the membranes before the threshold and the weight update of
  a step applied once, after the reset, clipped once;
- ``bindsnet``: ``Input`` and ``LIFNodes`` (decay 0.9, threshold 1, reset 0,
  no refractory period, additive traces decaying by 0.95) joined by a
  ``Connection`` learning with ``PostPre`` (``nu`` = 0.01 times ``A_minus``
  and ``A_plus``), ``Network.run(one_step=True)`` so that a step's input
  spikes drive the same step, torch on one thread.

Workloads (``--workloads``):

- ``sparse``: 784 -> 400, 5% input, weights under which a few neurons fire
  now and then (the ``784 -> 400, 5%`` row of ``speed.py``'s stream table);
- ``firing``: 784 -> 400, 5% input, weights uniform in [0, 1], most neurons
  firing at every step (``speed.py``'s many-firing table);
- ``masquelier``: 2000 -> 4, 6.4% input per bin (64 Hz at 1 ms), 60,000
  steps: the size of Masquelier, Guyonneau & Thorpe (2008).

Each peer runs in a fresh process per round (``--rounds``, the peers
interleaved within each round): a first run, which includes compiling or
building and yields the output spike counts and the final weights, then timed
runs of the same simulation from the same start (up to three, while they take
under ten seconds together; the shortest counts, as the least disturbed on a
shared machine). Steps/s is the median over the rounds; compile (or build)
time is reported apart. Brian2 C++ standalone
is timed by the network's own clock in the generated program (the simulation
loop alone, without starting the program or loading its arrays).

The peers are optional and not installed by the package's extras for CI::

    pip install "numpy<2.4" torch==2.13.0 brian2 cython   # Brian2 2.9 needs numpy < 2.4
    pip install --no-deps bindsnet   # its pins ask for torch>=2.14 and torchvision
    python benchmarks/peers.py --json benchmarks/results/peers.json
    python benchmarks/peers.py --workloads masquelier --peers sk_stdp,sk_stdp_csr,brian2_standalone

A peer that is not installed is skipped with a note. BindsNET's package
``__init__`` imports its data sets, environments and pipelines (torchvision,
gymnasium, opencv); the simulator needs none of them, so the worker imports
``bindsnet.network`` and ``bindsnet.learning`` without running that ``__init__``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SEED_RULE = dict(
    A_plus=0.005, A_minus=0.00525, learning_rate=0.01, w_min=0.0, w_max=1.0,
    threshold=1.0, v_reset=0.0, leak=0.9, trace_decay=0.95,
)

WORKLOADS = {
    "sparse": dict(label="784 → 400, 5% input, sparse output", n_inputs=784, n_neurons=400,
                   density=0.05, n_steps=20_000, weights="sparse", seed=0),
    "firing": dict(label="784 → 400, 5% input, most neurons firing", n_inputs=784,
                   n_neurons=400, density=0.05, n_steps=4_000, weights="firing", seed=4),
    "masquelier": dict(label="2000 → 4, 6.4% input (Masquelier et al. 2008 size)",
                       n_inputs=2000, n_neurons=4, density=0.064, n_steps=60_000,
                       weights="sparse", seed=6),
}

PEERS = {
    "sk_stdp": "sk_stdp",
    "sk_stdp_csr": "sk_stdp (CSR rows)",
    "brainpy": "BrainPy",
    "brian2_standalone": "Brian2 (C++ standalone)",
    "brian2_cython": "Brian2 (Cython)",
    "bindsnet": "BindsNET",
}


def make_inputs(workload: dict) -> tuple[np.ndarray, np.ndarray]:
    """The input raster (n_steps, n_inputs) as float32 0/1, and the initial weights
    (n_neurons, n_inputs): the same for every peer."""
    n_in, n_out, density = workload["n_inputs"], workload["n_neurons"], workload["density"]
    rng = np.random.default_rng(workload["seed"])
    X = (rng.random((workload["n_steps"], n_in)) < density).astype(np.float32)
    if workload["weights"] == "firing":
        W0 = np.random.default_rng(5).uniform(0.0, 1.0, (n_out, n_in))
    else:
        # The mean input current near 0.1 of the threshold per step: neurons fire now and then.
        scale = 0.2 / max(density * n_in, 1.0)
        W0 = np.random.default_rng(1).uniform(0.0, scale, (n_out, n_in))
    return X, W0.astype(np.float32)


#: Timed runs per round: up to this many, while they add up to less than REPEAT_BUDGET_S;
#: the least disturbed (the shortest) counts. A short run on a shared machine is at
#: the mercy of one interruption; a long one averages them out.
REPEATS = 3
REPEAT_BUDGET_S = 10.0


def repeat_timed(run, reset=None) -> float:
    """The shortest of the timed runs: ``run()`` returns its own time, or None to be
    timed here; ``reset()`` (not timed) restores the starting state before each."""
    times: list[float] = []
    while len(times) < REPEATS and sum(times) < REPEAT_BUDGET_S:
        if reset is not None:
            reset()
        started = time.perf_counter()
        own = run()
        times.append(own if own is not None else time.perf_counter() - started)
    return min(times)


# --------------------------------------------------------------------------
# Peers: each returns (first-run seconds, timed-run seconds, spikes per neuron, final W)
# --------------------------------------------------------------------------
def run_sk_stdp(X, W0, csr=False):
    import scipy.sparse

    from sk_stdp import STDPTransformer

    def estimator(**kwargs):
        return STDPTransformer(
            W0.shape[0], stream=True, n_steps=1, encoding="direct", competition=None,
            theta_plus=0.0, weight_norm=None, init=W0, max_iter=1, shuffle=False,
            **SEED_RULE, **kwargs)

    data = scipy.sparse.csr_matrix(X) if csr else X
    # The first run reports each neuron's spikes over the pass (fit's verbose report,
    # caught on its way to the printed line).
    from sk_stdp import _transformer

    counts = []
    printed = _transformer.report
    _transformer.report = lambda name, epoch, spikes, *rest: counts.append(np.asarray(spikes))
    try:
        first = estimator(verbose=1)
        started = time.perf_counter()
        first.fit(data)
        first_s = time.perf_counter() - started
    finally:
        _transformer.report = printed
    if not counts:
        raise RuntimeError("sk_stdp no longer reports the pass's spike counts through "
                           "_transformer.report: update benchmarks/peers.py")
    timed = estimator()

    def run():
        timed.fit(data)  # fit starts from init each time

    timed_s = repeat_timed(run)
    if not np.array_equal(timed.components_, first.components_):
        raise RuntimeError("sk_stdp: two fits of the same data differ")
    return first_s, timed_s, counts[0], timed.components_, dict(kernel=timed.kernel_)


def run_brainpy(X, W0):
    import brainpy as bp
    import brainpy.math as bm

    p = SEED_RULE

    class SeedRule(bp.DynamicalSystem):
        """The rule's step on dense state, weights input-major (n_inputs, n_neurons)."""

        def __init__(self, W0):
            super().__init__()
            n_out, n_in = W0.shape
            self.W = bm.Variable(bm.asarray(W0.T))
            self.v = bm.Variable(bm.zeros(n_out))
            self.trace_pre = bm.Variable(bm.zeros(n_in))
            self.trace_post = bm.Variable(bm.zeros(n_out))
            self.count = bm.Variable(bm.zeros(n_out))

        def update(self, x):
            self.trace_pre.value = p["trace_decay"] * self.trace_pre + x
            v = p["leak"] * self.v + x @ self.W
            s = (v >= p["threshold"]).astype(bm.float32)
            self.v.value = bm.where(s > 0, p["v_reset"], v)
            self.trace_post.value = p["trace_decay"] * self.trace_post + s
            change = (p["A_plus"] * bm.outer(self.trace_pre, s)
                      - p["A_minus"] * bm.outer(x, self.trace_post))
            self.W.value = bm.clip(self.W + p["learning_rate"] * change, p["w_min"], p["w_max"])
            self.count.value = self.count + s
            return s

    model = SeedRule(W0)
    inputs = bm.asarray(X)

    def reset():
        model.W.value = bm.asarray(W0.T)
        for var in (model.v, model.trace_pre, model.trace_post, model.count):
            var.value = bm.zeros_like(var)

    def run():
        bm.for_loop(model.update, inputs, jit=True, progress_bar=False)
        model.W.value.block_until_ready()

    started = time.perf_counter()
    run()
    first_s = time.perf_counter() - started
    counts, W = np.asarray(model.count.value), np.asarray(model.W.value).T
    timed_s = repeat_timed(run, reset)
    return first_s, timed_s, counts, W, {}


def _brian_network(X, W0):
    """The rule in Brian2 objects; returns (network, neurons, synapses, namespace)."""
    import brian2 as b2

    p = SEED_RULE
    n_steps, n_in = X.shape
    n_out = W0.shape[0]
    steps, channels = np.nonzero(X)
    dt = 1 * b2.ms
    inputs = b2.SpikeGeneratorGroup(n_in, channels, steps * dt, dt=dt, when="start",
                                    sorted=True)
    neurons = b2.NeuronGroup(n_out, "v : 1\nfired : 1\ncount : integer",
                             threshold="v >= threshold", reset="v = v_reset\nfired = 1\n"
                             "count += 1", dt=dt, method="exact")
    # The leak of a step before its input arrives; the spike flag of the last step cleared.
    neurons.run_regularly("v = leak * v\nfired = 0", when="start")
    synapses = b2.Synapses(
        inputs, neurons, dt=dt,
        model="""w : 1
                 dapre/dt = -apre / tau_pre : 1 (event-driven)
                 dapost/dt = -apost / tau_post : 1 (event-driven)
                 pre_step : integer""",
        on_pre={
            # Before the threshold: the input drives the membrane, the pre trace counts it.
            "drive": "v_post += w\napre += 1\npre_step = timestep(t, dt)",
            # After the reset: both terms of a step at an active input, clipped once.
            "learn": "w = clip(w + learning_rate * (A_plus * apre * fired_post"
                     " - A_minus * apost), w_min, w_max)",
        },
        # After the reset: potentiation at an output spike, where the input was silent.
        on_post="apost += 1\nw = clip(w + learning_rate * A_plus * apre"
                " * int(pre_step != timestep(t, dt)), w_min, w_max)",
    )
    synapses.connect()
    synapses.pre_step = -1
    synapses.w = W0.T.ravel()  # synapse (i, j) is input i -> neuron j, in that order
    synapses.drive.when = "before_thresholds"
    synapses.post.when = "after_resets"
    synapses.post.order = 0
    synapses.learn.when = "after_resets"
    synapses.learn.order = 1
    namespace = dict(p, tau_pre=-dt / np.log(p["trace_decay"]),
                     tau_post=-dt / np.log(p["trace_decay"]))
    network = b2.Network(inputs, neurons, synapses)
    return network, neurons, synapses, namespace, n_steps * dt


def run_brian2_standalone(X, W0):
    import brian2 as b2

    directory = Path(tempfile.gettempdir()) / (
        f"sk_stdp_peers_brian2_{X.shape[1]}_{W0.shape[0]}_{X.shape[0]}")
    b2.set_device("cpp_standalone", directory=str(directory), build_on_run=False)
    b2.prefs.core.default_float_dtype = np.float32
    network, neurons, synapses, namespace, duration = _brian_network(X, W0)
    network.run(duration, namespace=namespace)
    started = time.perf_counter()
    b2.device.build(directory=str(directory), compile=True, run=False)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    b2.device.run(str(directory), with_output=False, run_args=[])
    first_s = time.perf_counter() - started
    counts = np.asarray(neurons.count[:])
    W = np.asarray(synapses.w[:]).reshape(W0.shape[1], W0.shape[0]).T

    def run():
        b2.device.run(str(directory), with_output=False, run_args=[])
        return b2.device._last_run_time  # the simulation loop, timed by the program itself

    timed_s = repeat_timed(run)
    # Compile time: generating and building the program (make keeps what it built before).
    return build_s + first_s, timed_s, counts, W, dict(compile_s=build_s)


def run_brian2_cython(X, W0):
    import brian2 as b2

    b2.prefs.codegen.target = "cython"
    b2.prefs.core.default_float_dtype = np.float32
    network, neurons, synapses, namespace, duration = _brian_network(X, W0)
    network.store()
    started = time.perf_counter()
    network.run(duration, namespace=namespace)
    first_s = time.perf_counter() - started
    counts = np.asarray(neurons.count[:])
    W = np.asarray(synapses.w[:]).reshape(W0.shape[1], W0.shape[0]).T
    timed_s = repeat_timed(lambda: network.run(duration, namespace=namespace), network.restore)
    return first_s, timed_s, counts, W, {}


def _import_bindsnet():
    import importlib.util
    import types

    if "bindsnet" not in sys.modules:
        spec = importlib.util.find_spec("bindsnet")
        if spec is None:
            raise ImportError("bindsnet")
        package = types.ModuleType("bindsnet")
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules["bindsnet"] = package
    # bindsnet.network first: importing bindsnet.learning first is circular.
    network = importlib.import_module("bindsnet.network")
    learning = importlib.import_module("bindsnet.learning")
    return (network.Network, network.nodes.Input, network.nodes.LIFNodes,
            network.topology.Connection, learning.PostPre, network.monitors.Monitor)


def run_bindsnet(X, W0):
    import torch

    torch.set_num_threads(1)
    Network, Input, LIFNodes, Connection, PostPre, Monitor = _import_bindsnet()
    p = SEED_RULE
    n_out, n_in = W0.shape

    def network(monitor):
        net = Network(dt=1.0)
        # Time constants that give the rule's decays per 1 ms step (exp(-dt / tc) = decay).
        tc_trace, tc_decay = -1.0 / np.log(p["trace_decay"]), -1.0 / np.log(p["leak"])
        source = Input(n=n_in, traces=True, traces_additive=True, tc_trace=tc_trace)
        target = LIFNodes(n=n_out, traces=True, traces_additive=True, tc_trace=tc_trace,
                          thresh=p["threshold"], rest=0.0, reset=p["v_reset"], refrac=0,
                          tc_decay=tc_decay)
        connection = Connection(
            source, target, w=torch.tensor(W0.T.copy()), update_rule=PostPre,
            nu=(p["learning_rate"] * p["A_minus"], p["learning_rate"] * p["A_plus"]),
            wmin=p["w_min"], wmax=p["w_max"])
        net.add_layer(source, name="X")
        net.add_layer(target, name="Y")
        net.add_connection(connection, source="X", target="Y")
        # The decays exactly as the rule states them, not exp(-dt / tc) rounded in float32.
        source.trace_decay = torch.tensor(p["trace_decay"])
        target.trace_decay = torch.tensor(p["trace_decay"])
        target.decay = torch.tensor(p["leak"])
        spikes = None
        if monitor:
            spikes = Monitor(target, state_vars=["s"], time=X.shape[0])
            net.add_monitor(spikes, name="spikes")
        return net, connection, spikes

    inputs = {"X": torch.tensor(X, dtype=torch.bool).unsqueeze(1)}  # (time, batch, n)
    net, connection, spikes = network(monitor=True)
    started = time.perf_counter()
    net.run(inputs=inputs, time=X.shape[0], one_step=True)
    first_s = time.perf_counter() - started
    counts = spikes.get("s").sum(dim=(0, 1)).numpy()
    W = connection.w.detach().numpy().T.copy()
    fresh = {}

    def reset():
        fresh["net"] = network(monitor=False)[0]  # a new network from the initial weights

    timed_s = repeat_timed(
        lambda: fresh["net"].run(inputs=inputs, time=X.shape[0], one_step=True), reset)
    return first_s, timed_s, counts, W, dict(torch_threads=torch.get_num_threads())


RUNNERS = {
    "sk_stdp": run_sk_stdp,
    "sk_stdp_csr": lambda X, W0: run_sk_stdp(X, W0, csr=True),
    "brainpy": run_brainpy,
    "brian2_standalone": run_brian2_standalone,
    "brian2_cython": run_brian2_cython,
    "bindsnet": run_bindsnet,
}


def worker(peer: str, data: Path, out: Path) -> None:
    """One peer on one workload, in this (fresh) process; writes its results to ``out``."""
    with np.load(data) as arrays:
        X, W0 = arrays["X"], arrays["W0"]
    first_s, timed_s, counts, W, extra = RUNNERS[peer](X, W0)
    np.save(out.with_suffix(".npy"), np.asarray(W, dtype=np.float32))
    out.write_text(json.dumps(dict(first_s=first_s, timed_s=timed_s,
                                   counts=np.asarray(counts).astype(int).tolist(), **extra)))


def versions() -> dict:
    found = {"python": platform.python_version()}
    for name in ("sk_stdp", "jax", "numba", "brainpy", "brian2", "torch", "numpy"):
        try:
            module = __import__(name)
            found[name] = getattr(module, "__version__", "?")
        except ImportError:
            pass
    try:
        from importlib.metadata import version
        found["bindsnet"] = version("bindsnet")
    except Exception:  # noqa: BLE001 - not installed
        pass
    return found


def machine() -> str:
    """The CPU, its cores and the memory, in words."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()}-core {platform.machine()} ({cpu}), {memory:.0f} GiB, no GPU used"


def available(peer: str) -> str | None:
    """None if the peer can run here, else why not."""
    module = {"brainpy": "brainpy", "brian2_standalone": "brian2", "brian2_cython": "Cython",
              "bindsnet": "bindsnet"}.get(peer)
    if peer == "brian2_cython":
        module = "brian2"
    import importlib.util
    if module and importlib.util.find_spec(module) is None:
        return f"{module} is not installed"
    if peer == "brian2_cython" and importlib.util.find_spec("Cython") is None:
        return "Cython is not installed"
    if peer == "bindsnet" and importlib.util.find_spec("torch") is None:
        return "torch is not installed"
    return None


def run_workload(name: str, peers: list[str], rounds: int, workdir: Path) -> dict:
    workload = WORKLOADS[name]
    X, W0 = make_inputs(workload)
    data = workdir / f"{name}.npz"
    np.savez(data, X=X, W0=W0)
    runs: dict[str, list[dict]] = {peer: [] for peer in peers}
    for round_ in range(rounds):
        for peer in peers:
            out = workdir / f"{name}-{peer}-{round_}.json"
            proc = subprocess.run([sys.executable, __file__, "--worker", peer, str(data),
                                   str(out)], capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(f"{peer} on {name} failed:\n{proc.stdout}\n{proc.stderr}")
            result = json.loads(out.read_text())
            result["W"] = np.load(out.with_suffix(".npy"))
            runs[peer].append(result)
            print(f"  {name:<10} round {round_ + 1}  {PEERS[peer]:<24} "
                  f"{len(X) / result['timed_s']:>9.0f} steps/s  "
                  f"first run {result['first_s']:.1f} s  "
                  f"{int(np.sum(result['counts']))} output spikes", flush=True)
    reference = runs[peers[0]][0]
    rows = []
    for peer in peers:
        first = runs[peer][0]
        timed = [r["timed_s"] for r in runs[peer]]
        counts = np.asarray(first["counts"])
        row = dict(
            peer=peer, name=PEERS[peer],
            steps_per_s=len(X) / statistics.median(timed),
            timed_s=timed,
            first_run_s=statistics.median(r["first_s"] for r in runs[peer]),
            # Where a peer does not time its build itself: the first run less the timed one.
            compile_s=statistics.median(
                r.get("compile_s", max(r["first_s"] - r["timed_s"], 0.0)) for r in runs[peer]),
            output_spikes=int(counts.sum()),
            spike_counts_equal=bool(np.array_equal(counts, reference["counts"])),
            neurons_with_other_counts=int(np.sum(counts != np.asarray(reference["counts"]))),
            max_weight_difference=float(np.abs(first["W"] - reference["W"]).max()),
            same_across_rounds=all(r["counts"] == first["counts"] for r in runs[peer]),
        )
        row.update({k: v for k, v in first.items()
                    if k not in {"first_s", "timed_s", "counts", "W", "compile_s"}})
        rows.append(row)
    others = [r for r in rows if not r["peer"].startswith("sk_stdp")]
    fastest = max(others, key=lambda r: r["steps_per_s"]) if others else None
    for row in rows:
        if fastest and row["peer"].startswith("sk_stdp"):
            row["vs_fastest_peer"] = row["steps_per_s"] / fastest["steps_per_s"]
    return dict(name=name, **workload, input_spikes=int(X.sum()),
                fastest_peer=fastest["name"] if fastest else None, rows=rows)


def write_json(path: Path, results: list[dict], meta: dict) -> None:
    """Write the run; the workloads not run now are kept from an earlier file.

    Each workload carries the date and load of its own run; the file's
    ``meta`` states those of this run, and in ``sections`` those of the
    workloads kept from earlier runs.
    """
    for workload in results:
        workload.update(date=meta["date"], load_average=meta["load_average"])
    done = {w["name"] for w in results}
    if path.exists():
        earlier = json.loads(path.read_text())
        for workload in earlier["workloads"]:
            if workload["name"] not in done:
                workload.setdefault("date", earlier["meta"]["date"])
                workload.setdefault("load_average", earlier["meta"]["load_average"])
                results.append(workload)
    results.sort(key=lambda w: list(WORKLOADS).index(w["name"]))
    sections = {w["name"]: dict(date=w["date"], load="load average {} at the start, {} at "
                                "the end".format(*w["load_average"]))
                for w in results if w["name"] not in done}
    if sections:
        meta["sections"] = sections
    path.write_text(json.dumps(dict(meta=meta, workloads=results), indent=1) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default=",".join(WORKLOADS),
                        help=f"comma-separated, of {', '.join(WORKLOADS)} (default: all)")
    parser.add_argument("--peers", default=",".join(PEERS),
                        help=f"comma-separated, of {', '.join(PEERS)} (default: all installed)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="fresh processes per peer and workload (default 3)")
    parser.add_argument("--steps", type=int, help="override every workload's step count")
    parser.add_argument("--json", help="write the results to this file (with --workloads, "
                        "the file's other workloads are kept)")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        peer, data, out = args.worker
        worker(peer, Path(data), Path(out))
        return 0
    if args.steps:
        for workload in WORKLOADS.values():
            workload["n_steps"] = args.steps
    peers = []
    skipped = {}
    for peer in args.peers.split(","):
        why = available(peer)
        if why:
            skipped[PEERS[peer]] = why
            print(f"skipping {PEERS[peer]}: {why}", flush=True)
        else:
            peers.append(peer)
    started = datetime.datetime.now()
    load_before = os.getloadavg()
    print(f"sk_stdp peers benchmark, {started:%Y-%m-%d %H:%M}, {platform.machine()}, "
          f"{os.cpu_count()} cores, load {load_before[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        results = [run_workload(name, peers, args.rounds, Path(tmp))
                   for name in args.workloads.split(",")]
    load_after = os.getloadavg()
    for workload in results:
        print(f"\n{workload['label']}, {workload['n_steps']} steps, "
              f"{workload['input_spikes']} input spikes")
        for row in workload["rows"]:
            ratio = f"  {row['vs_fastest_peer']:.1f}x the fastest peer" \
                if "vs_fastest_peer" in row else ""
            print(f"  {row['name']:<24} {row['steps_per_s']:>9.0f} steps/s  "
                  f"compile {row['compile_s']:>5.1f} s  {row['output_spikes']:>8} spikes  "
                  f"max |dW| {row['max_weight_difference']:.1e}{ratio}")
    if args.json:
        write_json(Path(args.json), results, dict(
            date=started.date().isoformat(),
            machine=machine(),
            command="python benchmarks/peers.py " + " ".join(argv or sys.argv[1:]),
            load_average=[round(load_before[0], 1), round(load_after[0], 1)],
            rounds=args.rounds, versions=versions(), skipped=skipped,
        ))
    return 0


if __name__ == "__main__":
    sys.exit(main())
