"""Pure JAX dynamics of one layer of leaky integrate-and-fire neurons with STDP.

Every function here is a pure function of explicit state: the estimator builds
a :class:`LayerState` and a :class:`RuleParams`, and the jitted drivers at the
bottom of the module (``learn_stream``, ``learn_samples``, ``respond_stream``,
``respond_samples``) are the only compiled entry points.

Weights are stored input-major, shape ``(n_features, n_neurons)``: column ``j``
holds the incoming weights of neuron ``j``. With this layout the rows touched
by an input spike are contiguous, which is what the event-driven kernel needs.
The estimator exposes the transpose as ``components_``.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

Array = jax.Array


class RuleParams(NamedTuple):
    """Numeric parameters of the rule, passed as traced scalars.

    Keeping them traced (not static) means a grid search over ``A_plus`` and
    ``A_minus`` reuses one compiled program.
    """

    A_plus: Array
    A_minus: Array
    learning_rate: Array
    w_min: Array
    w_max: Array
    threshold: Array
    v_reset: Array
    leak: Array
    trace_decay: Array
    theta_plus: Array
    theta_decay: Array
    inhibition: Array
    relative_threshold: Array
    threshold_noise: Array
    stat_decay: Array
    weight_total: Array


class LayerState(NamedTuple):
    """Everything that changes while the layer runs."""

    weights: Array  # (n_features, n_neurons)
    theta: Array  # (n_neurons,) adaptive threshold offsets
    v: Array  # (n_neurons,) membrane potentials
    trace_pre: Array  # (n_features,)
    trace_post: Array  # (n_neurons,)
    drive: Array  # () running mean of the input current, averaged over the neurons
    drive_weight: Array  # () total weight of that running mean so far (1 - stat_decay**t)


class Config(NamedTuple):
    """Static choices: each distinct value compiles its own program."""

    competition: str | None  # None, "wta" or "lateral"
    encoding: str  # "direct" or "poisson"
    kernel: str  # "dense" or "event"
    normalize: bool
    adaptive: bool  # thresholds follow the running statistics of each membrane
    post_chunk: int  # spiking neurons the event kernel updates per inner iteration


def rest(state: LayerState) -> LayerState:
    """Membrane potentials and traces back to zero; weights and thresholds kept."""
    return state._replace(
        v=jnp.zeros_like(state.v),
        trace_pre=jnp.zeros_like(state.trace_pre),
        trace_post=jnp.zeros_like(state.trace_post),
    )


# --------------------------------------------------------------------------
# Neurons
# --------------------------------------------------------------------------
def fire(
    v: Array, threshold: Array, current: Array, params: RuleParams, competition: str | None
) -> tuple[Array, Array]:
    """Leaky integration, threshold crossing, competition and reset.

    ``threshold`` is each neuron's effective threshold (see :func:`thresholds`).
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


def thresholds(state: LayerState, params: RuleParams, relative: bool) -> Array:
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


def track_drive(state: LayerState, current: Array, params: RuleParams) -> LayerState:
    """Running mean of the input current (averaged over neurons), bias-corrected by its weight."""
    d = params.stat_decay
    return state._replace(
        drive=d * state.drive + (1 - d) * jnp.mean(current),
        drive_weight=d * state.drive_weight + (1 - d),
    )


def adapt_thresholds(theta: Array, spikes: Array, params: RuleParams) -> Array:
    """Homeostasis: each spike raises its neuron's threshold, which then decays."""
    return params.theta_decay * theta + params.theta_plus * spikes


def normalize_weights(weights: Array, params: RuleParams) -> Array:
    """Rescale each neuron's incoming weights to sum to ``weight_total``."""
    totals = jnp.sum(weights, axis=0)
    scale = jnp.where(totals > 0, params.weight_total / jnp.where(totals > 0, totals, 1), 1)
    return jnp.clip(weights * scale, params.w_min, params.w_max)


