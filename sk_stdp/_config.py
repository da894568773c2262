"""The layer's description: every estimator parameter resolved once.

:func:`describe` turns the parameters of :class:`~sk_stdp.STDPTransformer`
(``get_params()``), with every ``"auto"`` resolved for the mode, into a
frozen :class:`LayerSpec`. The estimator describes its layer at ``fit`` and
again on a later call only where a parameter changed; the kernels, the
read-out and :class:`~sk_stdp.ConvSTDPTransformer` read the description, not
the parameters. Parameter combinations that make no sense are refused here,
with a ``ValueError`` naming the parameter.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import NamedTuple

import jax
import numpy as np

from . import _dynamics as dyn
from ._rules import FACTOR_MAX

#: What each ``"auto"`` parameter resolves to: (sample mode, stream mode). In
#: stream mode the threshold is relative to the input (see ``relative_threshold``);
#: its absolute part is then only a small floor, so that silence never fires.
#: ``trace_decay_post`` takes its own value only when ``trace_decay`` is "auto"
#: too; otherwise it is ``trace_decay``. With ``rule="nearest"`` and the direct
#: code in sample mode, ``A_minus`` is divided by :func:`held_trace_gain`. The
#: stream value of ``leak`` is the shortest membrane time constant: with
#: ``threshold`` "auto" too, the leak follows the input rate from there
#: (``_neurons.calibrated_leak``).
AUTO = {
    "A_minus": (0.00525, 0.00425),
    "threshold": (1.0, 1e-3),
    "leak": (0.8, 0.9),
    "trace_decay": (0.95, 0.9),
    "trace_decay_post": (0.9, 0.95),
    "theta_plus": (0.03, 0.01),
    "theta_decay": (1.0, 0.9999),
    "max_iter": (3, 1),
    "competition": ("lateral", "wta"),
}

#: ``max_input="auto"`` with the direct code: (sample mode, stream mode). In stream
#: mode a value is one channel's spike count in one bin; larger values were measured
#: to silence a learned layer's read-out for seconds of stream. In sample mode,
#: where learning normalises each neuron's weights after every sample, a value
#: up to this bound (in a corrupted row) left the learned features unchanged.
MAX_INPUT = (1e6, 100.0)

#: ``readout_inhibition="auto"`` per read-out.
READOUT_INHIBITION = {"cosine": 0.8, "rate": 0.5, "lif": 0.5}


class LayerSpec(NamedTuple):
    """What the layer is: the parameters with every ``"auto"`` resolved for the mode."""

    n_features: int
    n_neurons: int
    stream: bool
    n_steps: int  # steps per row: 1 in stream mode
    encoding: str  # "direct" or "poisson"
    rule: str  # a key of _rules.RULES
    weight_dependence: str  # a key of _rules.WEIGHT_DEPENDENCES
    competition: str | None  # None, "wta" or "lateral"
    normalize: bool
    relative: bool  # thresholds relative to the running mean input (stream mode)
    calibrated_leak: bool  # a leak that follows the input rate
    readout: str  # "cosine", "rate" or "lif"
    readout_inhibition: float
    readout_threshold: float
    readout_floor: float | None  # only where it applies (relative thresholds)
    transform_competition: bool
    max_input: float
    max_iter: int
    shuffle: bool
    kernel: str  # as asked: "auto", "numba", "dense" or "event"
    values: tuple[tuple[str, float], ...]  # every number of the dynamics, by name

    @property
    def params(self) -> dyn.Params:
        """The numbers as float32 device scalars (the JAX kernels)."""
        return _device_params(self.rule, self.values)

    @property
    def host_params(self) -> dyn.Params:
        """The numbers as numpy float32 scalars (the fused CPU kernels)."""
        return _host_params(self.rule, self.values)

    def config(self, kernel: str, *, competition: str | None | bool = True) -> dyn.Config:
        """The static choices of the JAX drivers (``competition=True``: the layer's own)."""
        return dyn.Config(
            competition=self.competition if competition is True else competition,
            encoding=self.encoding,
            kernel=kernel,
            normalize=self.normalize,
            adaptive=self.relative,
            calibrated_leak=self.calibrated_leak,
            post_chunk=min(self.n_neurons, 8),
            rule=self.rule,
            weight_dependence=self.weight_dependence,
        )

    def fixed(self) -> dict:
        """What the fitted state depends on, by parameter: a fitted layer cannot change it."""
        fixed = {
            "n_neurons": (self.n_neurons, "one row of weights per neuron"),
            "stream": (self.stream, "rows as samples or as time bins, and the meaning of "
                                    "every 'auto' parameter"),
            "rule": (self.rule, "the traces the rule keeps"),
            "encoding": (self.encoding, "how the layer's kernel reads X"),
        }
        if self.stream:  # theta_ is in units of the mean potential when relative
            fixed["threshold"] = ("relative" if self.relative else "absolute",
                                  "thresholds relative to the input or absolute, the unit "
                                  "of theta_")
        return fixed


def _is_auto(value) -> bool:
    return isinstance(value, str) and value == "auto"


def _mode_value(params: dict, name: str):
    """A parameter's value, ``"auto"`` resolved for the mode (see :data:`AUTO`)."""
    value = params[name]
    if not _is_auto(value):
        return value
    if name == "trace_decay_post" and not _is_auto(params["trace_decay"]):
        return _mode_value(params, "trace_decay")  # one window for both traces
    if (name == "A_minus" and params["rule"] == "nearest" and not params["stream"]
            and params["encoding"] == "direct"):
        return AUTO[name][0] / held_trace_gain(_mode_value(params, "trace_decay"),
                                               params["n_steps"])
    return AUTO[name][int(bool(params["stream"]))]


def held_trace_gain(decay: float, n_steps: int) -> float:
    """How many times its value the pair rule's summed pre-synaptic trace of an input held
    for a presentation of ``n_steps`` steps can reach: ``1 / (1 - decay)``, where it
    settles, and at most ``n_steps``. The nearest-spike trace of the same input stays at
    its value.

    ``A_minus="auto"`` for ``rule="nearest"`` with the direct code in sample mode is the
    pair rule's value divided by this, so that the two rules weigh depression against
    potentiation alike.
    """
    return float(n_steps) if decay == 1.0 else min(1.0 / (1.0 - decay), float(n_steps))


def describe(params: dict, n_features: int) -> LayerSpec:
    """The layer of an estimator with these parameters (``get_params()``) on ``n_features``
    inputs; a ``ValueError`` naming the parameter for combinations that make no sense."""
    for name in ("n_neurons", "n_steps", "max_iter"):
        if isinstance(params[name], (bool, np.bool_)):
            raise ValueError(f"{name} must be an int, got {params[name]!r} (a boolean).")
    stream = bool(params["stream"])
    numbers = {name: _mode_value(params, name) for name in dyn.param_names(params["rule"])
               if name in params}
    numbers["stat_decay"] = 1.0 - 1.0 / params["threshold_window"]
    for name, value in numbers.items():
        if not np.isfinite(value):
            raise ValueError(f"STDPTransformer parameters must be finite; got {name}={value!r}.")
    numbers["weight_total"] = (0.0 if params["weight_norm"] is None
                               else params["weight_norm"] * n_features)
    if params["w_min"] > params["w_max"]:
        raise ValueError(f"w_min={params['w_min']} must not exceed w_max={params['w_max']}.")
    if (params["weight_dependence"] == "multiplicative"
            and not params["w_max"] - params["w_min"] <= FACTOR_MAX):
        raise ValueError(
            f"w_max - w_min = {params['w_max'] - params['w_min']:g} is too wide for "
            "weight_dependence='multiplicative', which scales each change by the distance to "
            f"the bounds: at most {FACTOR_MAX:.3g}."
        )
    threshold = numbers["threshold"]
    if not params["v_reset"] < threshold:
        shown = "" if threshold == params["threshold"] else (
            f" ({params['threshold']!r} resolves to it)")
        raise ValueError(
            f"v_reset={params['v_reset']} must be below the threshold, {threshold}{shown}: a "
            "neuron reset at or above its threshold would fire at every step."
        )
    readout = params["readout"]
    if readout in ("cosine", "rate") and (stream or params["transform_competition"]):
        raise ValueError(
            f"readout={readout!r} reads out independent samples without competition; it "
            "cannot be used with stream=True or transform_competition=True."
        )
    if readout == "auto":
        readout = "lif" if stream or params["transform_competition"] else "cosine"
    relative = stream and _is_auto(params["threshold"])
    inhibition = params["readout_inhibition"]
    poisson = params["encoding"] == "poisson"
    if _is_auto(params["max_input"]):
        max_input = 1.0 if poisson else MAX_INPUT[int(stream)]
    else:
        max_input = min(float(params["max_input"]), 1.0) if poisson else float(params["max_input"])
    return LayerSpec(
        n_features=int(n_features),
        n_neurons=int(params["n_neurons"]),
        stream=stream,
        n_steps=1 if stream else int(params["n_steps"]),
        encoding=params["encoding"],
        rule=params["rule"],
        weight_dependence=params["weight_dependence"],
        competition=_mode_value(params, "competition"),
        normalize=params["weight_norm"] is not None,
        relative=relative,
        calibrated_leak=relative and _is_auto(params["leak"]),
        readout=readout,
        readout_inhibition=float(READOUT_INHIBITION[readout] if _is_auto(inhibition)
                                 else inhibition),
        readout_threshold=float(params["readout_threshold"]),
        readout_floor=params["readout_floor"] if relative else None,
        transform_competition=bool(params["transform_competition"]),
        max_input=max_input,
        max_iter=int(_mode_value(params, "max_iter")),
        shuffle=bool(params["shuffle"]) and not stream,
        kernel=params["kernel"],
        values=tuple((name, float(value)) for name, value in numbers.items()),
    )


def initial_weights(params: dict, spec: LayerSpec, rng: np.random.RandomState) -> np.ndarray:
    """The layer's first weights, input-major float32: ``init`` (drawn uniformly in
    ``[w_min, w_max]``, or the array given), clipped to the bounds and normalised."""
    n_neurons, n_features = spec.n_neurons, spec.n_features
    w_min, w_max, init = params["w_min"], params["w_max"], params["init"]
    if isinstance(init, str):
        weights = rng.uniform(w_min, w_max, (n_neurons, n_features))
    else:
        weights = np.asarray(init, dtype=np.float64)
        if weights.shape != (n_neurons, n_features):
            raise ValueError(
                f"init has shape {weights.shape}; expected (n_neurons, n_features) = "
                f"({n_neurons}, {n_features})."
            )
        if not np.all(np.isfinite(weights)):
            raise ValueError("init contains NaN or inf.")
        if np.all(weights <= w_min):
            warnings.warn(
                f"every weight of init is at or below w_min={w_min}: after clipping to "
                "[w_min, w_max] all weights are equal and, with w_min=0, the layer never "
                "fires. Pass non-negative initial weights.",
                UserWarning, stacklevel=5,
            )
    weight_norm = params["weight_norm"]
    if weight_norm is not None and weight_norm >= w_max:
        warnings.warn(
            f"weight_norm={weight_norm} (the mean weight after normalisation) is not below "
            f"w_max={w_max}: that mean cannot be reached, normalisation pushes the weights "
            "to w_max and the neurons become alike (identical once every weight is there). "
            "Use a weight_norm well below w_max.",
            UserWarning, stacklevel=5,
        )
    weights = np.clip(weights, w_min, w_max).T.astype(np.float32)  # input-major
    if spec.normalize:
        weights = dyn.normalize_weights(weights, spec.params.bounds)
    return np.ascontiguousarray(weights, dtype=np.float32)


def _typed_params(rule: str, values: tuple, scalar) -> dyn.Params:
    named = dict(values)
    types = dyn.param_types(rule)
    return dyn.Params(**{
        group: cls(**{name: scalar(named[name]) for name in cls._fields})
        for group, cls in types._asdict().items()
    })


@lru_cache(maxsize=64)
def _device_params(rule: str, values: tuple) -> dyn.Params:
    # Cached on the device while they do not change: streaming calls a few rows
    # at a time, where moving each scalar costs more than the step.
    return jax.device_put(_typed_params(rule, values, np.float32))


@lru_cache(maxsize=64)
def _host_params(rule: str, values: tuple) -> dyn.Params:
    return _typed_params(rule, values, np.float32)
