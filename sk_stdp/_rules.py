"""Plasticity rules and weight dependences: each written once, for every kernel.

A rule is a handful of equations of plain arithmetic (:mod:`sk_stdp._math`),
each on the values of one input or one neuron: how the traces follow the
spikes, and the factors of the step's weight change,

    dW[i, j] = ltp_pre[i] * ltp_post[j]  (potentiation)
             - x[i] * ltd_post[j]        (depression),

which a *weight dependence* then applies to the weight within its bounds. The
JAX kernels call the equations on whole vectors (:func:`step`); the fused CPU
kernels compile the same functions into their loops over the inputs and
neurons a step touches. Every rule keeps the same three traces (the slow
post-synaptic trace stays at zero where a rule has no use for it).

A rule's numbers are a NamedTuple whose fields are named as the estimator's
parameters, filled by name. To add a rule, write its parameters and its
equations here and register it in :data:`RULES` (the user guide's contributor
section walks through one); the kernels need no change. Every rule must keep
two properties the kernels rely on: ``ltp_post`` is zero for a neuron that did
not spike, and between input events the pre-synaptic trace decays
geometrically by ``trace_decay`` (``pre(trace, 0) == trace_decay * trace``),
which lets the CPU kernel decay it lazily, only when it is read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ._math import FLOAT_MAX, ONE, clip, flushed, minimum, where

Array = jax.Array


class Traces(NamedTuple):
    """The state of every rule."""

    trace_pre: Array  # (n_features,)
    trace_post: Array  # (n_neurons,)
    trace_slow: Array  # (n_neurons,) slow post-synaptic trace (triplet rule; else zero)


class Plasticity(NamedTuple):
    """One step's weight change in factored form (see the module docstring)."""

    ltp_pre: Array  # (n_features,) potentiation, per input
    ltp_post: Array  # (n_neurons,) potentiation, per neuron: zero where silent
    ltd_post: Array  # (n_neurons,) depression per unit of input, per neuron


#: The largest factor of a weight change: its square is still a finite float32, so that
#: ``ltp_pre * ltp_post`` never overflows and the change is never ``inf - inf``.
FACTOR_MAX = np.float32(np.sqrt(FLOAT_MAX))


# --------------------------------------------------------------------------
# Trace dynamics shared by the rules
# --------------------------------------------------------------------------
def summed_trace(trace, event, decay):
    """All-to-all pairing: each event adds to the decayed trace (kept finite)."""
    return flushed(minimum(decay * trace + event, FLOAT_MAX))


def nearest_trace(trace, event, decay):
    """Nearest-spike pairing: an event sets the trace to its value; otherwise it decays."""
    return flushed(where(event > 0, event, decay * trace))


def capped(value):
    """A factor of the weight change, at most :data:`FACTOR_MAX` (so that the product of
    two factors stays finite) and flushed to zero where it is subnormal."""
    return flushed(minimum(value, FACTOR_MAX))


# --------------------------------------------------------------------------
# Pair rule
# --------------------------------------------------------------------------
class PairParams(NamedTuple):
    A_plus: Array
    A_minus: Array
    learning_rate: Array
    trace_decay: Array  # pre-synaptic trace: the potentiation window
    trace_decay_post: Array  # post-synaptic trace: the depression window


def pair_pre(trace, x, p: PairParams):
    return summed_trace(trace, x, p.trace_decay)


def pair_post(trace, spikes, p: PairParams):
    return summed_trace(trace, spikes, p.trace_decay_post)


def pair_ltp_pre(trace_pre, p: PairParams):
    return capped(p.learning_rate * p.A_plus * trace_pre)


def pair_ltp_post(spikes, trace_slow, p: PairParams):
    return spikes


def depression(trace_post, p: PairParams):
    return capped(p.learning_rate * p.A_minus * trace_post)


def no_slow_trace(trace_slow, spikes, p):
    return trace_slow


# --------------------------------------------------------------------------
# Nearest-spike pair rule (Morrison, Diesmann & Gerstner 2008)
# --------------------------------------------------------------------------
def nearest_pre(trace, x, p: PairParams):
    return nearest_trace(trace, x, p.trace_decay)


def nearest_post(trace, spikes, p: PairParams):
    return nearest_trace(trace, spikes, p.trace_decay_post)


# --------------------------------------------------------------------------
# Minimal triplet rule (Pfister & Gerstner 2006)
# --------------------------------------------------------------------------
class TripletParams(NamedTuple):
    A_plus: Array
    A_minus: Array
    A3_plus: Array
    learning_rate: Array
    trace_decay: Array
    trace_decay_post: Array
    trace_decay_slow: Array


def triplet_ltp_pre(trace_pre, p: TripletParams):
    # Unit amplitude here; the per-neuron factor carries A_plus + A3_plus * slow.
    return capped(p.learning_rate * trace_pre)


def triplet_ltp_post(spikes, trace_slow, p: TripletParams):
    """Potentiation ``A_plus + A3_plus * trace_slow``, the slow trace from before this spike."""
    return spikes * capped(p.A_plus + p.A3_plus * trace_slow)