def decay_trace(trace: Array, events: Array, params: RuleParams) -> Array:
    """``trace_decay * trace + events``, kept finite.

    Capping at the largest float keeps ``trace * 0`` at zero when enormous
    inputs would otherwise overflow a trace to inf.
    """
    return jnp.minimum(params.trace_decay * trace + events, jnp.finfo(trace.dtype).max)


def _amplitudes(trace_pre: Array, trace_post: Array, params: RuleParams) -> tuple[Array, Array]:
    """Per-input potentiation and per-neuron depression factors of one step.

    Formed on the vectors (cheap) rather than on every weight. Capping them
    at the largest float keeps every product finite or a signed inf, never
    NaN, whatever the parameters and inputs; the clip then bounds the weight.
    """
    biggest = jnp.finfo(trace_pre.dtype).max
    potentiation = jnp.minimum(params.learning_rate * params.A_plus * trace_pre, biggest)
    depression = jnp.minimum(params.learning_rate * params.A_minus * trace_post, biggest)
    return potentiation, depression


def stdp_delta(
    weights: Array, trace_pre: Array, post: Array, pre: Array, trace_post: Array,
    params: RuleParams,
) -> Array:
    """``clip(W + lr A+ outer(trace_pre, post) - lr A- outer(pre, trace_post))``.

    Written once and used by both kernels on whatever block of W they touch,
    so that they compute the same arithmetic for every weight.
    """
    potentiation, depression = _amplitudes(trace_pre, trace_post, params)
    updated = weights + potentiation[:, None] * post[None, :] - pre[:, None] * depression[None, :]
    return jnp.clip(updated, params.w_min, params.w_max)


# --------------------------------------------------------------------------
# One time step, two kernels
# --------------------------------------------------------------------------
def dense_step(
    state: LayerState, x: Array, params: RuleParams, config: Config
) -> tuple[LayerState, Array]:
    """One step touching every weight. ``x`` is the dense input, shape (n_features,)."""
    trace_pre = decay_trace(state.trace_pre, x, params)
    current = x @ state.weights
    threshold = thresholds(state, params, config.adaptive)
    v, spikes = fire(state.v, threshold, current, params, config.competition)
    trace_post = decay_trace(state.trace_post, spikes, params)
    weights = stdp_delta(state.weights, trace_pre, spikes, x, trace_post, params)
    theta = adapt_thresholds(state.theta, spikes, params)
    if config.adaptive:
        state = track_drive(state, current, params)
    return state._replace(
        weights=weights, theta=theta, v=v, trace_pre=trace_pre, trace_post=trace_post
    ), spikes


