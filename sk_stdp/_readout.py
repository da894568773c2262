"""The frozen read-out of a fitted layer: what ``transform`` computes.

:func:`frozen_layer` is the interface through which the estimators read a
fitted :class:`~sk_stdp.STDPTransformer` (``transform`` itself, and
:class:`~sk_stdp.ConvSTDPTransformer`, whose filters are such a layer):
weights, each neuron's effective threshold in the read-out, and the numbers
with the leak in use, all frozen. :func:`respond` runs rows through it.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import _dynamics as dyn
from . import _neurons as neurons
from ._config import LayerSpec
from ._encoding import block_sizes, row_seeds, to_dense


class FrozenLayer(NamedTuple):
    """A fitted layer as its read-out sees it."""

    spec: LayerSpec
    weights: jax.Array  # (n_features, n_neurons), input-major
    thresholds: jax.Array  # (n_neurons,) each neuron's effective threshold in the read-out
    params: dyn.Params  # with the leak in use


def frozen_layer(layer) -> FrozenLayer:
    """The read-out's view of a fitted :class:`~sk_stdp.STDPTransformer`.

    It reflects the layer's current parameters (validated, and refused where
    the fitted layer cannot take them) and changes nothing.
    """
    spec = layer._spec_now()
    state = jax.tree_util.tree_map(jnp.asarray, layer._state)
    params = spec.params
    lif = params.neuron._replace(
        leak=neurons.membrane_leak(state.neuron, params.neuron, spec.calibrated_leak))
    if spec.readout == "cosine" and not spec.stream:
        thresholds = jnp.full(state.weights.shape[1], spec.readout_threshold, jnp.float32)
    else:
        thresholds = neurons.readout_thresholds(state.neuron, state.weights, lif, spec.relative,
                                                spec.readout_floor)
    return FrozenLayer(spec=spec, weights=state.weights, thresholds=thresholds,
                       params=params._replace(neuron=lif))


def respond(layer: FrozenLayer, X, seed: int) -> np.ndarray:
    """The read-out of validated rows X: spike counts (sample mode) or spikes per bin
    (stream mode, one run from rest), float32, one block of rows at a time."""
    spec = layer.spec
    out = np.empty((X.shape[0], layer.weights.shape[1]), np.float32)
    v = jnp.zeros(out.shape[1], jnp.float32)
    competition = spec.competition if spec.transform_competition else None
    for start, stop in block_sizes(X.shape[0]):
        rows = to_dense(X[start:stop])
        if spec.stream:
            v, spikes = dyn.respond_stream(
                layer.weights, layer.thresholds, v, rows, np.uint32(start), layer.params,
                np.uint32(seed), competition=competition, encoding=spec.encoding,
            )
        else:
            spikes = dyn.respond_samples(
                layer.weights, layer.thresholds, rows, row_seeds(rows), layer.params,
                np.uint32(seed), competition=competition, encoding=spec.encoding,
                n_steps=spec.n_steps, readout=spec.readout,
                inhibition=np.float32(spec.readout_inhibition),
            )
        out[start:stop] = np.asarray(spikes)
    return out
