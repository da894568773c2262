"""Which kernel learns, and one pass of learning over rows on it.

Three kernels compute the same step (:mod:`sk_stdp._rules`,
:mod:`sk_stdp._neurons`): ``"numba"``, the fused CPU kernels
(:mod:`sk_stdp._numba`), and the JAX kernels ``"dense"`` (every weight at
every step) and ``"event"`` (only the weights of active inputs and spiking
neurons), jitted drivers of :mod:`sk_stdp._dynamics`. :func:`choose` picks
one for ``kernel="auto"``; :class:`Learner` runs a pass over rows in blocks
on it and keeps what the kernel carries from one call to the next.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sp

from . import _dynamics as dyn
from . import _numba
from ._config import LayerSpec
from ._encoding import block_sizes, nonzeros_per_row, row_seeds, to_dense, to_events

#: Mean input density at or below which ``kernel="auto"`` picks the event kernel
#: (off the CPU, where the fused kernels do not run).
EVENT_DENSITY = 0.15

#: Output spikes per step (at least 8, or this fraction of the neurons) above
#: which ``kernel="auto"`` prefers the dense JAX kernel to the event kernel,
#: whatever the input density (784 -> 400, 5% input: the event kernel is twice
#: as fast at 17 spikes per step, 0.7x the dense kernel's speed at 45).
EVENT_MAX_SPIKES = 1 / 16

#: Rows of a block whose rate-code spikes the fused kernels draw at once (sample
#: mode: rows x n_steps x inputs values).
POISSON_ROWS = 64


def choose(spec: LayerSpec, X, weights: np.ndarray, seed: int) -> str:
    """The kernel for a new layer: as asked, or for ``"auto"`` the fastest here.

    On a CPU the fused kernels, which implement every rule, dependence and
    encoding, and choose per step between touching only the active inputs
    and spiking neurons or every weight. On an accelerator the JAX kernels:
    the event kernel for sparse input unless the initial weights make many
    neurons fire per step on the first rows, else the dense kernel.
    """
    if spec.kernel == "numba" or (spec.kernel == "auto" and jax.default_backend() == "cpu"):
        return "numba"
    if spec.kernel != "auto":
        return spec.kernel
    density = nonzeros_per_row(X).mean() / X.shape[1]
    if density > EVENT_DENSITY:
        return "dense"
    if spec.relative:  # thresholds that follow the input: no estimate from rest
        return "event"
    most = max(8.0, EVENT_MAX_SPIKES * spec.n_neurons)
    return "event" if _spikes_per_step(spec, X[:256], weights, seed) <= most else "dense"


def _spikes_per_step(spec: LayerSpec, X, weights: np.ndarray, seed: int) -> float:
    """Mean output spikes per step of the initial weights on a few rows (no learning)."""
    rows = to_dense(X)
    params = spec.params
    threshold = params.neuron.threshold + jnp.zeros(spec.n_neurons, jnp.float32)
    if spec.stream:
        _, spikes = dyn.respond_stream(
            weights, threshold, jnp.zeros(spec.n_neurons, jnp.float32), rows, np.uint32(0),
            params, np.uint32(seed), competition=spec.competition, encoding=spec.encoding,
        )
        return float(np.asarray(spikes).sum(axis=1).mean())
    counts = dyn.respond_samples(
        weights, threshold, rows, row_seeds(rows), params, np.uint32(seed),
        competition=spec.competition, encoding=spec.encoding, n_steps=spec.n_steps,
    )
    return float(np.asarray(counts).sum(axis=1).mean()) / spec.n_steps


def kernel_state(state: dyn.LayerState) -> tuple[dyn.LayerState, _numba.KernelState]:
    """The layer's state as writable float32 numpy arrays, and the fused kernels' view of it
    (the same memory: the kernels update the returned state in place)."""
    state = jax.tree_util.tree_map(
        lambda a: a if isinstance(a, np.ndarray) and a.flags.writeable
        and a.dtype == np.float32 else np.array(a, np.float32), state)
    neuron, traces = state.neuron, state.plasticity
    view = _numba.KernelState(
        weights=state.weights, theta=neuron.theta, v=neuron.v, trace_pre=traces.trace_pre,
        trace_post=traces.trace_post, trace_slow=traces.trace_slow,
        drive=neuron.drive.reshape(1), drive_weight=neuron.drive_weight.reshape(1),
        input_rate=neuron.input_rate.reshape(1), input_mean=neuron.input_mean,
        input_power=neuron.input_power,
    )
    return state, view


class Learner:
    """Learning passes on one kernel, with what the kernel keeps between calls.

    ``event_slots``: the width of the event kernel's event lists (it grows,
    never shrinks, so that sparser chunks reuse the compiled programs).
    ``clean``: the fused kernels' flags of columns found normalised, valid
    for one normalisation target and pair of bounds.
    """

    def __init__(self, kernel: str):
        self.kernel = kernel
        self.event_slots = 0
        self.clean: np.ndarray | None = None
        self.clean_for: tuple | None = None
        # The fused stream kernel decays a pre-synaptic trace only when it reads it:
        # ``stamps[i]`` is the step at which trace i was last brought up to date,
        # ``step`` the steps run so far, ``decay`` the decay the traces are pending under.
        self.stamps: np.ndarray | None = None
        self.step = 0
        self.decay: np.float32 | None = None

    def __getstate__(self) -> dict:
        state = vars(self).copy()
        state.pop("_viewed", None)  # a view of the layer's state: made again when needed
        return state

    def __eq__(self, other) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        mine, theirs = self.__getstate__(), other.__getstate__()
        return mine.keys() == theirs.keys() and all(
            np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
            for a, b in zip(mine.values(), theirs.values(), strict=True))

    def current(self, state: dyn.LayerState) -> dyn.LayerState:
        """``state`` (numpy) with every pre-synaptic trace brought up to date."""
        if self.stamps is None:
            return state
        traces = _numba.current_traces(state.plasticity.trace_pre, self.stamps, self.step,
                                       _numba.decay_powers(self.decay))
        return state._replace(plasticity=state.plasticity._replace(trace_pre=traces))

    def _pending(self, state: dyn.LayerState, view: _numba.KernelState, decay) -> np.ndarray:
        """The stamps of the traces, all brought up to date first if the decay changed."""
        if self.stamps is None:
            self.stamps = np.full(view.trace_pre.shape[0], self.step - 1, np.int64)
        elif decay != self.decay:  # set_params between calls: the old decay up to now
            view.trace_pre[:] = self.current(state).plasticity.trace_pre
            self.stamps[:] = self.step - 1
        self.decay = decay
        return self.stamps

    def learn(self, state: dyn.LayerState, X, spec: LayerSpec, seed: int, first_index: int,
              *, order=None, progress=None, wait: bool = True,
              ) -> tuple[dyn.LayerState, np.ndarray | None]:
        """One pass over the rows of X (in ``order``) from ``state``.

        ``first_index`` numbers the first row in the stream of rows learned
        since ``fit`` (it keys the rate code's draws). Returns the new state
        and the spike count of each neuron over the pass, or None for the
        counts with ``wait=False``: the last block may then still be running
        when this returns (JAX dispatches asynchronously), which lets a caller
        feeding a few rows at a time prepare the next chunk meanwhile. Within
        a pass, each block waits for the previous one: one block of input in
        flight, so memory stays flat however long X is.
        """
        counts = np.zeros(spec.n_neurons)
        in_flight = None  # (spike counts, rows) of the block dispatched last
        # Sparse blocks are densified into two alternating buffers per block
        # shape: JAX may hold a block's host array until some time after its
        # step finished, so allocating a new one per block could keep a third
        # block alive; a buffer is rewritten only after its block has settled.
        buffers: dict = {}
        step = self._numba_block if self.kernel == "numba" else self._jax_block
        view = None
        if self.kernel == "numba":
            state, view = self._view(state)
            self._check_clean(spec)

        def settle():
            block_counts, n_rows = in_flight
            np.add(counts, block_counts, out=counts)  # waits for the block
            if progress is not None:
                progress.update(n_rows)

        for k, (start, stop) in enumerate(block_sizes(X.shape[0])):
            if in_flight is not None:
                settle()
            block = X[start:stop] if order is None else X[order[start:stop]]
            state, block_counts = step(state, view, block, spec, seed,
                                       first_index + start, k % 2, buffers)
            in_flight = (block_counts, stop - start)
        if not wait:
            return state, None
        if in_flight is not None:
            settle()
        return state, counts

    def _view(self, state: dyn.LayerState) -> tuple[dyn.LayerState, _numba.KernelState]:
        """:func:`kernel_state`, kept while the state is the one it was made for (the fused
        kernels update it in place, and a few rows per call cost less than its making)."""
        cached = getattr(self, "_viewed", None)
        if cached is None or cached[0] is not state:
            cached = self._viewed = kernel_state(state)
        return cached

    def _check_clean(self, spec: LayerSpec) -> None:
        bounds = spec.host_params.bounds
        if self.clean is None or self.clean_for != bounds:
            self.clean, self.clean_for = np.zeros(spec.n_neurons, bool), bounds

    def _numba_block(self, state, view, block, spec: LayerSpec, seed, first_index, parity,
                     buffers):
        """One block through the fused kernels, which update ``state`` in place."""
        common = dict(rule=spec.rule, dependence=spec.weight_dependence, stream=spec.stream,
                      n_steps=spec.n_steps, competition=spec.competition,
                      normalize=spec.normalize, relative=spec.relative,
                      calibrated=spec.calibrated_leak)
        params = spec.host_params
        if spec.encoding == "direct" and not spec.stream:
            return state, _numba.learn_block(view, self.clean, block, params, **common)
        stamps = self._pending(state, view, params.rule.trace_decay)
        if spec.encoding == "direct":
            counts = _numba.learn_block(view, self.clean, block, params, stamps=stamps,
                                        first_step=self.step, **common)
            self.step += block.shape[0]
            return state, counts
        # The rate code: the input spikes drawn as the JAX drivers draw them, a few
        # presentations at a time.
        counts = np.zeros(spec.n_neurons)
        for start, stop in block_sizes(block.shape[0], POISSON_ROWS):
            rows = to_dense(block[start:stop])
            spikes = np.asarray(dyn.draw_spikes(rows, np.uint32((first_index + start) % 2**32),
                                                np.uint32(seed), n_steps=spec.n_steps))
            counts += _numba.learn_block(view, self.clean, spikes, params, stamps=stamps,
                                         first_step=self.step,
                                         present_for=0 if spec.stream else spec.n_steps,
                                         **common)
            self.step += spikes.shape[0]
        return state, counts

    def _jax_block(self, state, view, block, spec: LayerSpec, seed, first_index, parity,
                   buffers):
        """Dispatch one block to the compiled JAX driver; returns its (pending) spike counts."""
        if self.kernel == "event":
            rows = to_events(block, min_slots=self.event_slots)
            self.event_slots = rows[0].shape[1]
        elif sp.issparse(block):
            key = (block.shape, parity)
            if key not in buffers:
                buffers[key] = np.empty(block.shape, np.float32)
            rows = to_dense(block, out=buffers[key])
        else:
            rows = to_dense(block)
        return dyn.learn(
            state, rows, np.uint32(first_index % 2**32), spec.params, np.uint32(seed),
            config=spec.config(self.kernel), n_steps=spec.n_steps, from_rest=not spec.stream,
        )


def host_state(state: dyn.LayerState) -> dyn.LayerState:
    """The state as numpy arrays (a copy of JAX arrays; numpy arrays as they are)."""
    return jax.tree_util.tree_map(np.asarray, state)