def event_step(
    state: LayerState, events: tuple[Array, Array], params: RuleParams, config: Config
) -> tuple[LayerState, Array]:
    """One step touching only the weights of active inputs and spiking neurons.

    ``events = (index, value)``: the active inputs, padded with the
    out-of-range index ``n_features`` and value 0. Every other weight is left
    alone, which is exact: its update in the dense rule is zero and it is
    already inside the bounds. The same :func:`stdp_delta` is applied to each
    touched weight exactly once, so both kernels give the same weights.
    """
    index, value = events
    n_features, n_neurons = state.weights.shape
    x = jnp.zeros(n_features, value.dtype).at[index].add(value, mode="drop")
    trace_pre = decay_trace(state.trace_pre, x, params)

    rows = state.weights.at[index].get(mode="fill", fill_value=0.0)
    current = value @ rows
    threshold = thresholds(state, params, config.adaptive)
    v, spikes = fire(state.v, threshold, current, params, config.competition)
    trace_post = decay_trace(state.trace_post, spikes, params)

    # Rows of the active inputs, every column: LTD, and LTP where the neuron spiked.
    rows = stdp_delta(rows, trace_pre[index % n_features], spikes, value, trace_post, params)
    weights = state.weights.at[index].set(rows, mode="drop")

    # Columns of the spiking neurons, the rows not listed in the events: LTP
    # only. (A listed input may carry 0, e.g. a rate-coded input that did not
    # fire this step: its row was updated above and must not be updated twice.)
    inactive = jnp.ones((n_features, 1), bool).at[index].set(False, mode="drop")

    def update_columns(post_index, weights):
        # post_index may hold the out-of-range index n_neurons as padding:
        # its column reads as zeros and its write is dropped.
        cols = weights.at[:, post_index].get(mode="fill", fill_value=0.0)
        post = spikes.at[post_index].get(mode="fill", fill_value=0.0)
        trace = trace_post.at[post_index].get(mode="fill", fill_value=0.0)
        new = stdp_delta(cols, trace_pre, post, x, trace, params)
        return weights.at[:, post_index].set(jnp.where(inactive, new, cols), mode="drop")

    if config.competition == "wta":  # at most one spike: one column
        weights = update_columns(jnp.argmax(spikes)[None], weights)
    else:
        # A few spiking neurons at a time, for as long as any are left: nothing
        # to do on the many steps without a spike, and no dense fallback (nor a
        # copy of W) when many neurons fire at once.
        def next_columns(carry):
            weights, remaining = carry
            post_index = jnp.nonzero(remaining, size=config.post_chunk, fill_value=n_neurons)[0]
            weights = update_columns(post_index, weights)
            return weights, remaining.at[post_index].set(0.0, mode="drop")

        weights, _ = jax.lax.while_loop(
            lambda carry: jnp.any(carry[1] > 0), next_columns, (weights, spikes)
        )
    theta = adapt_thresholds(state.theta, spikes, params)
    if config.adaptive:
        state = track_drive(state, current, params)
    return state._replace(
        weights=weights, theta=theta, v=v, trace_pre=trace_pre, trace_post=trace_post
    ), spikes


# --------------------------------------------------------------------------
# Input encoding inside the compiled loop
# --------------------------------------------------------------------------
def encode(row, key: Array, n_features: int, config: Config):
    """The input of one time step, drawn from one row.

    ``row`` is a dense vector (dense kernel) or ``(index, value)`` events
    (event kernel). With the rate code, both kernels draw the same uniform
    numbers for the same key, so they see the same input spikes.
    """
    if config.kernel == "event":
        index, value = row
        if config.encoding == "poisson":
            uniform = jax.random.uniform(key, (n_features,), value.dtype)
            drawn = uniform.at[index].get(mode="fill", fill_value=1.0)
            value = (drawn < value).astype(value.dtype)
        return index, value
    if config.encoding == "poisson":
        return (jax.random.uniform(key, (n_features,), row.dtype) < row).astype(row.dtype)
    return row


def _step(state, x, params, config):
    if config.kernel == "event":
        return event_step(state, x, params, config)
    return dense_step(state, x, params, config)


def _normalize(state: LayerState, params: RuleParams) -> LayerState:
    return state._replace(weights=normalize_weights(state.weights, params))


# --------------------------------------------------------------------------
# Compiled drivers
#
# Each takes the rule's numbers as one float32 vector ``rule`` (the fields of
# RuleParams in order) and the random stream as a uint32 ``seed``: one
# argument each, cheap to pass on every call.
# --------------------------------------------------------------------------
def _unpack(rule: Array, seed: Array, stream: int) -> tuple[RuleParams, Array]:
    key = jax.random.fold_in(jax.random.key(seed), stream)
    return RuleParams(*rule), key


LEARN, RESPOND = 0, 1  # independent random streams for learning and for transform


@partial(jax.jit, static_argnames=("config",))
def learn_stream(
    state: LayerState, rows, first_index: Array, rule: Array, seed: Array, *,
    config: Config,
) -> tuple[LayerState, Array]:
    """Stream mode: one scan over consecutive time bins; returns spike counts per neuron."""
    params, key = _unpack(rule, seed, LEARN)
    n_features, n_neurons = state.weights.shape
    n_rows = jax.tree_util.tree_leaves(rows)[0].shape[0]

    def body(carry, item):
        st, counts = carry
        row, i = item
        x = encode(row, jax.random.fold_in(key, i), n_features, config)
        st, spikes = _step(st, x, params, config)
        if config.normalize:
            st = _normalize(st, params)
        return (st, counts + spikes), None

    indices = first_index + jnp.arange(n_rows, dtype=jnp.uint32)
    (state, counts), _ = jax.lax.scan(body, (state, jnp.zeros(n_neurons)), (rows, indices))
    return state, counts


