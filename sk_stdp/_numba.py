"""Fused CPU kernels of the learning rule, compiled with numba.

One compiled call runs a whole block of rows: no per-operation dispatch, which
is what bounds the JAX kernels on a CPU. The arithmetic per weight is the one
of :func:`sk_stdp._dynamics.stdp_delta` (float32, same order of operations),
and only weights whose update can be non-zero are visited:

- stream mode, each step: the rows of active inputs (every column), then the
  columns of spiking neurons on the other rows. When many neurons fire in a
  step, the kernel switches to a row-wise pass over all weights instead (the
  same value per weight, computed in an order the CPU vectorises).
- sample mode, direct code: the input is the same at every step of a
  presentation, so the pre-synaptic trace is non-zero on the row's active
  inputs only, and the post-synaptic trace on the neurons that fired during
  this presentation only. Only those columns, on those rows, change; the input
  currents of every other neuron stay what they were at the first step.

Weight normalisation rescales only the columns that changed since they were
last found normalised: a column whose sum is already ``weight_total`` (to a
few units in the last place) would be rescaled by 1.

In stream mode the thresholds are fixed or relative to the running input
statistics, with the leak that follows the input rate (as
:func:`sk_stdp._neurons.thresholds`, :func:`~sk_stdp._neurons.membrane_leak`
and :func:`~sk_stdp._neurons.track_drive`).

The state arrays (weights ``(n_features, n_neurons)``, thresholds, membranes,
traces, input statistics) are updated in place. The JAX kernels in :mod:`sk_stdp._dynamics`
remain the reference and the path on other devices; the tests compare the two.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ._neurons import MAX_CALIBRATED_LEAK

try:  # pragma: no cover - exercised by the environment, not by a test
    import numba
except ImportError:  # pragma: no cover
    numba = None

#: Whether the fused kernels can run here.
AVAILABLE = numba is not None


class KernelState(NamedTuple):
    """The arrays the kernels update in place (writable float32 numpy arrays)."""

    weights: np.ndarray  # (n_features, n_neurons)
    theta: np.ndarray  # (n_neurons,)
    v: np.ndarray  # (n_neurons,)
    trace_pre: np.ndarray  # (n_features,)
    trace_post: np.ndarray  # (n_neurons,)
    # Running input statistics of relative thresholds (stream mode, threshold="auto"):
    # (drive, drive_weight, input_rate) of ``_neurons.NeuronState``, and each input's
    # running mean and mean square. None where thresholds are fixed.
    stats: np.ndarray | None = None  # (3,)
    input_mean: np.ndarray | None = None  # (n_features,)
    input_power: np.ndarray | None = None  # (n_features,)

#: Order of the rule's numbers in the vector the kernels read.
PARAMS = (
    "A_plus", "A_minus", "learning_rate", "w_min", "w_max", "threshold", "v_reset", "leak",
    "trace_decay", "theta_plus", "theta_decay", "inhibition", "weight_total", "trace_decay_post",
    "relative_threshold", "threshold_noise", "stat_decay", "membrane_spikes",
)
COMPETITION = {None: 0, "wta": 1, "lateral": 2}

#: A column counts as normalised when rescaling it would multiply it by 1
#: within this relative amount (4 units in the last place of float32).
NORMALISED = np.float32(2.0**-21)

#: Stream mode: the row-wise pass over all weights is used from this fraction
#: of neurons spiking in one step.
DENSE_FRACTION = 1 / 16


#: Numbers read only with relative thresholds (``adaptive``); 0 where absent.
RELATIVE_PARAMS = ("relative_threshold", "threshold_noise", "stat_decay", "membrane_spikes")


def pack(values: dict) -> np.ndarray:
    """The rule's numbers, by name, as the float32 vector the kernels read."""
    return np.asarray([values.get(name, 0.0) if name in RELATIVE_PARAMS else values[name]
                       for name in PARAMS], dtype=np.float32)


@lru_cache(maxsize=64)
def pack_values(values: tuple[tuple[str, float], ...]) -> np.ndarray:
    """:func:`pack` of ``(name, value)`` pairs, cached: streaming calls a few rows at a time."""
    return pack(dict(values))


