"""Fused CPU kernels of the learning step, compiled with numba.

One compiled call runs a whole block of rows: no per-operation dispatch, which
is what bounds the JAX kernels on a CPU. The loops (:mod:`sk_stdp._loops`) say
which inputs, neurons and weights a step visits; the arithmetic is the
model's own equations (:mod:`sk_stdp._rules`, :mod:`sk_stdp._neurons`),
which :func:`kernels` compiles into the loops for one rule and one weight
dependence: each equation is recompiled by numba for scalars
(:func:`scalar`: the same code, with the operations of :mod:`sk_stdp._math`
replaced by scalar twins). What a step visits:

- stream mode, each step: the rows of active inputs (every column), then the
  columns of spiking neurons on the other rows. When many neurons fire in a
  step, the kernel switches to a row-wise pass over all weights instead (the
  same value per weight, computed in an order the CPU vectorises). The
  pre-synaptic trace of a silent input is not touched: it is decayed by the
  steps it missed when it is next read (:func:`decay_powers`), so a step
  costs what its active inputs and spiking neurons cost.
- sample mode, direct code: the input is the same at every step of a
  presentation, so the pre-synaptic trace is non-zero on the row's active
  inputs only, and the post-synaptic trace on the neurons that fired during
  this presentation only. Only those columns, on those rows, change; the input
  currents of every other neuron stay what they were at the first step.
- sample mode with the rate code: the input spikes of every step (drawn as
  the JAX drivers draw them) go through the stream kernel, which returns to
  rest after each presentation.

Weight normalisation rescales only the columns that changed since they were
last found normalised: a column whose sum is already ``weight_total`` (to a
few units in the last place) would be rescaled by 1.

The state arrays (:class:`KernelState`) are updated in place. The JAX kernels
in :mod:`sk_stdp._dynamics` run the same equations; the tests compare both
with an independent numpy reference.
"""

from __future__ import annotations

import dis
import hashlib
import pathlib
import types
from functools import cache, lru_cache
from typing import NamedTuple

import numba
import numpy as np
import scipy.sparse as sp

from . import _loops, _math, _neurons, _rules
from ._math import ONE


class KernelState(NamedTuple):
    """The arrays the kernels update in place (writable float32 numpy arrays)."""

    weights: np.ndarray  # (n_features, n_neurons)
    theta: np.ndarray  # (n_neurons,)
    v: np.ndarray  # (n_neurons,)
    trace_pre: np.ndarray  # (n_features,)
    trace_post: np.ndarray  # (n_neurons,)
    trace_slow: np.ndarray  # (n_neurons,)
    # Running input statistics (stream mode, relative thresholds): as in
    # ``_neurons.NeuronState``, the scalars as arrays of one element.
    drive: np.ndarray  # (1,)
    drive_weight: np.ndarray  # (1,)
    input_rate: np.ndarray  # (1,)
    input_mean: np.ndarray  # (n_features,)
    input_power: np.ndarray  # (n_features,)


class Kernels(NamedTuple):
    """The compiled kernels of one rule and weight dependence."""

    stream: object  # rows as steps (stream mode, or presentations of changing input)
    sample: object  # rows as samples presented for n_steps steps (direct code)


COMPETITION = {None: 0, "wta": _loops.WTA, "lateral": _loops.LATERAL}

#: Stream mode: the row-wise pass over all weights is used from this fraction
#: of neurons spiking in one step.
DENSE_FRACTION = 1 / 16

_JIT = dict(nogil=True, error_model="numpy")


# --------------------------------------------------------------------------
# Equations, compiled for scalars
# --------------------------------------------------------------------------
@numba.njit(**_JIT)
def _where(condition, if_true, if_false):
    return if_true if condition else if_false


@numba.njit(**_JIT)
def _minimum(a, b):
    return a if a < b else b


@numba.njit(**_JIT)
def _maximum(a, b):
    return a if a > b else b


@numba.njit(**_JIT)
def _clip(value, low, high):
    return _minimum(_maximum(value, low), high)


@numba.njit(**_JIT)
def _sqrt(value):
    return np.sqrt(value)


_SCALAR_OPERATIONS = {"where": _where, "minimum": _minimum, "maximum": _maximum,
                      "clip": _clip, "sqrt": _sqrt}
