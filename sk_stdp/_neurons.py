"""The neuron model: leaky integrate-and-fire with adaptive thresholds.

Like the plasticity rules, the neuron is pure functions over explicit
NamedTuple state. :func:`fire` integrates one step's input current and emits
spikes against given effective thresholds (:func:`thresholds`: absolute, or
relative to the running mean input tracked by :func:`track_drive`); read-out
uses it alone, with the thresholds frozen. Homeostasis then moves the
threshold offsets (learning only). Homeostasis rules are registered by
name in :data:`HOMEOSTASIS`: each has its parameter type (fields named as the
estimator's parameters) and an ``update(theta, spikes, params) -> theta``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp

Array = jax.Array


class LIFParams(NamedTuple):
    threshold: Array
    v_reset: Array
    leak: Array
    inhibition: Array
    relative_threshold: Array
    threshold_noise: Array
    stat_decay: Array
    w_max: Array


class NeuronState(NamedTuple):
    v: Array  # (n_neurons,) membrane potentials
    theta: Array  # (n_neurons,) adaptive threshold offsets
    drive: Array  # () running mean of the input current, averaged over the neurons
    drive_weight: Array  # () total weight of that running mean so far (1 - stat_decay**t)


def init(n_neurons: int) -> NeuronState:
    return NeuronState(v=jnp.zeros(n_neurons), theta=jnp.zeros(n_neurons),
                       drive=jnp.zeros(()), drive_weight=jnp.zeros(()))


def thresholds(state: NeuronState, params: LIFParams, relative: bool) -> Array:
    """Each neuron's effective firing threshold.

    Absolute: ``threshold + theta``. Relative: ``relative_threshold + theta``
    in units of the layer's mean membrane potential under the recent input
    (the running mean of the input current over ``1 - leak``), plus
    ``threshold_noise`` Poisson standard deviations of it, plus ``threshold``
    as a floor. It follows the input's scale (channel count, rates) but not
    what any one neuron has learned.
    """
    if not relative:
        return params.threshold + state.theta
    seen = jnp.maximum(state.drive_weight, jnp.finfo(state.drive.dtype).tiny)
    mean_potential = state.drive / seen / jnp.maximum(1 - params.leak, 1e-3)
    # Poisson-like input fluctuates by about sqrt(w_max * mean): the second term
    # keeps few-spike coincidences under the threshold when the input is sparse.
    noise = jnp.sqrt(jnp.maximum(params.w_max, 0.0) * mean_potential)
    scaled = (params.relative_threshold + state.theta) * mean_potential
    return scaled + params.threshold_noise * noise + params.threshold


def track_drive(state: NeuronState, current: Array, params: LIFParams) -> NeuronState:
    """Running mean of the input current (averaged over neurons), bias-corrected by its weight."""
    d = params.stat_decay
    return state._replace(
        drive=d * state.drive + (1 - d) * jnp.mean(current),
        drive_weight=d * state.drive_weight + (1 - d),
    )


def rest(state: NeuronState) -> NeuronState:
    """Membranes back to zero; thresholds kept (they are learned state)."""
    return state._replace(v=jnp.zeros_like(state.v))


def fire(
    v: Array, threshold: Array, current: Array, params: LIFParams, competition: str | None
) -> tuple[Array, Array]:
    """Leaky integration, threshold crossing, competition and reset.

    ``threshold`` is each neuron's effective threshold (:func:`thresholds`).
    Returns the new membrane potentials and the 0/1 spikes (float).
    """
    v = params.leak * v + current
    margin = v - threshold
    crossed = margin >= 0
    if competition == "wta":
        # Only the neuron furthest above its threshold fires, and its spike
        # resets the whole layer (the limit of strong lateral inhibition).
        winner = jnp.argmax(margin)
        any_crossed = crossed[winner]
        spikes = (jnp.arange(v.shape[-1]) == winner) & any_crossed
        v = jnp.where(any_crossed, params.v_reset, v)
    elif competition == "lateral":
        spikes = crossed
        n_other = jnp.sum(spikes) - spikes
        v = jnp.where(spikes, params.v_reset, v - params.inhibition * n_other)
    else:
        spikes = crossed
        v = jnp.where(spikes, params.v_reset, v)
    return v, spikes.astype(v.dtype)


def fire_rate(v: Array, threshold: Array, current: Array) -> tuple[Array, Array]:
    """The rate-coding read-out neuron: no leak, reset by subtracting the threshold.

    Over ``n`` steps of a constant current ``I`` it fires
    ``min(n, floor(n * max(I, 0) / threshold))`` times: a count that grows in
    proportion to the input, with ``n`` levels, where the leaky neuron of
    :func:`fire` saturates after a few spikes and is silent below
    ``(1 - leak) * threshold``.
    """
    v = v + current
    crossed = v >= threshold
    return jnp.where(crossed, v - threshold, v), crossed.astype(v.dtype)


# --------------------------------------------------------------------------
# Homeostasis
# --------------------------------------------------------------------------
class AdditiveParams(NamedTuple):
    theta_plus: Array
    theta_decay: Array


def additive(theta: Array, spikes: Array, params: AdditiveParams) -> Array:
    """Each spike raises its neuron's threshold by ``theta_plus``; all decay by ``theta_decay``."""
    return params.theta_decay * theta + params.theta_plus * spikes


class Homeostasis(NamedTuple):
    params: type
    update: Callable  # (theta, spikes, params) -> theta


HOMEOSTASIS: dict[str, Homeostasis] = {"additive": Homeostasis(AdditiveParams, additive)}