@partial(jax.jit, static_argnames=("config", "n_steps"))
def learn_samples(
    state: LayerState, rows, first_index: Array, rule: Array, seed: Array, *,
    config: Config, n_steps: int,
) -> tuple[LayerState, Array]:
    """Sample mode: each row presented for ``n_steps`` steps from rest."""
    params, key = _unpack(rule, seed, LEARN)
    n_features, n_neurons = state.weights.shape
    n_rows = jax.tree_util.tree_leaves(rows)[0].shape[0]

    def present(carry, item):
        st, counts = carry
        row, i = item
        row_key = jax.random.fold_in(key, i)

        def tick(inner, t):
            st = inner
            x = encode(row, jax.random.fold_in(row_key, t), n_features, config)
            st, spikes = _step(st, x, params, config)
            return st, spikes

        st, spikes = jax.lax.scan(tick, rest(st), jnp.arange(n_steps, dtype=jnp.uint32))
        if config.normalize:
            st = _normalize(st, params)
        return (st, counts + spikes.sum(0)), None

    indices = first_index + jnp.arange(n_rows, dtype=jnp.uint32)
    (state, counts), _ = jax.lax.scan(present, (state, jnp.zeros(n_neurons)), (rows, indices))
    return rest(state), counts


@partial(jax.jit, static_argnames=("competition", "encoding", "n_steps"))
def respond_samples(
    weights: Array, threshold: Array, rows: Array, row_seeds: Array, rule: Array,
    seed: Array, *, competition: str | None, encoding: str, n_steps: int,
) -> Array:
    """Spike counts of each row presented from rest with frozen weights and thresholds.

    ``threshold`` holds each neuron's effective threshold (:func:`thresholds`).

    Rows are independent, so the batch is vectorised: one matrix product per
    step (or one for the whole presentation with the direct code).
    """
    params, key = _unpack(rule, seed, RESPOND)
    n_rows, n_features = rows.shape
    fire_all = jax.vmap(fire, in_axes=(0, None, 0, None, None))
    constant_current = rows @ weights if encoding == "direct" else None
    row_keys = jax.vmap(jax.random.fold_in, in_axes=(None, 0))(key, row_seeds)

    def tick(carry, t):
        v, counts = carry
        if encoding == "poisson":
            draw = jax.vmap(lambda k: jax.random.uniform(jax.random.fold_in(k, t), (n_features,)))
            x = (draw(row_keys) < rows).astype(rows.dtype)
            current = x @ weights
        else:
            current = constant_current
        v, spikes = fire_all(v, threshold, current, params, competition)
        return (v, counts + spikes), None

    start = (jnp.zeros((n_rows, weights.shape[1])), jnp.zeros((n_rows, weights.shape[1])))
    (_, counts), _ = jax.lax.scan(tick, start, jnp.arange(n_steps, dtype=jnp.uint32))
    return counts


@partial(jax.jit, static_argnames=("competition", "encoding"))
def respond_stream(
    weights: Array, threshold: Array, v: Array, rows: Array, first_index: Array,
    rule: Array, seed: Array, *, competition: str | None, encoding: str,
) -> tuple[Array, Array]:
    """Output spikes of consecutive bins with frozen weights and thresholds."""
    params, key = _unpack(rule, seed, RESPOND)
    n_rows, n_features = rows.shape
    if encoding == "poisson":
        indices = first_index + jnp.arange(n_rows, dtype=jnp.uint32)
        draw = jax.vmap(lambda i: jax.random.uniform(jax.random.fold_in(key, i), (n_features,)))
        rows = (draw(indices) < rows).astype(rows.dtype)
    currents = rows @ weights

    def tick(v, current):
        return fire(v, threshold, current, params, competition)

    return jax.lax.scan(tick, v, currents)
