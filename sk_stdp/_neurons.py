"""The neuron model: leaky integrate-and-fire with adaptive thresholds.

Its equations are small functions of plain arithmetic (:mod:`sk_stdp._math`)
on one neuron's values or on the layer's running input statistics: the
integration of the input current, the effective threshold (absolute, or
relative to the running mean input), the leak that follows the input rate,
the reset, lateral inhibition and homeostasis. The JAX functions below
(:func:`thresholds`, :func:`fire`, :func:`track_drive`, ...) apply them to
whole vectors; the fused CPU kernels compile the same equations into their
loops. Homeostasis rules are registered by name in :data:`HOMEOSTASIS`: each
has its parameter type (fields named as the estimator's parameters) and an
equation ``(theta, spikes, params) -> theta``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ._math import INF, ONE, ZERO, clip, flushed, maximum, minimum, sqrt, where

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


#: The largest leak :func:`calibrated_leak` calibrates to (a 100-step membrane).
MAX_CALIBRATED_LEAK = np.float32(0.99)
#: The smallest ``1 - leak`` a mean potential is divided by.
MIN_LEAK_GAP = np.float32(1e-3)


# --------------------------------------------------------------------------
# Equations
# --------------------------------------------------------------------------
def integrate(v, current, leak):
    """One step of the leaky membrane."""
    return flushed(leak * v + current)


def inhibition_unit(threshold, p: LIFParams):
    """What one unit of ``inhibition`` lowers a membrane by: the neuron's threshold
    (never less than the ``threshold`` parameter, so the unit stays positive)."""
    return maximum(threshold, p.threshold)


def inhibit(v, others, unit, p: LIFParams):
    """Lateral inhibition: ``others`` spikes of the other neurons lower the membrane by
    ``inhibition`` units (:func:`inhibition_unit`) each."""
    return where(others > 0, v - p.inhibition * unit * others, v)


def excess(margin, unit):
    """How far a membrane is above its threshold, in units of it: the order of firing
    within a step under lateral inhibition."""
    return margin / unit


def absolute_threshold(theta, p: LIFParams):
    return p.threshold + theta


def relative_threshold(theta, potential, spread, p: LIFParams):
    """``relative_threshold + theta`` mean potentials, ``threshold_noise`` spreads above
    it, and ``threshold`` as a floor."""
    return (p.relative_threshold + theta) * potential + p.threshold_noise * spread + p.threshold


def running_mean(mean, value, decay):
    """An exponential running mean; its weight follows the same rule with value 1."""
    return decay * mean + (ONE - decay) * value


def mean_of_running(total, weight):
    """A running mean corrected for its start from zero (zero before anything is seen)."""
    seen = weight > 0
    return where(seen, total / where(seen, weight, ONE), ZERO)


def mean_potential(drive, drive_weight, leak):
    """The layer's mean membrane potential under the recent input."""
    return mean_of_running(drive, drive_weight) / maximum(ONE - leak, MIN_LEAK_GAP)


def potential_spread(potential, p: LIFParams):
    """Poisson-like input of mean ``potential`` fluctuates by about this much."""
    return sqrt(maximum(p.w_max, ZERO) * potential)


def calibrated_leak(input_rate, drive_weight, p: LIFParams):
    """The leak whose time constant holds ``membrane_spikes`` input spikes on average,
    between ``leak`` and :data:`MAX_CALIBRATED_LEAK`; ``leak`` before any input."""
    per_step = mean_of_running(input_rate, drive_weight)
    leak = clip(ONE - per_step / p.membrane_spikes, p.leak, MAX_CALIBRATED_LEAK)
    return where(drive_weight > 0, leak, p.leak)


# --------------------------------------------------------------------------
# The neuron on whole vectors (JAX)
# --------------------------------------------------------------------------
def init(n_neurons: int, n_features: int) -> NeuronState:
    return NeuronState(v=jnp.zeros(n_neurons), theta=jnp.zeros(n_neurons),
                       drive=jnp.zeros(()), drive_weight=jnp.zeros(()),
                       input_rate=jnp.zeros(()), input_mean=jnp.zeros(n_features),
                       input_power=jnp.zeros(n_features))


def membrane_leak(state: NeuronState, params: LIFParams, calibrated: bool) -> Array:
    """The leak factor of the membranes: ``leak``, or :func:`calibrated_leak`."""
    if not calibrated:
        return params.leak
    return calibrated_leak(state.input_rate, state.drive_weight, params)