def _njit(fn):
    if numba is None:  # pragma: no cover
        return fn
    return numba.njit(cache=True, nogil=True)(fn)


@_njit
def _fire(v, threshold, leak, current, p, competition, spikes, spiking):
    """Leak, integrate, threshold, compete and reset (as ``_dynamics.fire``).

    ``threshold`` holds each neuron's effective threshold. Writes 0/1 into
    ``spikes`` and the indices of the spiking neurons into ``spiking``;
    returns their number.
    """
    v_reset, inhibition = p[6], p[11]
    n = v.shape[0]
    n_spikes = 0
    if competition == 1:
        # Membranes first (a loop the compiler vectorises), then the first maximum.
        for j in range(n):
            v[j] = leak * v[j] + current[j]
            spikes[j] = v[j] - threshold[j]  # the margin, for now
        winner = 0
        best = spikes[0]
        for j in range(1, n):
            if spikes[j] > best:
                best = spikes[j]
                winner = j
        for j in range(n):
            spikes[j] = 0.0
        if best >= 0:
            spikes[winner] = 1.0
            spiking[0] = winner
            n_spikes = 1
            for j in range(n):
                v[j] = v_reset
        return n_spikes
    for j in range(n):
        v[j] = leak * v[j] + current[j]
        if v[j] - threshold[j] >= 0:
            spikes[j] = 1.0
            spiking[n_spikes] = j
            n_spikes += 1
        else:
            spikes[j] = 0.0
    if competition == 2:
        total = np.float32(n_spikes)
        for j in range(n):
            if spikes[j] > 0:
                v[j] = v_reset
            else:
                v[j] = v[j] - inhibition * (total - spikes[j])
    else:
        for q in range(n_spikes):
            v[spiking[q]] = v_reset
    return n_spikes


@_njit
def _bounded(value, biggest):
    return min(value, biggest)


@_njit
def _clip(value, lo, hi):
    return min(max(value, lo), hi)


@_njit
def _normalise(weights, clean, p, sums):
    """Rescale each column not marked clean to sum to ``weight_total``, then clip."""
    w_min, w_max, total = p[3], p[4], p[12]
    n_features, n_neurons = weights.shape
    dirty = np.empty(n_neurons, np.int64)
    n_dirty = 0
    for j in range(n_neurons):
        if not clean[j]:
            dirty[n_dirty] = j
            n_dirty += 1
    if n_dirty == 0:
        return
    if n_dirty * 8 > n_neurons:  # many columns: row-wise passes, contiguous
        for j in range(n_neurons):
            sums[j] = 0.0
        for i in range(n_features):
            for j in range(n_neurons):
                sums[j] += weights[i, j]
    else:
        for q in range(n_dirty):
            j = dirty[q]
            acc = 0.0
            for i in range(n_features):
                acc += weights[i, j]
            sums[j] = acc
    scale = np.empty(n_dirty, np.float32)
    for q in range(n_dirty):
        j = dirty[q]
        column_sum = np.float32(sums[j])
        s = total / column_sum if column_sum > 0 else np.float32(1.0)
        scale[q] = s
        clean[j] = abs(s - np.float32(1.0)) <= NORMALISED
    for i in range(n_features):
        for q in range(n_dirty):
            j = dirty[q]
            weights[i, j] = _clip(weights[i, j] * scale[q], w_min, w_max)


@_njit
def _update_row(weights, i, pre_amp, x_i, spikes, depression, w_min, w_max):
    for j in range(weights.shape[1]):
        weights[i, j] = _clip(
            weights[i, j] + pre_amp * spikes[j] - x_i * depression[j], w_min, w_max
        )


@_njit
def _thresholds(threshold, theta, stats, p, adaptive, calibrated):
    """Each neuron's effective threshold into ``threshold``; returns the leak in use.

    As ``_neurons.thresholds`` and ``_neurons.membrane_leak``, in float32 and
    the same order of operations.
    """
    fixed_threshold, leak, w_max = p[5], p[7], p[4]
    relative, noise, membrane_spikes = p[14], p[15], p[17]
    one = np.float32(1.0)
    n = theta.shape[0]
    if not adaptive:
        for j in range(n):
            threshold[j] = fixed_threshold + theta[j]
        return leak
    weight = stats[1]
    if weight <= 0:  # nothing seen yet: no neuron fires
        for j in range(n):
            threshold[j] = np.float32(np.inf)
        return leak
    if calibrated:
        per_step = stats[2] / weight
        leak = min(max(one - per_step / membrane_spikes, leak), np.float32(MAX_CALIBRATED_LEAK))
    potential = (stats[0] / weight) / max(one - leak, np.float32(1e-3))
    spread = np.float32(np.sqrt(max(w_max, np.float32(0.0)) * potential))
    for j in range(n):
        threshold[j] = (relative + theta[j]) * potential + noise * spread + fixed_threshold
    return leak