def triplet_slow(trace_slow, spikes, p: TripletParams):
    """The slow trace takes this step's spike after the weight change."""
    return summed_trace(trace_slow, spikes, p.trace_decay_slow)


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------
class Rule(NamedTuple):
    """A plasticity rule: its parameter type and its equations.

    Each equation takes the rule's parameters ``p`` last.
    """

    params: type  # NamedTuple of scalars, fields named as the estimator's parameters
    pre: Callable  # (trace_pre, x, p) -> trace_pre, per input, each step
    post: Callable  # (trace_post, spikes, p) -> trace_post, per neuron, each step
    ltp_pre: Callable  # (trace_pre, p) -> potentiation factor per input
    ltp_post: Callable  # (spikes, trace_slow, p) -> potentiation factor per neuron
    ltd_post: Callable  # (trace_post, p) -> depression factor per neuron
    slow: Callable  # (trace_slow, spikes, p) -> trace_slow, after the weight change


RULES: dict[str, Rule] = {
    "pair": Rule(PairParams, pair_pre, pair_post, pair_ltp_pre, pair_ltp_post, depression,
                 no_slow_trace),
    "nearest": Rule(PairParams, nearest_pre, nearest_post, pair_ltp_pre, pair_ltp_post,
                    depression, no_slow_trace),
    "triplet": Rule(TripletParams, pair_pre, pair_post, triplet_ltp_pre, triplet_ltp_post,
                    depression, triplet_slow),
}


# --------------------------------------------------------------------------
# Weight dependence: how a weight takes its change
# --------------------------------------------------------------------------
class Bounds(NamedTuple):
    """Weight bounds and the normalisation target (sum of each neuron's weights)."""

    w_min: Array
    w_max: Array
    weight_total: Array


def additive(weight, potentiation, depression, b: Bounds):
    """The change as it is, then the hard bounds."""
    return clip(weight + potentiation - depression, b.w_min, b.w_max)


def additive_potentiation(weight, potentiation, b: Bounds):
    """:func:`additive` where the input is silent (no depression)."""
    return clip(weight + potentiation, b.w_min, b.w_max)


def soft_potentiation(weight, potentiation, b: Bounds):
    """Potentiation scaled by the room left below ``w_max`` (finite: the factor is capped)."""
    return minimum(potentiation, FACTOR_MAX) * (b.w_max - weight)


def soft_depression(weight, depression, b: Bounds):
    """Depression scaled by the weight above ``w_min`` (finite: the factor is capped)."""
    return minimum(depression, FACTOR_MAX) * (weight - b.w_min)


def multiplicative(weight, potentiation, depression, b: Bounds):
    """Soft bounds (van Rossum, Bi & Turrigiano 2000): potentiation scaled by the room
    left below ``w_max``, depression by the weight above ``w_min``."""
    return clip(weight + soft_potentiation(weight, potentiation, b)
                - soft_depression(weight, depression, b), b.w_min, b.w_max)


def multiplicative_potentiation(weight, potentiation, b: Bounds):
    """:func:`multiplicative` where the input is silent (no depression)."""
    return clip(weight + soft_potentiation(weight, potentiation, b), b.w_min, b.w_max)


class WeightDependence(NamedTuple):
    """How a weight takes its change, and the same where its input is silent (which the
    kernels use for the many weights that only spiking neurons' potentiation touches)."""

    update: Callable  # (weight, potentiation, depression, bounds) -> weight
    potentiate: Callable  # (weight, potentiation, bounds) -> weight


WEIGHT_DEPENDENCES: dict[str, WeightDependence] = {
    "additive": WeightDependence(additive, additive_potentiation),
    "multiplicative": WeightDependence(multiplicative, multiplicative_potentiation),
}


def normalising_scale(column_sum, b: Bounds):
    """The factor that brings a neuron's summed weights to ``weight_total`` (1 if none)."""
    positive = column_sum > 0
    return where(positive, b.weight_total / where(positive, column_sum, ONE), ONE)


def rescaled(weight, scale, b: Bounds):
    return clip(weight * scale, b.w_min, b.w_max)


# --------------------------------------------------------------------------
# One step on whole vectors (the JAX kernels)
# --------------------------------------------------------------------------
def init(n_features: int, n_neurons: int) -> Traces:
    return Traces(trace_pre=jnp.zeros(n_features), trace_post=jnp.zeros(n_neurons),
                  trace_slow=jnp.zeros(n_neurons))


def step(rule: Rule, traces: Traces, x, spikes, p) -> tuple[Traces, Plasticity]:
    """The traces after one step with input ``x`` and output ``spikes``, and its change.

    Both traces are read after this step's update; the slow trace takes the
    spikes after the change.
    """
    trace_pre = rule.pre(traces.trace_pre, x, p)
    trace_post = rule.post(traces.trace_post, spikes, p)
    change = Plasticity(
        ltp_pre=rule.ltp_pre(trace_pre, p),
        ltp_post=rule.ltp_post(spikes, traces.trace_slow, p),
        ltd_post=rule.ltd_post(trace_post, p),
    )
    return Traces(trace_pre, trace_post, rule.slow(traces.trace_slow, spikes, p)), change