def thresholds(state: NeuronState, params: LIFParams, relative: bool) -> Array:
    """Each neuron's effective firing threshold.

    Absolute: ``threshold + theta``. Relative: :func:`relative_threshold` of
    the layer's mean membrane potential under the recent input. It follows
    the input's scale (channel count, rates) but not what any one neuron has
    learned. Before any input has been seen there is no mean to be relative
    to, and no neuron fires: the threshold is infinite.
    """
    if not relative:
        return absolute_threshold(state.theta, params)
    potential = mean_potential(state.drive, state.drive_weight, params.leak)
    threshold = relative_threshold(state.theta, potential, potential_spread(potential, params),
                                   params)
    return where(state.drive_weight > 0, threshold, INF)


def track_drive(state: NeuronState, current: Array, x: Array, params: LIFParams) -> NeuronState:
    """Running means of the input current (averaged over neurons) and of the input.

    ``x`` is the step's dense input, shape ``(n_features,)``. Tracked: the
    summed input per step (its spike count for 0/1 input), and each input's
    mean and mean square (for :func:`noise_floor`). All means share one
    weight, by which they are bias-corrected when read.
    """
    d = params.stat_decay
    return state._replace(
        drive=running_mean(state.drive, jnp.mean(current), d),
        drive_weight=running_mean(state.drive_weight, ONE, d),
        input_rate=running_mean(state.input_rate, jnp.sum(x), d),
        input_mean=running_mean(state.input_mean, x, d),
        input_power=running_mean(state.input_power, x * x, d),
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
    has been seen. (Read-out only: the JAX path alone computes it.)
    """
    mean = mean_of_running(state.input_mean, state.drive_weight)
    variance = maximum(mean_of_running(state.input_power, state.drive_weight) - mean * mean, 0)
    leak = minimum(params.leak, ONE - MIN_LEAK_GAP)
    potential = (mean @ weights) / (1 - leak)
    spread = jnp.sqrt((variance @ (weights * weights)) / (1 - leak * leak))
    return where(state.drive_weight > 0, potential + z * spread, 0)


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


def firing_rank(key: Array) -> Array:
    """Each neuron's place in the order of firing within a step: 0 for the largest
    ``key``; ties go to the lower index. (Float, for the equations.)"""
    order = jnp.argsort(-key, stable=True)
    return jnp.zeros_like(key).at[order].set(jnp.arange(key.shape[-1], dtype=key.dtype))


def fire(
    v: Array, threshold: Array, current: Array, params: LIFParams, competition: str | None
) -> tuple[Array, Array]:
    """Leaky integration, threshold crossing, competition and reset.

    ``threshold`` is each neuron's effective threshold (:func:`thresholds`).
    Returns the new membrane potentials and the 0/1 spikes (float).

    With lateral competition, each spike lowers the other membranes by
    ``inhibition`` times their thresholds, and the neurons that cross in one
    step fire one after another, the furthest above threshold (relative to
    it) first: the neuron of rank ``r`` fires when it is still above
    threshold after the inhibition of the ``r`` spikes before it. A step is
    a whole time bin, and this order is the one in which the membranes
    would have crossed within it. Without it, neurons with near-equal
    currents (a held sample in sample mode) fire together, learn the same
    inputs and stay identical. In units of the threshold, the strength of
    the competition stays the same while homeostasis raises thresholds.
    """
    v = integrate(v, current, params.leak)
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
        unit = inhibition_unit(threshold, params)
        rank = firing_rank(jnp.where(crossed, excess(margin, unit), -INF))
        spikes = crossed & (inhibit(margin, rank, unit, params) >= 0)
        others = (jnp.sum(spikes) - spikes).astype(v.dtype)
        v = jnp.where(spikes, params.v_reset, inhibit(v, others, unit, params))
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
    ``(1 - leak) * threshold``. (Read-out only.)
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


def additive(theta, spikes, params: AdditiveParams):
    """Each spike raises its neuron's threshold by ``theta_plus``; all decay by ``theta_decay``."""
    return flushed(params.theta_decay * theta + params.theta_plus * spikes)


class Homeostasis(NamedTuple):
    params: type
    update: Callable  # (theta, spikes, params) -> theta, an equation


HOMEOSTASIS: dict[str, Homeostasis] = {"additive": Homeostasis(AdditiveParams, additive)}