assert set(_SCALAR_OPERATIONS) == set(_math.OPERATIONS)
_EQUATION_MODULES = (_math.__name__, _rules.__name__, _neurons.__name__)


def _globals_read(function) -> set[str]:
    """The global names a function's code reads (not its attribute names)."""
    return {instruction.argval for instruction in dis.get_instructions(function)
            if instruction.opname == "LOAD_GLOBAL"}


def _is_equation(value) -> bool:
    return isinstance(value, types.FunctionType) and value.__module__ in _EQUATION_MODULES


@cache
def scalar(equation):
    """``equation`` compiled by numba for scalars: the same code, with the operations of
    :mod:`sk_stdp._math` and every equation it calls replaced by their scalar forms."""
    names = dict(equation.__globals__)
    names.update(_SCALAR_OPERATIONS)
    for name in _globals_read(equation):
        if _is_equation(names.get(name)):
            names[name] = scalar(names[name])
    clone = types.FunctionType(equation.__code__, names, equation.__name__,
                               equation.__defaults__, equation.__closure__)
    return numba.njit(inline="always", **_JIT)(clone)


# The templates below call these names; kernels() binds them to a rule's equations.
_RULE_EQUATIONS = ("pre", "post", "ltp_pre", "ltp_post", "ltd_post", "slow")


def _template_globals(rule: str, dependence: str) -> dict:
    equations = _rules.RULES[rule]
    bound = {name: scalar(getattr(equations, name)) for name in _RULE_EQUATIONS}
    weights = _rules.WEIGHT_DEPENDENCES[dependence]
    bound["synapse"], bound["potentiate"] = scalar(weights.update), scalar(weights.potentiate)
    bound["homeostasis"] = scalar(_neurons.HOMEOSTASIS["additive"].update)
    for name, value in vars(_loops).items():  # the neuron's and the weights' equations
        if _is_equation(value):
            bound[name] = scalar(value)
    return bound


# The sources the compiled kernels are made of: a cached kernel is reused only
# while none of them changed (numba watches only the kernel's own file).
_SOURCES = hashlib.sha256(b"".join(
    pathlib.Path(module.__file__).read_bytes() for module in (_math, _neurons, _rules, _loops)
) + pathlib.Path(__file__).read_bytes()).hexdigest()[:12]


def _compile(template, bound: dict, tag: str, **options):
    """``template`` compiled by numba with the names in ``bound`` rebound."""
    names = dict(template.__globals__)
    names.update(bound)
    clone = types.FunctionType(template.__code__, names, template.__name__)
    clone.__qualname__ = f"{template.__name__}_{tag}"
    return numba.njit(**options, **_JIT)(clone)


@cache
def kernels(rule: str, dependence: str) -> Kernels:
    """The fused kernels of ``rule`` with ``dependence`` (compiled on first use, cached on disk)."""
    bound = _template_globals(rule, dependence)
    tag = f"{rule}_{dependence}_{_SOURCES}"
    for name, helper in _loops.HELPERS.items():  # in order: a helper may call those before it
        bound[name] = _compile(helper, bound, tag, inline=_loops.INLINE.get(name, "never"))
    return Kernels(stream=_compile(_loops.stream_template, bound, tag, cache=True),
                   sample=_compile(_loops.sample_template, bound, tag, cache=True))


# --------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------
@numba.njit(cache=True, **_JIT)
def _dense_to_csr(block):
    """CSR arrays of a dense float32 block: a counting pass, then a pass that writes every
    value and moves on only past the non-zero ones (no branch to mispredict)."""
    n_rows, n_cols = block.shape
    indptr = np.zeros(n_rows + 1, np.int32)
    total = 0
    for r in range(n_rows):
        count = 0
        for c in range(n_cols):
            count += block[r, c] != 0
        total += count
        indptr[r + 1] = total
    indices = np.empty(total + n_cols, np.int32)  # room for the zeros written past the end
    data = np.empty(total + n_cols, np.float32)
    k = 0
    for r in range(n_rows):
        for c in range(n_cols):
            value = block[r, c]
            indices[k] = c
            data[k] = value
            k += value != 0
    return indptr, indices[:total], data[:total]