@_njit
def _track(stats, input_mean, input_power, current, x, indices, start, stop, stat_decay):
    """The running input statistics after one step (as ``_neurons.track_drive``)."""
    one = np.float32(1.0)
    rest = one - stat_decay
    total = np.float32(0.0)
    for j in range(current.shape[0]):
        total += current[j]
    n_input = np.float32(0.0)
    for k in range(start, stop):
        n_input += x[indices[k]]
    stats[0] = stat_decay * stats[0] + rest * (total / np.float32(current.shape[0]))
    stats[1] = stat_decay * stats[1] + rest
    stats[2] = stat_decay * stats[2] + rest * n_input
    for i in range(x.shape[0]):
        input_mean[i] = stat_decay * input_mean[i] + rest * x[i]
        input_power[i] = stat_decay * input_power[i] + rest * x[i] * x[i]


@_njit
def stream_block(weights, theta, v, trace_pre, trace_post, clean, indptr, indices, data, p,
                 competition, normalize, dense_from, present_for, counts, stats, input_mean,
                 input_power, adaptive, calibrated):
    """Consecutive time steps (CSR rows ``indptr, indices, data``) from the current state.

    A step with at least ``dense_from`` spiking neurons updates the weights
    row by row over every column; the value of each weight is the same.
    ``present_for=0``: stream mode, normalisation after every step.
    ``present_for=n``: every ``n`` rows are the steps of one presentation
    (sample mode with inputs that change from step to step), after which the
    weights are normalised and membranes and traces return to rest.
    ``adaptive``: thresholds relative to the running input statistics
    ``stats``, ``input_mean`` and ``input_power`` (``_neurons.thresholds``,
    ``_neurons.track_drive``), with the leak following the input rate if
    ``calibrated`` (``_neurons.membrane_leak``).
    """
    A_plus, A_minus, lr, w_min, w_max = p[0], p[1], p[2], p[3], p[4]
    decay, theta_plus, theta_decay = p[8], p[9], p[10]
    decay_post = p[13]
    stat_decay = p[16]
    threshold = np.empty(theta.shape[0], np.float32)
    biggest = np.float32(np.finfo(np.float32).max)
    potentiate, depress = lr * A_plus, lr * A_minus
    n_features, n_neurons = weights.shape
    x = np.zeros(n_features, np.float32)
    pre_amp = np.empty(n_features, np.float32)
    depression = np.empty(n_neurons, np.float32)
    current = np.empty(n_neurons, np.float32)
    spikes = np.zeros(n_neurons, np.float32)
    spiking = np.empty(n_neurons, np.int64)
    sums = np.empty(n_neurons, np.float64)
    for r in range(indptr.shape[0] - 1):
        start, stop = indptr[r], indptr[r + 1]
        for k in range(start, stop):
            x[indices[k]] = data[k]
        for i in range(n_features):
            trace_pre[i] = _bounded(decay * trace_pre[i] + x[i], biggest)
            pre_amp[i] = _bounded(potentiate * trace_pre[i], biggest)
        for j in range(n_neurons):
            current[j] = 0.0
        for k in range(start, stop):
            i = indices[k]
            x_i = x[i]
            for j in range(n_neurons):
                current[j] += x_i * weights[i, j]
        leak = _thresholds(threshold, theta, stats, p, adaptive, calibrated)
        n_spikes = _fire(v, threshold, leak, current, p, competition, spikes, spiking)
        if adaptive:
            _track(stats, input_mean, input_power, current, x, indices, start, stop,
                   stat_decay)
        for j in range(n_neurons):
            trace_post[j] = _bounded(decay_post * trace_post[j] + spikes[j], biggest)
            depression[j] = _bounded(depress * trace_post[j], biggest)
        if n_spikes >= dense_from:
            for i in range(n_features):
                if x[i] != 0 or pre_amp[i] != 0:
                    _update_row(weights, i, pre_amp[i], x[i], spikes, depression, w_min, w_max)
        else:
            for k in range(start, stop):
                i = indices[k]
                _update_row(weights, i, pre_amp[i], x[i], spikes, depression, w_min, w_max)
            if n_spikes > 0:
                for i in range(n_features):
                    if x[i] != 0 or pre_amp[i] == 0:
                        continue
                    for q in range(n_spikes):
                        j = spiking[q]
                        weights[i, j] = _clip(
                            weights[i, j] + pre_amp[i] * spikes[j] - x[i] * depression[j],
                            w_min, w_max,
                        )
        if n_spikes > 0 or theta_decay != 1:
            for j in range(n_neurons):
                theta[j] = theta_decay * theta[j] + theta_plus * spikes[j]
        for q in range(n_spikes):
            counts[spiking[q]] += 1.0
        if normalize:
            if stop > start:
                for j in range(n_neurons):
                    if depression[j] != 0 or spikes[j] != 0:
                        clean[j] = False
            else:
                for q in range(n_spikes):
                    clean[spiking[q]] = False
        for k in range(start, stop):
            x[indices[k]] = 0.0
        if present_for == 0:
            if normalize:
                _normalise(weights, clean, p, sums)
        elif (r + 1) % present_for == 0:
            if normalize:
                _normalise(weights, clean, p, sums)
            for i in range(n_features):
                trace_pre[i] = 0.0
            for j in range(n_neurons):
                v[j] = 0.0
                trace_post[j] = 0.0


