"""Plasticity rules: each an ``init``/``update`` pair over explicit state.

A rule keeps its own traces (a NamedTuple of arrays) and, for one time step
with input ``x`` and output spikes ``s``, returns its new state and the
step's weight change as a :class:`Plasticity`: three vectors whose outer
products give ``dW[i, j] = ltp_pre[i] * ltp_post[j] - x[i] * ltd_post[j]``.
Both kernels apply that change (see ``_dynamics.apply_change``) to whatever
block of the weights they touch, so a rule is written once for both.

A rule's parameters are a NamedTuple whose field names are the estimator's
parameter names: the estimator fills them by name. To add a rule, write its
parameters, state, ``init`` and ``update`` here and register it in
:data:`RULES`. The event-driven kernel relies on one property that every rule
must keep: ``ltp_post`` is zero for a neuron that did not spike this step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp

Array = jax.Array


class Plasticity(NamedTuple):
    """One step's weight change in factored form (see the module docstring)."""

    ltp_pre: Array  # (n_features,) potentiation, per input
    ltp_post: Array  # (n_neurons,) potentiation, per neuron: zero where silent
    ltd_post: Array  # (n_neurons,) depression per unit of input, per neuron


def decay_trace(trace: Array, events: Array, decay: Array) -> Array:
    """``decay * trace + events``, kept finite.

    Capping at the largest float keeps ``trace * 0`` at zero when enormous
    inputs would otherwise overflow a trace to inf.
    """
    return jnp.minimum(decay * trace + events, jnp.finfo(trace.dtype).max)


def _capped(values: Array) -> Array:
    # Factors capped at the largest float keep every product finite or a
    # signed inf, whatever the parameters and inputs; the clip then bounds W.
    return jnp.minimum(values, jnp.finfo(values.dtype).max)


# --------------------------------------------------------------------------
# Pair rule
# --------------------------------------------------------------------------
class PairParams(NamedTuple):
    A_plus: Array
    A_minus: Array
    learning_rate: Array
    trace_decay: Array  # pre-synaptic trace: the potentiation window
    trace_decay_post: Array  # post-synaptic trace: the depression window


class PairState(NamedTuple):
    trace_pre: Array  # (n_features,)
    trace_post: Array  # (n_neurons,)


def pair_init(n_features: int, n_neurons: int) -> PairState:
    return PairState(trace_pre=jnp.zeros(n_features), trace_post=jnp.zeros(n_neurons))


def pair_update(
    state: PairState, x: Array, spikes: Array, params: PairParams
) -> tuple[PairState, Plasticity]:
    """Both traces read after this step's update, as in the user guide's equations.

    The pre-synaptic trace decays by ``trace_decay`` (how far back a post
    spike potentiates), the post-synaptic one by ``trace_decay_post`` (how
    far forward a post spike depresses).
    """
    trace_pre = decay_trace(state.trace_pre, x, params.trace_decay)
    trace_post = decay_trace(state.trace_post, spikes, params.trace_decay_post)
    change = Plasticity(
        ltp_pre=_capped(params.learning_rate * params.A_plus * trace_pre),
        ltp_post=spikes,
        ltd_post=_capped(params.learning_rate * params.A_minus * trace_post),
    )
    return PairState(trace_pre=trace_pre, trace_post=trace_post), change


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


class TripletState(NamedTuple):
    trace_pre: Array  # (n_features,)
    trace_post: Array  # (n_neurons,)
    trace_slow: Array  # (n_neurons,) slow post-synaptic trace


def triplet_init(n_features: int, n_neurons: int) -> TripletState:
    return TripletState(
        trace_pre=jnp.zeros(n_features),
        trace_post=jnp.zeros(n_neurons),
        trace_slow=jnp.zeros(n_neurons),
    )


def triplet_update(
    state: TripletState, x: Array, spikes: Array, params: TripletParams
) -> tuple[TripletState, Plasticity]:
    """The pair rule with potentiation ``A_plus + A3_plus * trace_slow``.

    The triplet term reads the slow trace from before this step's spike; the
    slow trace takes the spike after the weight change.
    """
    # The pair rule's traces and depression; its potentiation with unit amplitude
    # (lr * 1 * trace_pre), scaled per neuron by the triplet amplitude below.
    pair_params = PairParams(A_plus=1.0, A_minus=params.A_minus,
                             learning_rate=params.learning_rate, trace_decay=params.trace_decay,
                             trace_decay_post=params.trace_decay_post)
    pair, change = pair_update(
        PairState(trace_pre=state.trace_pre, trace_post=state.trace_post), x, spikes, pair_params
    )
    change = change._replace(
        ltp_post=spikes * _capped(params.A_plus + params.A3_plus * state.trace_slow)
    )
    new = TripletState(
        trace_pre=pair.trace_pre,
        trace_post=pair.trace_post,
        trace_slow=decay_trace(state.trace_slow, spikes, params.trace_decay_slow),
    )
    return new, change


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------
class Rule(NamedTuple):
    """A plasticity rule: its parameter type and its pure functions."""

    params: type  # NamedTuple of traced scalars, fields named as the estimator's parameters
    init: Callable  # (n_features, n_neurons) -> state, all traces at rest
    update: Callable  # (state, x, spikes, params) -> (state, Plasticity)


RULES: dict[str, Rule] = {
    "pair": Rule(PairParams, pair_init, pair_update),
    "triplet": Rule(TripletParams, triplet_init, triplet_update),
}
