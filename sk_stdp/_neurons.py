"""The neuron model: leaky integrate-and-fire with adaptive thresholds.

Like the plasticity rules, the neuron is pure functions over explicit
NamedTuple state. :func:`fire` integrates one step's input current and emits
spikes against given effective thresholds (:func:`thresholds`: absolute, or
relative to the running mean input tracked by :func:`track_drive`), with a
leak that is fixed or follows the input rate (:func:`membrane_leak`); read-out
uses it alone, with the thresholds and the leak frozen. Homeostasis then moves the
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
    membrane_spikes: Array
    w_max: Array


class NeuronState(NamedTuple):
    v: Array  # (n_neurons,) membrane potentials
    theta: Array  # (n_neurons,) adaptive threshold offsets
    drive: Array  # () running mean of the input current, averaged over the neurons
    drive_weight: Array  # () total weight of that running mean so far (1 - stat_decay**t)
    input_rate: Array  # () running mean of the input per step, summed over the inputs
    input_mean: Array  # (n_features,) running mean of each input per step
    input_power: Array  # (n_features,) running mean of its square


#: The largest leak :func:`membrane_leak` calibrates to (a 100-step membrane).
MAX_CALIBRATED_LEAK = 0.99


def init(n_neurons: int, n_features: int) -> NeuronState:
    return NeuronState(v=jnp.zeros(n_neurons), theta=jnp.zeros(n_neurons),
                       drive=jnp.zeros(()), drive_weight=jnp.zeros(()),
                       input_rate=jnp.zeros(()), input_mean=jnp.zeros(n_features),
                       input_power=jnp.zeros(n_features))


def membrane_leak(state: NeuronState, params: LIFParams, calibrated: bool) -> Array:
    """The leak factor of the membranes.

    Fixed: ``leak``. Calibrated: the membrane time constant ``1 / (1 - leak)``
    is the number of steps in which the layer receives ``membrane_spikes``
    input spikes on average (the running mean input per step of
    :func:`track_drive`), so that sparse input is integrated over longer
    stretches; ``leak`` is then the smallest value (the shortest time
    constant) and :data:`MAX_CALIBRATED_LEAK` the largest. Before any input
    has been seen it is ``leak``.
    """
    if not calibrated:
        return params.leak
    seen = state.drive_weight > 0
    per_step = jnp.where(seen, state.input_rate / jnp.where(seen, state.drive_weight, 1), 0)
    calibrated_leak = jnp.clip(1 - per_step / params.membrane_spikes, params.leak,
                               MAX_CALIBRATED_LEAK)
    return jnp.where(seen, calibrated_leak, params.leak)


def thresholds(state: NeuronState, params: LIFParams, relative: bool) -> Array:
    """Each neuron's effective firing threshold.

    Absolute: ``threshold + theta``. Relative: ``relative_threshold + theta``
    in units of the layer's mean membrane potential under the recent input
    (the running mean of the input current over ``1 - leak``), plus
    ``threshold_noise`` Poisson standard deviations of it, plus ``threshold``
    as a floor. It follows the input's scale (channel count, rates) but not
    what any one neuron has learned. Before any input has been seen (the
    first step of a stream) there is no mean to be relative to, and no
    neuron fires: the threshold is infinite.
    """
    if not relative:
        return params.threshold + state.theta
    seen = state.drive_weight > 0
    mean_drive = jnp.where(seen, state.drive / jnp.where(seen, state.drive_weight, 1), 0)
    mean_potential = mean_drive / jnp.maximum(1 - params.leak, 1e-3)
    # Poisson-like input fluctuates by about sqrt(w_max * mean): the second term
    # keeps few-spike coincidences under the threshold when the input is sparse.
    noise = jnp.sqrt(jnp.maximum(params.w_max, 0.0) * mean_potential)
    scaled = (params.relative_threshold + state.theta) * mean_potential
    threshold = scaled + params.threshold_noise * noise + params.threshold
    return jnp.where(seen, threshold, jnp.inf)


def track_drive(state: NeuronState, current: Array, x: Array, params: LIFParams) -> NeuronState:
    """Running means of the input current (averaged over neurons) and of the input.

    ``x`` is the step's dense input, shape ``(n_features,)``. Tracked: the
    summed input per step (its spike count for 0/1 input), and each input's
    mean and mean square (for :func:`noise_floor`). All means share one
    weight, by which they are bias-corrected when read.
    """
    d = params.stat_decay
    return state._replace(
        drive=d * state.drive + (1 - d) * jnp.mean(current),
        drive_weight=d * state.drive_weight + (1 - d),
        input_rate=d * state.input_rate + (1 - d) * jnp.sum(x),
        input_mean=d * state.input_mean + (1 - d) * x,
        input_power=d * state.input_power + (1 - d) * x * x,
    )


def noise_floor(state: NeuronState, weights: Array, params: LIFParams, z: Array) -> Array:
    """Each neuron's potential under unstructured input, plus ``z`` standard deviations.

    The null model is input in which every channel keeps its running mean and
    variance (:func:`track_drive`) but fires independently of the others and
    of its own past: the membrane then has mean ``m @ W / (1 - leak)`` and
    variance ``s2 @ W**2 / (1 - leak**2)``. A repeating pattern is a
    coincidence this model does not contain, so a read-out threshold at or
    above this floor fires on it and rarely on chance alone, whatever the
    channels' rates and whichever channels a neuron listens to. ``weights``
    is input-major, shape ``(n_features, n_neurons)``. Zero before any input
    has been seen.
    """
    seen = state.drive_weight > 0
    weight = jnp.where(seen, state.drive_weight, 1)
    mean = state.input_mean / weight
    variance = jnp.maximum(state.input_power / weight - mean * mean, 0)
    leak = jnp.minimum(params.leak, 1 - 1e-3)
    potential = (mean @ weights) / (1 - leak)
    spread = jnp.sqrt((variance @ (weights * weights)) / (1 - leak * leak))
    return jnp.where(seen, potential + z * spread, 0)


def readout_thresholds(state: NeuronState, weights: Array, params: LIFParams, relative: bool,
                       floor: float | None) -> Array:
    """The thresholds of the frozen read-out: :func:`thresholds`, raised to the
    :func:`noise_floor` of ``floor`` standard deviations where that is higher
    (None: no floor)."""
    threshold = thresholds(state, params, relative)
    if floor is None:
        return threshold
    return jnp.maximum(threshold, noise_floor(state, weights, params, jnp.float32(floor)))


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