@_njit
def sample_block(weights, theta, clean, indptr, indices, data, n_steps, p, competition,
                 normalize, counts):
    """Rows as samples, each presented for ``n_steps`` steps from rest (direct code).

    Per presentation, only the columns of neurons that fired during it change,
    and only on the row's active inputs; the current of every other neuron is
    the one computed at the first step.
    """
    A_plus, A_minus, lr, w_min, w_max = p[0], p[1], p[2], p[3], p[4]
    decay, theta_plus, theta_decay = p[8], p[9], p[10]
    decay_post = p[13]
    biggest = np.float32(np.finfo(np.float32).max)
    potentiate, depress = lr * A_plus, lr * A_minus
    n_features, n_neurons = weights.shape
    v = np.empty(n_neurons, np.float32)
    trace_post = np.zeros(n_neurons, np.float32)
    current = np.empty(n_neurons, np.float32)
    spikes = np.zeros(n_neurons, np.float32)
    spiking = np.empty(n_neurons, np.int64)
    active = np.empty(n_neurons, np.int64)  # neurons that fired in this presentation
    is_active = np.zeros(n_neurons, np.bool_)
    sums = np.empty(n_neurons, np.float64)
    max_nnz = 0
    for r in range(indptr.shape[0] - 1):
        max_nnz = max(max_nnz, indptr[r + 1] - indptr[r])
    trace_pre = np.empty(max_nnz, np.float32)
    pre_amp = np.empty(max_nnz, np.float32)
    threshold, leak = np.empty(n_neurons, np.float32), p[7]
    for r in range(indptr.shape[0] - 1):
        start, stop = indptr[r], indptr[r + 1]
        nnz = stop - start
        for k in range(nnz):
            trace_pre[k] = 0.0
        for j in range(n_neurons):
            v[j] = 0.0
            current[j] = 0.0
        for k in range(start, stop):
            i = indices[k]
            x_i = data[k]
            for j in range(n_neurons):
                current[j] += x_i * weights[i, j]
        n_active = 0
        for _ in range(n_steps):
            for k in range(nnz):
                trace_pre[k] = _bounded(decay * trace_pre[k] + data[start + k], biggest)
                pre_amp[k] = _bounded(potentiate * trace_pre[k], biggest)
            for j in range(n_neurons):
                threshold[j] = p[5] + theta[j]
            n_spikes = _fire(v, threshold, leak, current, p, competition, spikes, spiking)
            for q in range(n_spikes):
                j = spiking[q]
                counts[j] += 1.0
                if not is_active[j]:
                    is_active[j] = True
                    active[n_active] = j
                    n_active += 1
            for q in range(n_active):
                j = active[q]
                trace_post[j] = _bounded(decay_post * trace_post[j] + spikes[j], biggest)
                dep = _bounded(depress * trace_post[j], biggest)
                s_j = spikes[j]
                acc = np.float32(0.0)
                for k in range(nnz):
                    i = indices[start + k]
                    x_i = data[start + k]
                    w = _clip(weights[i, j] + pre_amp[k] * s_j - x_i * dep, w_min, w_max)
                    weights[i, j] = w
                    acc += x_i * w
                current[j] = acc  # same terms in the same order as the first step's sum
            if theta_decay != 1:
                for j in range(n_neurons):
                    theta[j] = theta_decay * theta[j] + theta_plus * spikes[j]
            else:
                for q in range(n_spikes):
                    j = spiking[q]
                    theta[j] = theta[j] + theta_plus * spikes[j]
        for q in range(n_active):
            j = active[q]
            trace_post[j] = 0.0
            is_active[j] = False
            if normalize:
                clean[j] = False
        if normalize:
            _normalise(weights, clean, p, sums)


