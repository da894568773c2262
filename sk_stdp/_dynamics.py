"""Pure JAX dynamics of one layer of leaky integrate-and-fire neurons with STDP.

The layer is made of units, each pure functions over explicit NamedTuple
state: the neuron model (``_neurons``), its homeostasis, and the plasticity
rule (``_rules``), chosen by name in :class:`Config`. Their numbers travel as
:class:`Params`, NamedTuples of traced scalars filled by field name. This
module combines them into one time step (two kernels), encodes the input,
and holds the jitted drivers (``learn``, ``respond_samples``,
``respond_stream``), the only compiled entry points.

Weights are stored input-major, shape ``(n_features, n_neurons)``: column ``j``
holds the incoming weights of neuron ``j``. With this layout the rows touched
by an input spike are contiguous, which is what the event-driven kernel needs.
The estimator exposes the transpose as ``components_``.
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from . import _neurons as neurons
from . import _rules as rules
from ._rules import RULES, WEIGHT_DEPENDENCES, Bounds, Traces

Array = jax.Array


class Params(NamedTuple):
    """Every number of the layer, as traced scalars grouped by unit.

    Keeping them traced (not static) means a grid search over ``A_plus`` and
    ``A_minus`` reuses one compiled program.
    """

    rule: Any  # the rule's own NamedTuple (e.g. _rules.PairParams)
    neuron: neurons.LIFParams
    homeostasis: Any  # the homeostasis rule's NamedTuple
    bounds: Bounds


class LayerState(NamedTuple):
    """Everything that changes while the layer runs."""

    weights: Array  # (n_features, n_neurons)
    neuron: neurons.NeuronState  # membranes and adaptive thresholds
    plasticity: Traces  # the rule's traces


class Config(NamedTuple):
    """Static choices: each distinct value compiles its own program."""

    competition: str | None  # None, "wta" or "lateral"
    encoding: str  # "direct" or "poisson"
    kernel: str  # "dense" or "event"
    normalize: bool
    post_chunk: int  # spiking neurons the event kernel updates per inner iteration
    adaptive: bool = False  # thresholds relative to the running mean input (_neurons.thresholds)
    calibrated_leak: bool = False  # leak that follows the input rate (_neurons.membrane_leak)
    rule: str = "pair"  # a key of _rules.RULES
    weight_dependence: str = "additive"  # a key of _rules.WEIGHT_DEPENDENCES
    homeostasis: str = "additive"  # a key of _neurons.HOMEOSTASIS


def param_types(rule: str, homeostasis: str = "additive") -> Params:
    """The NamedTuple type of each group of :class:`Params`."""
    return Params(
        rule=RULES[rule].params,
        neuron=neurons.LIFParams,
        homeostasis=neurons.HOMEOSTASIS[homeostasis].params,
        bounds=Bounds,
    )


def param_names(rule: str, homeostasis: str = "additive") -> tuple[str, ...]:
    """Names of every number the layer reads, as the estimator spells them."""
    return tuple(name for cls in param_types(rule, homeostasis) for name in cls._fields)


def init(weights: Array) -> LayerState:
    """A layer at rest with these (input-major) weights and zero thresholds."""
    n_features, n_neurons = weights.shape
    return LayerState(
        weights=jnp.asarray(weights),
        neuron=neurons.init(n_neurons, n_features),
        plasticity=rules.init(n_features, n_neurons),
    )


def rest(state: LayerState) -> LayerState:
    """Membrane potentials and traces back to zero; weights and thresholds kept."""
    return state._replace(
        neuron=neurons.rest(state.neuron),
        plasticity=jax.tree_util.tree_map(jnp.zeros_like, state.plasticity),
    )


# --------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------
def normalize_weights(weights: Array, bounds: Bounds) -> Array:
    """Rescale each neuron's incoming weights to sum to ``weight_total``."""
    scale = rules.normalising_scale(jnp.sum(weights, axis=0), bounds)
    return rules.rescaled(weights, scale, bounds)