def csr(block) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted, duplicate-free CSR arrays of a block (int32 indices, float32 values), with
    no explicit zeros; a canonical float32 CSR matrix is read as it is, without a copy.

    Explicit zeros would list an input as active; sorted indices fix the order
    in which the currents are summed, so that dense and sparse chunks of the
    same rows learn the same weights.
    """
    if not sp.issparse(block):
        return _dense_to_csr(np.ascontiguousarray(block, dtype=np.float32))
    if not (block.format == "csr" and block.has_canonical_format
            and block.dtype == np.float32 and block.indices.dtype == np.int32
            and block.indptr.dtype == np.int32 and block.data.all()):
        block = sp.csr_matrix(block, dtype=np.float32, copy=True)
        block.sum_duplicates()
        block.eliminate_zeros()
    return (block.indptr.astype(np.int32, copy=False), block.indices.astype(np.int32, copy=False),
            np.ascontiguousarray(block.data, dtype=np.float32))


#: Steps of the decay table of the pre-synaptic traces (longer gaps use it repeatedly).
DECAY_TABLE = 4096


@lru_cache(maxsize=16)
def decay_powers(decay: np.float32) -> np.ndarray:
    """A trace's decay over 0, 1, ..., :data:`DECAY_TABLE` steps without input, each the
    product of the one before and ``decay`` in float32 (the same table for every call, so
    that lazily decayed traces do not depend on how rows were split into calls)."""
    powers = np.empty(DECAY_TABLE + 1, np.float32)
    powers[0] = ONE
    for k in range(1, DECAY_TABLE + 1):
        powers[k] = powers[k - 1] * decay
    return powers


@numba.njit(cache=True, **_JIT)
def current_traces(trace_pre, stamps, step, powers):
    """The pre-synaptic traces at the end of step ``step - 1``, each decayed since its stamp."""
    out = np.empty_like(trace_pre)
    longest = powers.shape[0] - 1
    for i in range(trace_pre.shape[0]):
        trace, steps = trace_pre[i], step - 1 - stamps[i]
        while steps > longest:
            trace = trace * powers[longest]
            steps -= longest
        out[i] = trace * powers[steps]
    return out


def learn_block(state: KernelState, clean: np.ndarray, rows, params, *, rule: str,
                dependence: str, stream: bool, n_steps: int, competition: str | None,
                normalize: bool, relative: bool = False, calibrated: bool = False,
                present_for: int = 0, dense_from: int | None = None,
                stamps: np.ndarray | None = None, first_step: int = 0) -> np.ndarray:
    """Learn from one block of rows, updating ``state`` and ``clean`` in place.

    ``rows``: a dense array or CSR matrix of input values (the direct code's
    values, or the rate code's drawn spikes with ``present_for=n_steps`` in
    sample mode). ``params``: the layer's :class:`~sk_stdp._dynamics.Params`
    as numpy float32 scalars. ``clean`` holds the per-neuron flags of columns
    found normalised. ``dense_from``: spiking neurons per step from which a
    step updates every weight row by row (default: :data:`DENSE_FRACTION` of
    the neurons). ``stamps`` (updated in place) and ``first_step``: where the
    pre-synaptic traces of the stream kernel were last brought up to date,
    and the step of the first row (None: all up to date at step 0; the
    traces are then brought up to date before returning). Returns the spike
    count of each neuron over the block.
    """
    n_neurons = state.theta.shape[0]
    counts = np.zeros(n_neurons, np.float64)
    compiled = kernels(rule, dependence)
    if dense_from is None:
        dense_from = max(1, int(n_neurons * DENSE_FRACTION))
    indptr, indices, data = csr(rows)
    if stream or present_for:
        powers = decay_powers(params.rule.trace_decay)
        own = stamps is None
        if own:
            stamps = np.full(state.trace_pre.shape[0], first_step - 1, np.int64)
        compiled.stream(state, clean, indptr, indices, data, params, COMPETITION[competition],
                        normalize, dense_from, relative, calibrated, present_for, counts,
                        stamps, first_step, powers)
        if own:
            end = first_step + indptr.shape[0] - 1
            state.trace_pre[:] = current_traces(state.trace_pre, stamps, end, powers)
    else:
        compiled.sample(state, clean, indptr, indices, data, n_steps, params,
                        COMPETITION[competition], normalize, counts)
    return counts