@_njit
def _dense_to_csr(block):
    n_rows, n_cols = block.shape
    indptr = np.zeros(n_rows + 1, np.int64)
    for r in range(n_rows):
        count = 0
        for c in range(n_cols):
            if block[r, c] != 0:
                count += 1
        indptr[r + 1] = indptr[r] + count
    indices = np.empty(indptr[n_rows], np.int64)
    data = np.empty(indptr[n_rows], np.float32)
    k = 0
    for r in range(n_rows):
        for c in range(n_cols):
            if block[r, c] != 0:
                indices[k] = c
                data[k] = block[r, c]
                k += 1
    return indptr, indices, data


def _csr(block):
    """Sorted, duplicate-free CSR arrays of a block, with no explicit zeros.

    Explicit zeros would list an input as active; sorted indices fix the order
    in which the currents are summed, so that dense and sparse chunks of the
    same rows learn the same weights.
    """
    if not sp.issparse(block):
        return _dense_to_csr(np.ascontiguousarray(block, dtype=np.float32))
    block = sp.csr_matrix(block, dtype=np.float32, copy=True)
    block.sum_duplicates()
    block.eliminate_zeros()
    return (block.indptr.astype(np.int64), block.indices.astype(np.int64),
            np.ascontiguousarray(block.data, dtype=np.float32))


def learn_block(state: KernelState, clean: np.ndarray, block, rule: np.ndarray, *,
                stream: bool, n_steps: int, competition: str | None, normalize: bool,
                dense_from: int | None = None, adaptive: bool = False,
                calibrated: bool = False) -> np.ndarray:
    """Learn from one block of rows (direct code), updating ``state`` and ``clean`` in place.

    ``clean`` holds the per-neuron flags of columns found normalised.
    ``dense_from``: spiking neurons per step from which a step updates every
    weight row by row (default: ``DENSE_FRACTION`` of the neurons). Returns
    the spike count of each neuron over the block. ``adaptive`` (stream mode):
    thresholds relative to the input statistics of ``state`` (``calibrated``:
    and the leak).
    """
    n_neurons = state.theta.shape[0]
    counts = np.zeros(n_neurons, np.float64)
    code = COMPETITION[competition]
    if dense_from is None:
        dense_from = max(1, int(n_neurons * DENSE_FRACTION))
    csr = _csr(block)
    if stream:
        if adaptive:
            stats, input_mean, input_power = state.stats, state.input_mean, state.input_power
        else:  # not read
            stats, input_mean, input_power = (np.zeros(3, np.float32),
                                              np.zeros(1, np.float32), np.zeros(1, np.float32))
        stream_block(state.weights, state.theta, state.v, state.trace_pre, state.trace_post,
                     clean, *csr, rule, code, normalize, dense_from, 0, counts, stats,
                     input_mean, input_power, adaptive, calibrated)
    else:
        sample_block(state.weights, state.theta, clean, *csr, n_steps, rule, code, normalize,
                     counts)
    return counts