def apply_change(
    weights: Array, ltp_pre: Array, ltp_post: Array, x: Array, ltd_post: Array, bounds: Bounds,
    dependence: str,
) -> Array:
    """Each weight of a block takes its change through the weight dependence.

    The block's potentiation is ``outer(ltp_pre, ltp_post)``, its depression
    ``outer(x, ltd_post)``. Used by both JAX kernels on whatever block of W
    they touch (the factors gathered to that block), so that they compute the
    same arithmetic for every weight.
    """
    return WEIGHT_DEPENDENCES[dependence].update(
        weights, ltp_pre[:, None] * ltp_post[None, :], x[:, None] * ltd_post[None, :], bounds
    )


# --------------------------------------------------------------------------
# One time step, two kernels
# --------------------------------------------------------------------------
def neuron_params(
    neuron: neurons.NeuronState, params: neurons.LIFParams, config: Config
) -> neurons.LIFParams:
    """The neuron's parameters with the leak in use (:func:`_neurons.membrane_leak`)."""
    if not config.calibrated_leak:
        return params
    return params._replace(leak=neurons.membrane_leak(neuron, params, True))


def _neuron_step(
    state: LayerState, current: Array, x: Array, params: Params, config: Config
) -> tuple[neurons.NeuronState, Array]:
    neuron = state.neuron
    lif = neuron_params(neuron, params.neuron, config)
    threshold = neurons.thresholds(neuron, lif, config.adaptive)
    v, spikes = neurons.fire(neuron.v, threshold, current, lif, config.competition)
    adapt = neurons.HOMEOSTASIS[config.homeostasis].update
    neuron = neuron._replace(v=v, theta=adapt(neuron.theta, spikes, params.homeostasis))
    if config.adaptive or config.calibrated_leak:
        neuron = neurons.track_drive(neuron, current, x, lif)
    return neuron, spikes


def dense_step(
    state: LayerState, x: Array, params: Params, config: Config
) -> tuple[LayerState, Array]:
    """One step touching every weight. ``x`` is the dense input, shape (n_features,)."""
    neuron, spikes = _neuron_step(state, x @ state.weights, x, params, config)
    plasticity, change = rules.step(RULES[config.rule], state.plasticity, x, spikes, params.rule)
    weights = apply_change(state.weights, change.ltp_pre, change.ltp_post, x, change.ltd_post,
                           params.bounds, config.weight_dependence)
    return LayerState(weights=weights, neuron=neuron, plasticity=plasticity), spikes


def event_step(
    state: LayerState, events: tuple[Array, Array], params: Params, config: Config
) -> tuple[LayerState, Array]:
    """One step touching only the weights of active inputs and spiking neurons.

    ``events = (index, value)``: the active inputs, padded with the
    out-of-range index ``n_features`` and value 0. Every other weight is left
    alone, which is exact: its update in the dense rule is zero (no input,
    and no potentiation for a silent neuron) and it is already inside the
    bounds. The same :func:`apply_change` is applied to each touched weight
    exactly once, so both kernels give the same weights.
    """
    index, value = events
    n_features, n_neurons = state.weights.shape
    x = jnp.zeros(n_features, value.dtype).at[index].add(value, mode="drop")

    rows = state.weights.at[index].get(mode="fill", fill_value=0.0)
    neuron, spikes = _neuron_step(state, value @ rows, x, params, config)
    plasticity, change = rules.step(RULES[config.rule], state.plasticity, x, spikes, params.rule)

    # Rows of the active inputs, every column: depression, and potentiation
    # where the neuron spiked.
    rows = apply_change(rows, change.ltp_pre[index % n_features], change.ltp_post, value,
                        change.ltd_post, params.bounds, config.weight_dependence)
    weights = state.weights.at[index].set(rows, mode="drop")

    # Columns of the spiking neurons, the rows not listed in the events:
    # potentiation only. (A listed input may carry 0, e.g. a rate-coded input
    # that did not fire this step: its row was updated above and must not be
    # updated twice.)
    inactive = jnp.ones((n_features, 1), bool).at[index].set(False, mode="drop")

    def update_columns(post_index, weights):
        # post_index may hold the out-of-range index n_neurons as padding:
        # its column reads as zeros and its write is dropped.
        cols = weights.at[:, post_index].get(mode="fill", fill_value=0.0)
        def gather(factor):
            return factor.at[post_index].get(mode="fill", fill_value=0.0)

        new = apply_change(cols, change.ltp_pre, gather(change.ltp_post), x,
                           gather(change.ltd_post), params.bounds, config.weight_dependence)
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
    return LayerState(weights=weights, neuron=neuron, plasticity=plasticity), spikes


