"""The fitted layer as a BrainPy model (:meth:`STDPTransformer.to_brainpy`).

The model steps the same units as the estimator (``_neurons.fire`` for the
read-out, ``_dynamics.dense_step`` when plastic), holding their state in
BrainPy variables, so that it can run inside a larger BrainPy network.
"""

from __future__ import annotations

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp

from . import _dynamics as dyn
from . import _neurons as neurons


class STDPLayer(bp.DynamicalSystem):
    """One layer of the estimator's LIF neurons behind its weights, one time step per update.

    ``update(x)`` takes the input spikes (or currents) of one step, shape
    ``(n_features,)``, and returns the 0/1 output spikes, shape
    ``(n_neurons,)``. With ``plastic=False`` weights and thresholds are
    frozen, as in :meth:`STDPTransformer.transform`; with ``plastic=True``
    they learn by the estimator's rule, homeostasis and normalisation, as in
    stream-mode :meth:`STDPTransformer.partial_fit`. The state starts at rest.
    ``readout_floor``: with ``plastic=False``, the lowest threshold in
    standard deviations of the noise floor (``_neurons.noise_floor``), as
    :meth:`STDPTransformer.transform` reads; None for none.

    Attributes
    ----------
    weights : brainpy.math.Variable of shape (n_features, n_neurons)
        Input-major weights (the transpose of ``components_``).
    theta : brainpy.math.Variable of shape (n_neurons,)
        Adaptive threshold offsets.
    V : brainpy.math.Variable of shape (n_neurons,)
        Membrane potentials.
    spike : brainpy.math.Variable of shape (n_neurons,)
        The spikes of the last step.
    traces : dict of brainpy.math.Variable
        The plasticity rule's traces by name (``plastic=True`` only; empty
        otherwise).
    """

    def __init__(self, state: dyn.LayerState, params: dyn.Params, config: dyn.Config, *,
                 plastic: bool, readout_floor: float | None = None, name: str | None = None):
        super().__init__(name=name)
        self._params, self._config, self.plastic = params, config, plastic
        self._readout_floor = readout_floor
        self.weights = bm.Variable(jnp.asarray(state.weights))
        self.theta = bm.Variable(jnp.asarray(state.neuron.theta))
        # Running input statistics of relative thresholds (stream mode, threshold="auto").
        self.drive = bm.Variable(jnp.asarray(state.neuron.drive))
        self.drive_weight = bm.Variable(jnp.asarray(state.neuron.drive_weight))
        self.input_rate = bm.Variable(jnp.asarray(state.neuron.input_rate))
        self.input_mean = bm.Variable(jnp.asarray(state.neuron.input_mean))
        self.input_power = bm.Variable(jnp.asarray(state.neuron.input_power))
        self._rule_state = type(state.plasticity)
        rest = dyn.rest(jax.tree_util.tree_map(jnp.asarray, state))
        self.traces = (
            {name: bm.Variable(trace) for name, trace in rest.plasticity._asdict().items()}
            if plastic else {}
        )
        self.reset_state()

    def reset_state(self, batch_size=None, **kwargs) -> None:
        """Membranes (and traces) back to rest; weights and thresholds kept."""
        n_neurons = self.theta.shape[0]
        self.V = bm.Variable(jnp.zeros(n_neurons))
        self.spike = bm.Variable(jnp.zeros(n_neurons))
        for trace in self.traces.values():
            trace.value = jnp.zeros_like(trace.value)

    def update(self, x):
        x = jnp.asarray(x, jnp.float32)
        neuron = neurons.NeuronState(v=self.V.value, theta=self.theta.value,
                                     drive=self.drive.value, drive_weight=self.drive_weight.value,
                                     input_rate=self.input_rate.value,
                                     input_mean=self.input_mean.value,
                                     input_power=self.input_power.value)
        if self.plastic:
            plasticity = self._rule_state(**{n: t.value for n, t in self.traces.items()})
            state = dyn.LayerState(weights=self.weights.value, neuron=neuron,
                                   plasticity=plasticity)
            state, spikes = dyn.dense_step(state, x, self._params, self._config)
            if self._config.normalize:
                state = state._replace(
                    weights=dyn.normalize_weights(state.weights, self._params.bounds))
            self.weights.value, self.theta.value = state.weights, state.neuron.theta
            self.drive.value = state.neuron.drive
            self.drive_weight.value = state.neuron.drive_weight
            self.input_rate.value = state.neuron.input_rate
            self.input_mean.value = state.neuron.input_mean
            self.input_power.value = state.neuron.input_power
            for name, trace in self.traces.items():
                trace.value = getattr(state.plasticity, name)
            v = state.neuron.v
        else:
            lif = dyn.neuron_params(neuron, self._params.neuron, self._config)
            threshold = neurons.readout_thresholds(neuron, self.weights.value, lif,
                                                   self._config.adaptive, self._readout_floor)
            v, spikes = neurons.fire(neuron.v, threshold, x @ self.weights.value, lif,
                                     self._config.competition)
        self.V.value = v
        self.spike.value = spikes
        return spikes