def _step(state, x, params, config):
    if config.kernel == "event":
        return event_step(state, x, params, config)
    return dense_step(state, x, params, config)


# --------------------------------------------------------------------------
# Input encoding: one encoder, one way of deriving random keys
# --------------------------------------------------------------------------
LEARN, RESPOND = 0, 1  # independent random streams for learning and for read-out


def step_key(seed: Array, stream: int, row_id: Array, t: Array) -> Array:
    """The key of step ``t`` of the row identified by ``row_id``.

    ``row_id`` is the row's position in the learning stream (``learn``, and
    the read-out of a stream) or a fingerprint of the row's values (read-out
    of independent samples); ``t`` counts the steps of a presentation (0 for
    a time bin).
    """
    key = jax.random.fold_in(jax.random.key(seed), stream)
    return jax.random.fold_in(jax.random.fold_in(key, row_id), t)


def encode(row, key: Array, n_features: int, encoding: str):
    """The input of one time step, drawn from one row.

    ``row`` is a dense vector or ``(index, value)`` events (event kernel).
    With the rate code, both forms draw the same uniform numbers for the same
    key, so both kernels see the same input spikes.
    """
    if encoding != "poisson":
        return row
    if isinstance(row, tuple):
        index, value = row
        uniform = jax.random.uniform(key, (n_features,), value.dtype)
        drawn = uniform.at[index].get(mode="fill", fill_value=1.0)
        return index, (drawn < value).astype(value.dtype)
    return (jax.random.uniform(key, (n_features,), row.dtype) < row).astype(row.dtype)


# --------------------------------------------------------------------------
# Compiled drivers
# --------------------------------------------------------------------------
@partial(jax.jit, static_argnames=("config", "n_steps", "from_rest"))
def learn(
    state: LayerState, rows, first_index: Array, params: Params, seed: Array, *,
    config: Config, n_steps: int = 1, from_rest: bool = False,
) -> tuple[LayerState, Array]:
    """Learn from consecutive rows; returns the new state and spike counts per neuron.

    Each row is presented for ``n_steps`` steps, from rest if ``from_rest``
    (independent samples, left at rest at the end), and the weights are
    normalised after each row. Stream mode is the special case of one step
    per row and no rest: the state carries over from row to row.
    """
    n_features, n_neurons = state.weights.shape
    n_rows = jax.tree_util.tree_leaves(rows)[0].shape[0]

    def present(carry, item):
        st, counts = carry
        row, i = item

        def tick(st, t):
            x = encode(row, step_key(seed, LEARN, i, t), n_features, config.encoding)
            return _step(st, x, params, config)

        st, spikes = jax.lax.scan(
            tick, rest(st) if from_rest else st, jnp.arange(n_steps, dtype=jnp.uint32)
        )
        if config.normalize:
            st = st._replace(weights=normalize_weights(st.weights, params.bounds))
        return (st, counts + spikes.sum(0)), None

    indices = first_index + jnp.arange(n_rows, dtype=jnp.uint32)
    (state, counts), _ = jax.lax.scan(present, (state, jnp.zeros(n_neurons)), (rows, indices))
    return (rest(state) if from_rest else state), counts


@partial(jax.jit, static_argnames=("n_steps",))
def draw_spikes(rows: Array, first_index: Array, seed: Array, *, n_steps: int) -> Array:
    """The rate code's input spikes at each step of consecutive rows, drawn as :func:`learn`
    draws them, shape ``(n_rows * n_steps, n_features)``: row by row, step by step."""
    n_rows, n_features = rows.shape
    steps = jnp.arange(n_steps, dtype=jnp.uint32)

    def presentation(row, i):
        return jax.vmap(lambda t: encode(row, step_key(seed, LEARN, i, t), n_features,
                                         "poisson"))(steps)

    indices = first_index + jnp.arange(n_rows, dtype=jnp.uint32)
    return jax.vmap(presentation)(rows, indices).reshape(n_rows * n_steps, n_features)


def _fire_frozen(threshold, params, competition, v, current):
    """Read-out: one step of the neurons with the effective thresholds frozen."""
    return neurons.fire(v, threshold, current, params.neuron, competition)


def _encode_all(rows: Array, seed: Array, row_ids: Array, t: Array, encoding: str) -> Array:
    keys = jax.vmap(step_key, in_axes=(None, None, 0, None))(seed, RESPOND, row_ids, t)
    return jax.vmap(encode, in_axes=(0, 0, None, None))(rows, keys, rows.shape[1], encoding)


@partial(jax.jit, static_argnames=("competition", "encoding", "n_steps", "readout"))
def respond_samples(
    weights: Array, threshold: Array, rows: Array, row_ids: Array, params: Params,
    seed: Array, *, competition: str | None, encoding: str, n_steps: int,
    readout: str = "lif", inhibition: Array | float = 0.0,
) -> Array:
    """Spike counts of each row presented from rest with frozen weights and thresholds.

    ``threshold`` holds each neuron's effective threshold (``_neurons.thresholds``).
    ``readout="lif"`` counts the spikes of the learning neuron itself;
    ``readout="rate"`` those of its rate-coding twin (``_neurons.fire_rate``),
    whose input is reduced by ``inhibition`` times the mean input current of
    the layer (no competition); ``readout="cosine"`` those of the same twin
    with its input current divided by the norms of the row and of the
    neuron's weights (divisive normalisation: the current of the direct code
    is the cosine similarity of row and prototype).

    Rows are independent, so the batch is vectorised: one matrix product per
    step (or one for the whole presentation with the direct code).
    """
    n_rows = rows.shape[0]
    if readout == "cosine":
        tiny = jnp.finfo(jnp.float32).tiny
        row_norms = jnp.maximum(jnp.sqrt(jnp.sum(rows * rows, axis=1)), tiny)
        weight_norms = jnp.maximum(jnp.sqrt(jnp.sum(weights * weights, axis=0)), tiny)
        scale = 1 / (row_norms[:, None] * weight_norms[None, :])
    else:
        scale = None
    constant_current = rows @ weights if encoding == "direct" else None
    if constant_current is not None and scale is not None:
        constant_current = constant_current * scale
    if readout in ("rate", "cosine"):
        def fire(v, current):
            current = current - inhibition * jnp.mean(current)
            return neurons.fire_rate(v, threshold, current)
    else:
        fire = partial(_fire_frozen, threshold, params, competition)

    def tick(carry, t):
        v, counts = carry
        if constant_current is None:
            current = _encode_all(rows, seed, row_ids, t, encoding) @ weights
            if scale is not None:
                current = current * scale
        else:
            current = constant_current
        v, spikes = jax.vmap(fire)(v, current)
        return (v, counts + spikes), None

    zeros = jnp.zeros((n_rows, weights.shape[1]))
    (_, counts), _ = jax.lax.scan(tick, (zeros, zeros), jnp.arange(n_steps, dtype=jnp.uint32))
    return counts


@partial(jax.jit, static_argnames=("competition", "encoding"))
def respond_stream(
    weights: Array, threshold: Array, v: Array, rows: Array, first_index: Array,
    params: Params, seed: Array, *, competition: str | None, encoding: str,
) -> tuple[Array, Array]:
    """Output spikes of consecutive bins with frozen weights and thresholds."""
    row_ids = first_index + jnp.arange(rows.shape[0], dtype=jnp.uint32)
    currents = _encode_all(rows, seed, row_ids, jnp.uint32(0), encoding) @ weights
    return jax.lax.scan(partial(_fire_frozen, threshold, params, competition), v, currents)
