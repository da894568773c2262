"""The scikit-learn estimator: :class:`STDPTransformer`."""

from __future__ import annotations

import operator
import sys
import time
import warnings
from numbers import Integral, Real

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _dynamics as dyn
from . import _neurons as neurons
from . import _numba
from ._encoding import block_sizes, nonzeros_per_row, row_seeds, to_dense, to_events
from ._rules import RULES
from .sources import container_hint

#: What each ``"auto"`` parameter resolves to: (sample mode, stream mode). In
#: stream mode the threshold is relative to the input (see ``relative_threshold``);
#: its absolute part is then only a small floor, so that silence never fires.
#: ``trace_decay_post`` takes its own stream value only when ``trace_decay`` is
#: "auto" too; otherwise it is ``trace_decay`` (see ``_mode_value``). The stream
#: value of ``leak`` is the shortest membrane time constant: with ``threshold``
#: "auto" too, the leak follows the input rate from there (``_neurons.membrane_leak``).
AUTO = {
    "A_minus": (0.00525, 0.00425),
    "threshold": (1.0, 1e-3),
    "leak": (0.8, 0.9),
    "trace_decay": (0.95, 0.9),
    "trace_decay_post": (None, 0.95),
    "theta_plus": (0.03, 0.01),
    "theta_decay": (1.0, 0.9999),
    "max_iter": (3, 1),
}

#: ``max_input="auto"`` with the direct code: (sample mode, stream mode). In stream
#: mode a value is one channel's spike count in one bin; larger values were measured
#: to silence a learned layer's read-out for seconds of stream. In sample mode,
#: where learning normalises each neuron's weights after every sample, a value
#: up to this bound (in a corrupted row) left the learned features unchanged.
MAX_INPUT = (1e6, 100.0)

#: Mean input density at or below which ``kernel="auto"`` picks the event kernel
#: (JAX kernels, when the numba kernel is not used).
EVENT_DENSITY = 0.15

#: Output spikes per step (at least 8, or this fraction of the neurons) above
#: which ``kernel="auto"`` prefers the dense JAX kernel to the event kernel,
#: whatever the input density (784 -> 400, 5% input: the event kernel is twice
#: as fast at 17 spikes per step, 0.7x the dense kernel's speed at 45).
EVENT_MAX_SPIKES = 1 / 16


def _is_auto(value) -> bool:
    return isinstance(value, str) and value == "auto"


class STDPTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Unsupervised features learned by spike-timing-dependent plasticity.

    One layer of ``n_neurons`` leaky integrate-and-fire neurons, fully
    connected to the inputs by non-negative weights that learn with a
    trace-based STDP rule. Competition between the neurons, adaptive
    thresholds and weight normalisation make different neurons learn
    different input patterns; ``transform`` returns how often each neuron
    fires, a feature vector for a downstream classifier.

    Each time step with input vector ``x``::

        trace_pre  <- trace_decay * trace_pre + x
        v          <- leak * v + W @ x
        s          <- v >= threshold + theta        (then competition;
                                                 see threshold="auto")
        v          <- where(s, v_reset, v)
        trace_post <- trace_decay_post * trace_post + s
        W          <- clip(W + learning_rate * (A_plus * outer(s, trace_pre)
                                             - A_minus * outer(trace_post, x)),
                       w_min, w_max)
        theta      <- theta_decay * theta + theta_plus * s

    Read the user guide for the meaning of rows (samples or time bins), the
    encodings, and how to reproduce the plain rule exactly.

    Parameters
    ----------
    n_neurons : int, default=400
        Number of output neurons (features). More neurons learn more
        prototypes, at a cost linear in ``n_neurons``.
    A_plus : float, default=0.005
        Potentiation amplitude: a post-synaptic spike adds ``A_plus`` times
        the pre-synaptic trace.
    A_minus : float or "auto", default="auto"
        Depression amplitude: a pre-synaptic input subtracts ``A_minus`` times
        the post-synaptic trace. ``"auto"``: 0.00525 in sample mode, slightly
        above ``A_plus`` as in the seed rule, so that unstructured activity
        depresses on balance; 0.00425 in stream mode (0.85 ``A_plus``), where
        the depression window is twice as long (``trace_decay_post``):
        uncorrelated input then depresses 1.7 times as much as it potentiates,
        the proportions of Masquelier, Guyonneau & Thorpe (2008).
    learning_rate : float, default=2.0
        Global multiplier of both amplitudes. The seed rule used 0.01; with
        competition only one neuron learns per step, and the default lets a
        few passes over a thousand samples settle the prototypes (see the
        user guide, *Choosing parameters*).
    w_min, w_max : float, default=0.0, 1.0
        Bounds of every weight, enforced after each update. Initial weights
        are clipped to them too.
    threshold : float or "auto", default="auto"
        Firing threshold of the membrane potential (before adaptation). A
        number (positive, above ``v_reset``) is used as it is, in both modes.
        In stream mode, whether it is ``"auto"`` or a number is fixed once the
        layer is fitted. ``"auto"`` is 1.0 in sample
        mode; in stream mode the threshold is relative to the input: a neuron
        fires at ``(relative_threshold + theta) * V + threshold_noise *
        sqrt(w_max * V)``, where ``V`` is the mean membrane potential the
        recent input produces in the layer (the running mean of the input
        current over about ``threshold_window`` bins, averaged over the
        neurons, divided by ``1 - leak``). It so follows the channel count
        and rates of the stream, not what one neuron has learned.
    relative_threshold : float, default=1.0
        Threshold in units of the mean potential ``V`` (stream mode,
        ``threshold="auto"``).
    threshold_noise : float, default=0.5
        Extra margin of a relative threshold, in standard deviations of
        Poisson input of mean ``V`` (stream mode, ``threshold="auto"``).
    threshold_window : int, default=10000
        Bins over which the running mean input of a relative threshold (and
        of a calibrated leak) is averaged (10 s of 1 ms bins).
    membrane_spikes : float, default=35.0
        Input spikes a membrane time constant holds on average, in stream
        mode with ``leak="auto"`` and ``threshold="auto"`` (see ``leak``).
    v_reset : float, default=0.0
        Membrane potential after a spike; below the threshold.
    leak : float or "auto", default="auto"
        Factor applied to the membrane potential each step (1 = no leak).
        ``"auto"``: 0.8 in sample mode, where it makes the spike count follow
        the match between input and weights closely; 0.9 in stream mode (a
        membrane time constant of 10 bins, which integrates the coincident
        spikes of a pattern at 1 ms bins). In stream mode with
        ``threshold="auto"`` too, the leak follows the input: the time
        constant ``1 / (1 - leak)`` is the number of bins in which the layer
        receives ``membrane_spikes`` input spikes (the running mean over
        about ``threshold_window`` bins), at least 10 bins and at most 100
        (leak from 0.9 to 0.99). With the default ``membrane_spikes``, input
        of fewer than 3.5 spikes per bin is so
        integrated over longer stretches, where 10 bins would hold too few
        spikes to tell a pattern from chance coincidences; denser input keeps
        0.9. The leak in use is frozen in :meth:`transform` like the
        thresholds, and read from ``leak_``.
    trace_decay : float or "auto", default="auto"
        Factor applied to the pre-synaptic trace each step (and to the
        post-synaptic one unless ``trace_decay_post`` is set): the
        potentiation window. ``"auto"``: 0.95 in sample mode; 0.9 in stream
        mode (a 10-bin window at 1 ms bins, as long as the membrane's), which
        ties potentiation to the few bins before a spike.
    trace_decay_post : float or "auto", default="auto"
        Factor applied to the post-synaptic trace each step: the depression
        window. ``"auto"``: the value of ``trace_decay`` (one window for both
        traces, as in the seed rule), except in stream mode with
        ``trace_decay="auto"``, where it is 0.95: a 20-bin depression
        window, twice the potentiation window, as in Masquelier, Guyonneau &
        Thorpe (2008), which makes input that is not part of a repeating
        pattern lose its weight.
    rule : {"pair", "triplet"}, default="pair"
        The plasticity rule. ``"pair"`` is the rule above. ``"triplet"`` is
        the minimal triplet rule of Pfister & Gerstner (2006): potentiation
        grows with a slow post-synaptic trace, ``A_plus + A3_plus *
        trace_slow``, so that pairings repeated at a high rate potentiate
        where the pair rule depresses. The user guide gives its equations.
    A3_plus : float, default=0.0062
        Triplet potentiation amplitude (``rule="triplet"`` only). The
        default is the value Pfister & Gerstner (2006) fitted to visual
        cortex data for their minimal model.
    trace_decay_slow : float, default=0.992
        Factor applied to the slow post-synaptic trace each step
        (``rule="triplet"`` only): ``exp(-1 / 125)``, the fitted 125 ms
        time constant of Pfister & Gerstner (2006) with 1 ms steps.
    n_steps : int, default=20
        Time steps each sample is presented for (``stream=False``). Ignored in
        stream mode, where each row is one step.
    encoding : {"direct", "poisson"}, default="direct"
        ``"direct"`` feeds the values as given at every step (0/1 spikes or
        graded input currents); ``"poisson"`` treats values in [0, 1] as
        per-step firing probabilities, drawn from ``random_state``. The
        direct code is the default: it is deterministic and cheaper.
    stream : bool, default=False
        If False, each row of X is an independent sample presented for
        ``n_steps`` steps from rest. If True, the rows are consecutive time
        bins of one spike train and the state carries over from row to row
        and from one :meth:`partial_fit` call to the next.
    competition : {"wta", "lateral"} or None, default="wta"
        ``"wta"``: at most one neuron (the one furthest above its threshold)
        fires per step, and its spike resets every membrane. ``"lateral"``:
        each spike lowers every other neuron's membrane by ``inhibition``.
        None: neurons are independent, as in the seed rule.
    inhibition : float, default=1.0
        Strength of lateral inhibition with ``competition="lateral"``.
    transform_competition : bool, default=False
        Whether ``competition`` also acts in :meth:`transform` and
        :meth:`predict`. Competition is what makes the neurons learn
        different prototypes, but at read-out time it hides all but the best
        match: with it, a sample's features are nearly one-hot. Without it
        (the default), every neuron counts its own spikes with its frozen
        weights (see ``readout``), a graded similarity to each learned prototype
        that a linear classifier reads far better.
    readout : {"auto", "cosine", "rate", "lif"}, default="auto"
        The neurons whose spikes :meth:`transform` and :meth:`predict`
        count, in sample mode. ``"lif"``: the learning neurons themselves
        (leak, reset to ``v_reset``); their count saturates after a few
        spikes and is zero below ``1 - leak`` times the threshold.
        ``"rate"``: rate-coding twins with the same weights and thresholds
        but no leak, reset by subtracting the threshold, and an input
        reduced by ``readout_inhibition`` times the layer's mean input
        current (feedforward inhibition): a neuron's count grows in
        proportion to how much better its prototype matches the sample
        than the average prototype does, in ``n_steps`` levels.
        ``"cosine"``: the same twins with divisive normalisation of their
        input: each neuron's current is divided by the norm of the sample
        and by that of its weights, so that it is the cosine similarity
        between the sample and the prototype, and the twins fire at
        ``readout_threshold`` instead of the learned thresholds. The count
        then depends on the shape of the match, not on the sample's
        intensity or on how often the neuron won during learning.
        ``"auto"``: ``"cosine"`` in sample mode without
        ``transform_competition``, ``"lif"`` otherwise (in stream mode the
        output is the learning neurons' spikes).
    readout_inhibition : float or "auto", default="auto"
        Share of the layer's mean input current subtracted from each
        neuron's input in the ``"cosine"`` and ``"rate"`` read-outs.
        ``"auto"``: 0.8 for ``"cosine"``, 0.5 for ``"rate"``.
    readout_threshold : float, default=0.2
        Firing threshold of the ``"cosine"`` read-out's twins, in units of
        cosine similarity: a neuron whose similarity exceeds the inhibition
        by ``readout_threshold`` fires at every step.
    readout_floor : float or None, default=2.5
        Stream mode with ``threshold="auto"``: the lowest threshold at which
        a neuron fires in :meth:`transform` and :meth:`predict`, in standard
        deviations above its mean potential under unstructured input, input
        in which each channel keeps its running mean and variance but fires
        independently (see ``readout_thresholds_``). A neuron whose learned
        threshold is lower fires at the floor instead, which keeps chance
        coincidences from passing for a pattern on sparse or uneven input;
        learning is unaffected. None switches it off; ignored in other
        configurations.
    theta_plus : float or "auto", default="auto"
        Rise of a neuron's adaptive threshold at each of its spikes
        (homeostasis: neurons that win often become harder to excite, so
        that all neurons get to learn). 0 switches homeostasis off.
        ``"auto"``: 0.03 in sample mode; 0.01 in stream mode, where it is in
        units of the mean potential (relative threshold) and must let a
        neuron fire at every occurrence of a frequent pattern.
    theta_decay : float or "auto", default="auto"
        Factor applied to the adaptive thresholds each step. ``"auto"``: 1.0
        in sample mode (thresholds kept for good, as in Diehl & Cook 2015);
        0.9999 in stream mode, so that over a long stream the thresholds
        settle instead of rising until the layer falls silent.
    weight_norm : float or None, default=0.1
        Mean incoming weight each neuron is rescaled to (its weights then sum
        to ``weight_norm * n_features_in_``), after each sample in sample mode
        and after each step in stream mode. None switches normalisation off.
    init : {"uniform"} or array-like of shape (n_neurons, n_features), default="uniform"
        Initial weights. ``"uniform"`` draws them uniformly in
        ``[w_min, w_max]`` (then normalised if ``weight_norm`` is set).
    max_iter : int or "auto", default="auto"
        Passes over X in :meth:`fit`. ``"auto"``: 3 in sample mode; 1 in
        stream mode, where a recording is one pass of time and ``fit`` then
        equals :meth:`partial_fit` over any chunking.
    shuffle : bool, default=True
        Present the samples in a new random order each pass (sample mode
        only; stream mode keeps time order).
    kernel : {"auto", "numba", "dense", "event"}, default="auto"
        How learning is computed; every kernel computes the same rule and
        they may differ in the last bits of rounding. ``"numba"``: fused CPU
        kernels compiled with numba, one call per block of rows, touching
        only weights whose update is non-zero (in sample mode, only the
        columns of neurons that fired during the presentation); CPU only;
        the pair rule with the direct code (fixed thresholds, or the
        relative ones of ``threshold="auto"`` in stream mode).
        ``"dense"`` (JAX) touches every weight at every step; ``"event"``
        (JAX) only the weights of active inputs and spiking neurons.
        ``"auto"`` picks ``"numba"`` where it applies and numba is
        installed, otherwise ``"event"`` when the first data seen has a mean
        density of at most 15% and the initial weights make at most 8 (or
        ``n_neurons / 16``) neurons fire per step on its first rows, else
        ``"dense"``. Elsewhere ``"numba"`` falls back to the JAX kernels
        with a warning.
    max_input : float or "auto", default="auto"
        The largest value X may hold. A value above it, or a NaN, an infinity
        or (except in sample-mode :meth:`transform`) a negative value, cannot
        be a spike count, a rate or an intensity: the call raises a
        ``ValueError`` naming its row, its column and the bound, and the
        estimator stays exactly as it was, so that one corrupted packet never
        costs what the layer learned. ``"auto"``: 1 with
        ``encoding="poisson"`` (probabilities); with the direct code, 100 in
        stream mode (a channel's spike count in one bin) and 1e6 in sample
        mode (intensities, expected in [0, 1]: :meth:`fit` warns once when X
        goes beyond 1). ``np.inf`` accepts any finite value.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the sample order and the rate code.
    verbose : int, default=0
        1 prints one line per pass (time, spikes per neuron, weight
        statistics) and shows a progress bar during passes longer than 2 s;
        2 shows the bar for every pass.

    Attributes
    ----------
    components_ : ndarray of shape (n_neurons, n_features_in_)
        Learned weights, one row per neuron (its receptive field).
    theta_ : ndarray of shape (n_neurons,)
        Adaptive threshold offsets; a neuron fires at ``threshold + theta_``.
    v_ : ndarray of shape (n_neurons,)
        Membrane potentials (stream mode: where the next row starts from;
        sample mode: always at rest).
    readout_thresholds_ : ndarray of shape (n_neurons,)
        The effective threshold of each neuron in :meth:`transform`: its
        learned threshold, or ``readout_floor`` where that is higher (stream
        mode with ``threshold="auto"``). In sample mode with the ``"cosine"``
        read-out, ``readout_threshold``.
    trace_pre_ : ndarray of shape (n_features_in_,)
        Pre-synaptic traces (stream mode state).
    trace_post_ : ndarray of shape (n_neurons,)
        Post-synaptic traces (stream mode state).
    kernel_ : str
        The kernel in use: ``"numba"``, ``"dense"`` or ``"event"``.
    leak_ : float
        The leak in use: ``leak`` resolved for the mode, or the value
        calibrated to the input so far (stream mode, ``leak="auto"`` and
        ``threshold="auto"``).
    n_iter_ : int
        Passes over the data completed by the last :meth:`fit`.
    n_samples_seen_ : int
        Rows consumed since the last :meth:`fit` (all passes and
        :meth:`partial_fit` calls).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.neural_network.BernoulliRBM : Another unsupervised feature learner.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stdp import STDPTransformer
    >>> X = np.random.default_rng(0).random((50, 16))
    >>> stdp = STDPTransformer(n_neurons=8, max_iter=1, random_state=0).fit(X)
    >>> stdp.components_.shape
    (8, 16)
    >>> stdp.transform(X[:3]).shape
    (3, 8)
    """

    _parameter_constraints: dict = {
        "n_neurons": [Interval(Integral, 1, None, closed="left")],
        "A_plus": [Interval(Real, 0, None, closed="left")],
        "A_minus": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "learning_rate": [Interval(Real, 0, None, closed="left")],
        "w_min": [Interval(Real, None, None, closed="neither")],
        "w_max": [Interval(Real, None, None, closed="neither")],
        "threshold": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "relative_threshold": [Interval(Real, 0, None, closed="left")],
        "threshold_window": [Interval(Integral, 1, None, closed="left")],
        "threshold_noise": [Interval(Real, 0, None, closed="left")],
        "membrane_spikes": [Interval(Real, 0, None, closed="neither")],
        "v_reset": [Interval(Real, None, None, closed="neither")],
        "leak": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "trace_decay": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "trace_decay_post": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "rule": [StrOptions(set(RULES))],
        "A3_plus": [Interval(Real, 0, None, closed="left")],
        "trace_decay_slow": [Interval(Real, 0, 1, closed="both")],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "encoding": [StrOptions({"direct", "poisson"})],
        "stream": ["boolean"],
        "competition": [StrOptions({"wta", "lateral"}), None],
        "inhibition": [Interval(Real, 0, None, closed="left")],
        "transform_competition": ["boolean"],
        "readout": [StrOptions({"auto", "cosine", "rate", "lif"})],
        "readout_inhibition": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "readout_threshold": [Interval(Real, 0, None, closed="neither")],
        "readout_floor": [Interval(Real, 0, None, closed="left"), None],
        "theta_plus": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "theta_decay": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "weight_norm": [Interval(Real, 0, None, closed="neither"), None],
        "init": [StrOptions({"uniform"}), "array-like"],
        "max_iter": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "shuffle": ["boolean"],
        "kernel": [StrOptions({"auto", "dense", "event", "numba"})],
        "max_input": [Interval(Real, 0, None, closed="right"), StrOptions({"auto"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_neurons: int = 400,
        *,
        A_plus: float = 0.005,
        A_minus: float | str = "auto",
        learning_rate: float = 2.0,
        w_min: float = 0.0,
        w_max: float = 1.0,
        threshold: float | str = "auto",
        relative_threshold: float = 1.0,
        threshold_noise: float = 0.5,
        threshold_window: int = 10_000,
        membrane_spikes: float = 35.0,
        v_reset: float = 0.0,
        leak: float | str = "auto",
        trace_decay: float | str = "auto",
        trace_decay_post: float | str = "auto",
        rule: str = "pair",
        A3_plus: float = 0.0062,
        trace_decay_slow: float = 0.992,
        n_steps: int = 20,
        encoding: str = "direct",
        stream: bool = False,
        competition: str | None = "wta",
        inhibition: float = 1.0,
        transform_competition: bool = False,
        readout: str = "auto",
        readout_inhibition: float | str = "auto",
        readout_threshold: float = 0.2,
        readout_floor: float | None = 2.5,
        theta_plus: float | str = "auto",
        theta_decay: float | str = "auto",
        weight_norm: float | None = 0.1,
        init="uniform",
        max_iter: int | str = "auto",
        shuffle: bool = True,
        kernel: str = "auto",
        max_input: float | str = "auto",
        random_state=None,
        verbose: int = 0,
    ):
        self.n_neurons = n_neurons
        self.A_plus = A_plus
        self.A_minus = A_minus
        self.learning_rate = learning_rate
        self.w_min = w_min
        self.w_max = w_max
        self.threshold = threshold
        self.relative_threshold = relative_threshold
        self.threshold_noise = threshold_noise
        self.threshold_window = threshold_window
        self.membrane_spikes = membrane_spikes
        self.v_reset = v_reset
        self.leak = leak
        self.trace_decay = trace_decay
        self.trace_decay_post = trace_decay_post
        self.rule = rule
        self.A3_plus = A3_plus
        self.trace_decay_slow = trace_decay_slow
        self.n_steps = n_steps
        self.encoding = encoding
        self.stream = stream
        self.competition = competition
        self.inhibition = inhibition
        self.transform_competition = transform_competition
        self.readout = readout
        self.readout_inhibition = readout_inhibition
        self.readout_threshold = readout_threshold
        self.readout_floor = readout_floor
        self.theta_plus = theta_plus
        self.theta_decay = theta_decay
        self.weight_norm = weight_norm
        self.init = init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.kernel = kernel
        self.max_input = max_input
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------
    # Fitted state: held as JAX arrays while the estimator is in use,
    # exposed (and pickled) as numpy arrays.
    # ------------------------------------------------------------------
    def _numpy_state(self) -> dyn.LayerState:
        check_is_fitted(self, "n_features_in_")
        return jax.tree_util.tree_map(np.asarray, self._state)

    @property
    def components_(self) -> np.ndarray:
        return np.array(self._numpy_state().weights.T)

    @property
    def theta_(self) -> np.ndarray:
        return np.array(self._numpy_state().neuron.theta)

    @property
    def v_(self) -> np.ndarray:
        return np.array(self._numpy_state().neuron.v)

    @property
    def leak_(self) -> float:
        state = self._numpy_state()
        params = self._params(self.n_features_in_).neuron
        return float(neurons.membrane_leak(state.neuron, params, self._calibrated_leak()))

    @property
    def readout_thresholds_(self) -> np.ndarray:
        state = jax.tree_util.tree_map(jnp.asarray, self._numpy_state())
        params = self._frozen_params(state.neuron)
        return np.array(self._readout_thresholds(state.weights, state.neuron, params))

    @property
    def trace_pre_(self) -> np.ndarray:
        return np.array(self._numpy_state().plasticity.trace_pre)

    @property
    def trace_post_(self) -> np.ndarray:
        return np.array(self._numpy_state().plasticity.trace_post)

    def __getstate__(self):
        state = self.__dict__.copy()
        if "_state" in state:
            state["_state"] = jax.tree_util.tree_map(np.array, state["_state"])
        return state

    @property
    def _n_features_out(self) -> int:
        return self._n_fitted_neurons()

    def _n_fitted_neurons(self) -> int:
        """Width of the output: the fitted weights', whatever ``n_neurons`` says now."""
        if not hasattr(self, "_state"):
            check_is_fitted(self, "n_features_in_")  # raises NotFittedError
        return int(self._state.weights.shape[1])

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------
    def _mode_value(self, name: str):
        """The parameter's value, ``"auto"`` resolved for the mode (see ``AUTO``)."""
        value = getattr(self, name)
        if not _is_auto(value):
            return value
        if name == "trace_decay_post" and not (self.stream and _is_auto(self.trace_decay)):
            return self._mode_value("trace_decay")  # one window for both traces
        return AUTO[name][int(bool(self.stream))]

    def _resolved(self) -> dict:
        """Numeric values of the rule parameters, each ``"auto"`` resolved for the mode."""
        values = {name: self._mode_value(name) for name in self._number_names()
                  if hasattr(self, name)}
        values["stat_decay"] = 1.0 - 1.0 / self.threshold_window
        return values

    def _max_iter(self) -> int:
        return self._mode_value("max_iter")

    def _readout(self) -> str:
        """The read-out neuron, ``"auto"`` resolved (see ``readout``)."""
        if self.readout != "auto":
            return self.readout
        return "lif" if self.stream or self.transform_competition else "cosine"

    def _readout_inhibition(self) -> float:
        """``readout_inhibition``, ``"auto"`` resolved for the read-out."""
        if not _is_auto(self.readout_inhibition):
            return float(self.readout_inhibition)
        return 0.8 if self._readout() == "cosine" else 0.5

    def _readout_floor(self) -> float | None:
        """``readout_floor`` where it applies (stream mode, ``threshold="auto"``), else None."""
        return self.readout_floor if self._adaptive() else None

    def _frozen_params(self, neuron: neurons.NeuronState) -> dyn.Params:
        """The layer's numbers with the leak in use, frozen for read-out."""
        params = self._params(self.n_features_in_)
        return params._replace(neuron=dyn.neuron_params(neuron, params.neuron, self._config()))

    def _readout_thresholds(self, weights, neuron: neurons.NeuronState,
                            params: dyn.Params) -> jax.Array:
        """Each neuron's threshold in :meth:`transform` (see ``readout_thresholds_``)."""
        if self._readout() == "cosine" and not self.stream:
            return jnp.full(self._n_fitted_neurons(), self.readout_threshold, jnp.float32)
        return neurons.readout_thresholds(neuron, weights, params.neuron, self._adaptive(),
                                          self._readout_floor())

    def _adaptive(self) -> bool:
        return self.stream and self.threshold == "auto"

    def _calibrated_leak(self) -> bool:
        """Whether the leak follows the input rate (see ``leak``)."""
        return self._adaptive() and _is_auto(self.leak)

    def _check_rule(self) -> None:
        for name in ("n_neurons", "n_steps", "max_iter"):
            if isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(
                    f"{name} must be an int, got {getattr(self, name)!r} (a boolean)."
                )
        for name, value in self._resolved().items():
            if not np.isfinite(value):
                raise ValueError(
                    f"STDPTransformer parameters must be finite; got {name}={value!r}."
                )
        if self.w_min > self.w_max:
            raise ValueError(f"w_min={self.w_min} must not exceed w_max={self.w_max}.")
        threshold = self._mode_value("threshold")
        if not self.v_reset < threshold:
            shown = "" if threshold == self.threshold else f" ({self.threshold!r} resolves to it)"
            raise ValueError(
                f"v_reset={self.v_reset} must be below the threshold, {threshold}{shown}: a "
                "neuron reset at or above its threshold would fire at every step."
            )
        if self.readout in ("cosine", "rate") and (self.stream or self.transform_competition):
            raise ValueError(
                f"readout={self.readout!r} reads out independent samples without "
                "competition; it cannot be used with stream=True or "
                "transform_competition=True."
            )

    def _number_names(self) -> tuple[str, ...]:
        """The estimator parameters the dynamics read (all but the derived weight_total)."""
        return tuple(n for n in dyn.param_names(self.rule) if n != "weight_total")

    def _max_input(self) -> float:
        """The largest value X may hold (``max_input``, ``"auto"`` resolved)."""
        poisson = self.encoding == "poisson"
        if _is_auto(self.max_input):
            return 1.0 if poisson else MAX_INPUT[int(bool(self.stream))]
        return min(float(self.max_input), 1.0) if poisson else float(self.max_input)

    def _validate_X(self, X, *, reset: bool, allow_empty: bool = False, learning: bool = True):
        """X as a float32 array (or CSR matrix), or a ValueError naming what is wrong.

        ``learning=False`` (read-out): in sample mode, negative values (a scaler
        fitted on other rows gives them to held-out rows) are read as zero.
        """
        clip_negative = not learning and not self.stream
        fast = self._validate_fast(X, reset=reset, clip_negative=clip_negative)
        if fast is not None:
            return fast
        hint = container_hint(X)  # spike trains, sortings, event arrays: name the adapter
        if hint is not None:
            raise ValueError(hint)
        X = validate_data(
            self,
            X,
            reset=reset,
            accept_sparse="csr",
            # Float64 input is checked before it becomes float32, the dtype of the
            # dynamics, so that a value beyond float32's range is refused by name.
            dtype=[np.float32, np.float64],
            ensure_all_finite=False,
            ensure_min_samples=0 if allow_empty else 1,
        )
        if X.shape[0] == 0:
            return X.astype(np.float32, copy=False)
        _check_values(X, self._max_input(), self._input_kind(), negative_ok=clip_negative)
        X = X.astype(np.float32, copy=False)
        if clip_negative:
            X = _clip_negative(X)
        return X

    def _input_kind(self) -> str:
        """What a value of X is, in the words of the error messages."""
        if self.encoding == "poisson":
            return ("encoding='poisson' reads values as per-step firing probabilities, "
                    "which must lie in [0, 1]")
        if self.stream:
            return ("in stream mode with encoding='direct' a value is a spike count (or "
                    "graded input) of one channel in one time bin")
        return ("in sample mode with encoding='direct' a value is an input intensity or "
                "current, expected in [0, 1]")

    def _validate_fast(self, X, *, reset: bool, clip_negative: bool) -> np.ndarray | None:
        """X as float32 if it is a plain, valid numpy array for a fitted estimator, else None.

        Streaming calls a few rows at a time, where scikit-learn's general
        validation costs more than the learning. Anything unusual (other
        types, feature names, wrong shape, bad values) returns None and goes
        through the full validation, which raises the informative errors.
        """
        if (
            reset
            or type(X) is not np.ndarray
            or X.ndim != 2
            or X.shape[0] == 0
            or X.shape[1] != getattr(self, "n_features_in_", -1)
            or hasattr(self, "feature_names_in_")
            or X.dtype.kind not in "fiub"
        ):
            return None
        with np.errstate(over="ignore"):  # too large for float32: inf, refused just below
            X = np.asarray(X, dtype=np.float32)
        if X.size and not (
            np.isfinite(X).all() and X.min() >= 0 and X.max() <= self._max_input()
        ):
            return None  # full validation: negatives clipped, or an error naming the value
        return X

    def _warn_unscaled(self, X) -> None:
        """One warning per fit when sample-mode direct input goes beyond [0, 1]."""
        if self.stream or self.encoding != "direct" or X.shape[0] == 0:
            return
        top = float(X.max())
        if top > 1:
            warnings.warn(
                f"X holds values up to {top:g}. In sample mode with encoding='direct' the "
                "default thresholds, amplitudes and weight_norm are set for intensities in "
                "[0, 1]; larger values make every neuron fire at every step and learning "
                "loses most of its accuracy. Scale X into [0, 1], e.g. X / X.max() or a "
                "MinMaxScaler() before this step of the pipeline.",
                UserWarning, stacklevel=3,
            )

    def _params(self, n_features: int) -> dyn.Params:
        """The layer's numbers, filled by name from this estimator's parameters.

        Each ``"auto"`` is resolved for the mode. Cached on the device while
        they do not change: streaming calls a few rows at a time, where
        moving each scalar costs more than the step.
        """
        return dyn.make_params(self.rule, self._values(n_features))

    def _values(self, n_features: int) -> tuple[tuple[str, float], ...]:
        """``(name, value)`` of every number of the layer, ``"auto"`` resolved."""
        values = self._resolved()
        values["weight_total"] = 0.0 if self.weight_norm is None else self.weight_norm * n_features
        return tuple(values.items())

    def _config(self) -> dyn.Config:
        return dyn.Config(
            competition=self.competition,
            encoding=self.encoding,
            kernel=self.kernel_,
            normalize=self.weight_norm is not None,
            adaptive=self._adaptive(),
            calibrated_leak=self._calibrated_leak(),
            post_chunk=min(self._n_fitted_neurons(), 8),
            rule=self.rule,
        )

    def _initial_weights(self, n_features: int, rng: np.random.RandomState) -> np.ndarray:
        if isinstance(self.init, str):
            weights = rng.uniform(self.w_min, self.w_max, (self.n_neurons, n_features))
        else:
            weights = np.asarray(self.init, dtype=np.float64)
            if weights.shape != (self.n_neurons, n_features):
                raise ValueError(
                    f"init has shape {weights.shape}; expected (n_neurons, n_features) = "
                    f"({self.n_neurons}, {n_features})."
                )
            if not np.all(np.isfinite(weights)):
                raise ValueError("init contains NaN or inf.")
            if np.all(weights <= self.w_min):
                warnings.warn(
                    f"every weight of init is at or below w_min={self.w_min}: after clipping "
                    "to [w_min, w_max] all weights are equal and, with w_min=0, the layer "
                    "never fires. Pass non-negative initial weights.",
                    UserWarning, stacklevel=4,
                )
        if self.weight_norm is not None and self.weight_norm >= self.w_max:
            warnings.warn(
                f"weight_norm={self.weight_norm} (the mean weight after normalisation) is not "
                f"below w_max={self.w_max}: that mean cannot be reached, normalisation pushes "
                "the weights to w_max and the neurons become alike (identical once every "
                "weight is there). Use a weight_norm well below w_max.",
                UserWarning, stacklevel=4,
            )
        weights = np.clip(weights, self.w_min, self.w_max).T.astype(np.float32)  # input-major
        if self.weight_norm is not None:
            weights = dyn.normalize_weights(weights, self._params(n_features).bounds)
        return np.ascontiguousarray(weights, dtype=np.float32)

    def _numba_supported(self) -> bool:
        """Whether the fused numba kernels implement this configuration."""
        return (
            _numba.AVAILABLE
            and self.rule == "pair"
            and self.encoding == "direct"
        )

    def _choose_kernel(self, X, weights: np.ndarray) -> str:
        """The kernel for this fit: as asked, or for "auto" the fastest that applies.

        The fused numba kernel, when it applies, is never slower than the JAX
        ones on the CPU: it chooses per step between touching only the active
        inputs and spiking neurons or every weight. Otherwise (numba missing,
        or a rule it does not implement) the JAX event kernel is picked for
        sparse input unless the initial weights make many neurons fire per
        step on the first rows.
        """
        if self.kernel in ("auto", "numba") and self._numba_supported():
            return "numba"
        if self.kernel == "numba":
            warnings.warn(
                "kernel='numba' is not available for this estimator (numba is not installed, "
                "or the numba kernels do not implement this configuration: the pair rule with "
                "the direct code); using the JAX kernels.",
                UserWarning, stacklevel=3,
            )
        elif self.kernel != "auto":
            return self.kernel
        density = nonzeros_per_row(X).mean() / X.shape[1]
        if density > EVENT_DENSITY:
            return "dense"
        if self._adaptive():  # thresholds that follow the input: no estimate from rest
            return "event"
        most = max(8.0, EVENT_MAX_SPIKES * self.n_neurons)
        return "event" if self._spikes_per_step(X[:256], weights) <= most else "dense"

    def _spikes_per_step(self, X, weights: np.ndarray) -> float:
        """Mean output spikes per step of the initial weights on a few rows (no learning)."""
        rows = to_dense(X)
        params = self._params(X.shape[1])
        theta = jnp.zeros(self.n_neurons, jnp.float32)
        threshold = params.neuron.threshold + theta
        seed = np.uint32(self._seed)
        if self.stream:
            _, spikes = dyn.respond_stream(
                weights, threshold, theta, rows, np.uint32(0), params, seed,
                competition=self.competition, encoding=self.encoding,
            )
            return float(np.asarray(spikes).sum(axis=1).mean())
        counts = dyn.respond_samples(
            weights, threshold, rows, row_seeds(rows), params, seed,
            competition=self.competition, encoding=self.encoding, n_steps=self.n_steps,
        )
        return float(np.asarray(counts).sum(axis=1).mean()) / self.n_steps

    def _begin(self, X) -> None:
        """Set up a fresh state for ``X`` (validated) and choose the kernel."""
        rng = check_random_state(self.random_state)
        self._seed = int(rng.randint(np.iinfo(np.int32).max))
        n_features = X.shape[1]
        weights = self._initial_weights(n_features, rng)
        self.kernel_ = self._choose_kernel(X, weights)
        self._clean = None  # numba kernel: columns found normalised
        self._state = dyn.init(weights, self.rule)
        self._fixed = self._fixed_params()
        self.n_samples_seen_ = 0
        self.n_iter_ = 0
        self._event_slots = 0  # width of the event lists: grows, never shrinks

    # ------------------------------------------------------------------
    # Learning
    # ------------------------------------------------------------------
    def _learn(self, X, order=None, progress=None, wait: bool = True) -> np.ndarray | None:
        """One pass over the rows of X (in ``order``), committing after each block.

        Returns the spike count of each neuron over the pass, or None with
        ``wait=False``: then the last block may still be running when this
        returns (JAX dispatches asynchronously), which lets a caller feeding a
        few rows at a time prepare the next chunk meanwhile. Within a pass,
        each block waits for the previous one: one block of input in flight,
        so memory stays flat however long X is.
        """
        config = self._config()
        values = self._values(X.shape[1])
        params = dyn.make_params(self.rule, values)
        seed = np.uint32(self._seed)
        counts = np.zeros(self._n_fitted_neurons())
        in_flight = None  # (spike counts, rows) of the block dispatched last
        # Sparse blocks are densified into two alternating buffers per block
        # shape: JAX may hold a block's host array until some time after its
        # step finished, so allocating a new one per block could keep a third
        # block alive; a buffer is rewritten only after its block has settled.
        buffers: dict = {}

        def settle():
            block_counts, n_rows = in_flight
            np.add(counts, block_counts, out=counts)  # waits for the block
            if progress is not None:
                progress.update(n_rows)

        for k, (start, stop) in enumerate(block_sizes(X.shape[0])):
            if in_flight is not None:
                settle()
            block = X[start:stop] if order is None else X[order[start:stop]]
            if config.kernel == "numba":
                block_counts = self._learn_block_numba(block, config, values)
            else:
                block_counts = self._learn_block_jax(block, k % 2, config, params, seed, buffers)
            self.n_samples_seen_ += stop - start
            in_flight = (block_counts, stop - start)
        if not wait:
            return None
        settle()
        return counts

    def _learn_block_jax(self, block, parity: int, config, params, seed, buffers: dict):
        """Dispatch one block to the compiled JAX driver; returns its (pending) spike counts."""
        if config.kernel == "event":
            rows = to_events(block, min_slots=self._event_slots)
            self._event_slots = rows[0].shape[1]
        elif sp.issparse(block):
            key = (block.shape, parity)
            if key not in buffers:
                buffers[key] = np.empty(block.shape, np.float32)
            rows = to_dense(block, out=buffers[key])
        else:
            rows = to_dense(block)
        first = np.uint32(self.n_samples_seen_ % 2**32)
        self._state, block_counts = dyn.learn(
            self._state, rows, first, params, seed, config=config,
            n_steps=1 if self.stream else self.n_steps, from_rest=not self.stream,
        )
        return block_counts

    def _learn_block_numba(self, block, config, values: tuple) -> np.ndarray:
        """One block through the fused numba kernel, which updates the state in place.

        ``values``: the layer's numbers by name (:meth:`_values`).
        """
        leaves = jax.tree_util.tree_leaves(self._state)
        if not all(isinstance(a, np.ndarray) and a.flags.writeable for a in leaves):
            self._state = jax.tree_util.tree_map(lambda a: np.array(a, np.float32), self._state)
        st = self._state
        neuron = st.neuron
        stats = np.array([neuron.drive, neuron.drive_weight, neuron.input_rate], np.float32)
        state = _numba.KernelState(
            weights=st.weights, theta=neuron.theta, v=neuron.v,
            trace_pre=st.plasticity.trace_pre, trace_post=st.plasticity.trace_post,
            stats=stats, input_mean=neuron.input_mean, input_power=neuron.input_power,
        )
        rule = _numba.pack_values(values)
        values = dict(values)
        # Flags of columns found normalised, valid for one total and one pair of bounds
        # (set_params may change them between partial_fit calls).
        norm = tuple(float(values[k]) for k in ("weight_total", "w_min", "w_max"))
        if getattr(self, "_clean", None) is None or self._clean_norm != norm:
            self._clean, self._clean_norm = np.zeros(state.theta.shape[0], bool), norm
        counts = _numba.learn_block(
            state, self._clean, block, rule,
            stream=self.stream, n_steps=self.n_steps, competition=config.competition,
            normalize=config.normalize, adaptive=config.adaptive,
            calibrated=config.calibrated_leak,
        )
        drive, drive_weight, input_rate = (stats[k:k + 1].reshape(()) for k in range(3))
        self._state = st._replace(neuron=neuron._replace(
            drive=drive, drive_weight=drive_weight, input_rate=input_rate))
        return counts

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> STDPTransformer:
        """Learn the weights from X by unsupervised STDP.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Non-negative input: samples (``stream=False``) or consecutive
            time bins (``stream=True``).
        y : None
            Ignored.

        Returns
        -------
        self : STDPTransformer
            The fitted estimator.

        Notes
        -----
        An interrupt (Ctrl-C, :class:`KeyboardInterrupt`) or any other
        exception is re-raised after the estimator is put back in a
        consistent state: as it was before this call if no pass over X was
        complete (bad input included), otherwise as at the end of the last
        complete pass (``n_iter_`` passes), never in the middle of one.
        """
        self._check_rule()
        with _Rollback(self) as rollback:
            X = self._validate_X(X, reset=True)
            self._warn_unscaled(X)
            self._begin(X)
            rng = np.random.default_rng(self._seed)
            for epoch in range(self._max_iter()):
                started = time.perf_counter()
                order = None
                if self.shuffle and not self.stream:
                    order = rng.permutation(X.shape[0])
                with self._progress(X.shape[0], epoch) as progress:
                    counts = self._learn(X, order, progress)
                self.n_iter_ = epoch + 1
                # JAX arrays are immutable (and not donated): the saved state is a snapshot.
                rollback.commit()
                if self.verbose:
                    self._report(epoch, counts, X.shape[0], time.perf_counter() - started)
        self._checked_params = self._param_values()  # validated by _fit_context
        return self

    def partial_fit(self, X, y=None) -> STDPTransformer:
        """Learn from one more chunk of rows, continuing from the current state.

        In stream mode the rows continue the spike train of earlier calls:
        membranes, traces and thresholds carry over. Whatever the chunking,
        the result equals one :meth:`fit` with ``shuffle=False`` and
        ``max_iter=1`` over all the rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_rows, n_features)
            The next rows.
        y : None
            Ignored.

        Returns
        -------
        self : STDPTransformer
            The estimator.

        Raises
        ------
        ValueError
            Bad rows (see ``max_input``), or a parameter changed with
            ``set_params`` that the fitted layer cannot take: ``n_neurons``,
            ``stream``, ``rule``, ``encoding`` and, in stream mode, a switch
            between ``threshold="auto"`` and a number. The estimator is left
            exactly as it was.
        """
        checked = self._check_params()
        if not hasattr(self, "_state"):
            if _n_rows(X) == 0:  # nothing to learn, and nothing to size the layer by
                return self
            with _Rollback(self):  # bad input: stay unfitted (no stray n_features_in_)
                X = self._validate_X(X, reset=True)
                self._warn_unscaled(X)
                self._begin(X)
        else:
            X = self._validate_X(X, reset=False, allow_empty=True)
            if X.shape[0] == 0:  # live sources often close no bin between two reads
                return self
        self._learn(X, wait=False)
        self._checked_params = checked
        return self

    def _check_params(self) -> tuple:
        """Validate the current parameters, as set_params may have changed them.

        Returns the parameter values checked, which the caller keeps once the
        call succeeded: the check is skipped while no parameter object has
        changed since, which keeps one-row calls cheap.
        """
        current = self._param_values()
        last = getattr(self, "_checked_params", None)
        if last is not None and all(map(operator.is_, current, last)):
            return current
        self._validate_params()
        self._check_rule()
        if hasattr(self, "_state"):
            self._check_fixed_params()
        return current

    def _param_values(self) -> tuple:
        return tuple(self.__dict__.get(name) for name in self._parameter_constraints)

    def _fixed_params(self) -> dict:
        """The parameters the fitted state depends on, with what each one decides."""
        fixed = {
            "n_neurons": (self.n_neurons, "one row of weights per neuron"),
            "stream": (bool(self.stream), "rows as samples or as time bins, and the "
                                          "meaning of every 'auto' parameter"),
            "rule": (self.rule, "the traces the rule keeps"),
            "encoding": (self.encoding, "how the layer's kernel reads X"),
        }
        if self.stream:  # theta_ is in units of the mean potential when relative
            kind = "relative" if _is_auto(self.threshold) else "absolute"
            fixed["threshold"] = (kind, "thresholds relative to the input or absolute, "
                                        "the unit of theta_")
        return fixed

    def _check_fixed_params(self) -> None:
        """Refuse a change of a parameter the fitted layer cannot take."""
        for name, (value, meaning) in self._fixed_params().items():
            fitted = self._fixed.get(name, (value,))[0]
            if value != fitted:
                raise ValueError(
                    f"{name}={getattr(self, name)!r} does not match the fitted layer "
                    f"({name} was {fitted!r} when it was fitted: {meaning}); a fitted layer "
                    f"cannot take this change. Set {name} back, or call fit to start a new "
                    "layer."
                )

    def reset_state(self) -> STDPTransformer:
        """Return membranes and traces to rest, keeping weights and thresholds.

        Use it between independent recordings in stream mode.

        Returns
        -------
        self : STDPTransformer
            The estimator.
        """
        check_is_fitted(self, "n_features_in_")
        self._state = dyn.rest(jax.tree_util.tree_map(jnp.asarray, self._state))
        return self

    def _progress(self, n_rows: int, epoch: int):
        """A progress display over the rows of one pass (tqdm), or a no-op.

        ``verbose=1``: a bar appears only when a pass lasts over 2 s and
        output goes to a terminal or a notebook; it is cleared at the end of the pass.
        ``verbose>=2``: progress for every pass, kept: a bar on a terminal or
        in a notebook, otherwise (a log file, a pipe) plain lines at most
        every 10 s, with no carriage returns.
        """
        if not self.verbose:
            return _NoProgress()
        import tqdm.auto
        import tqdm.notebook

        interactive = issubclass(tqdm.auto.tqdm, tqdm.notebook.tqdm) or sys.stderr.isatty()
        always = self.verbose >= 2
        if not (always or interactive):
            return _NoProgress()
        return tqdm.auto.tqdm(
            total=n_rows,
            desc=f"epoch {epoch + 1}/{self._max_iter()}",
            unit="row",
            delay=0 if always else 2.0,
            leave=always,
            disable=False if always else None,
            mininterval=0.5 if interactive else 10.0,
            file=None if interactive else _Lines(sys.stderr),
            dynamic_ncols=False,
            ncols=None if interactive else 100,
        )

    def _report(self, epoch: int, counts: np.ndarray, n_rows: int, seconds: float) -> None:
        weights = self._numpy_state().weights
        per = "bin" if self.stream else "sample"
        print(
            f"[{type(self).__name__}] Iteration {epoch + 1}, "
            f"spikes per neuron per {per} = {counts.mean() / max(n_rows, 1):.3f}, "
            f"silent neurons = {int(np.sum(counts == 0))}, "
            f"weights mean = {weights.mean():.4f} std = {weights.std():.4f}, "
            f"time = {seconds:.2f}s"
        )

    # ------------------------------------------------------------------
    # Responses
    # ------------------------------------------------------------------
    def transform(self, X) -> np.ndarray:
        """Spike counts of each neuron (sample mode) or output spikes per bin (stream mode).

        Weights and thresholds are frozen; the estimator does not change.
        Competition acts only if ``transform_competition=True``. In
        sample mode each row is presented for ``n_steps`` steps from rest and
        its output depends on that row alone; the neurons counted are those
        of ``readout``. In stream mode the rows are one
        spike train run from rest (membranes at zero, current thresholds).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Non-negative input.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_neurons), dtype float32
            Spike counts (sample mode) or 0/1 spikes (stream mode).
        """
        check_is_fitted(self, "n_features_in_")
        self._check_params()  # a change since the last call; nothing kept
        X = self._validate_X(X, reset=False, allow_empty=True, learning=False)
        weights = jnp.asarray(self._state.weights)
        neuron = jax.tree_util.tree_map(jnp.asarray, self._state.neuron)
        params = self._frozen_params(neuron)  # the leak in use, frozen like the thresholds
        threshold = self._readout_thresholds(weights, neuron, params)
        n_neurons = self._n_fitted_neurons()
        out = np.empty((X.shape[0], n_neurons), np.float32)
        if X.shape[0] == 0:
            return out
        v = jnp.zeros(n_neurons, jnp.float32)
        competition = self.competition if self.transform_competition else None
        readout = self._readout()
        for start, stop in block_sizes(X.shape[0]):
            rows = to_dense(X[start:stop])
            if self.stream:
                v, spikes = dyn.respond_stream(
                    weights, threshold, v, rows, np.uint32(start), params, np.uint32(self._seed),
                    competition=competition, encoding=self.encoding,
                )
            else:
                spikes = dyn.respond_samples(
                    weights, threshold, rows, row_seeds(rows), params, np.uint32(self._seed),
                    competition=competition, encoding=self.encoding, n_steps=self.n_steps,
                    readout=readout, inhibition=np.float32(self._readout_inhibition()),
                )
            out[start:stop] = np.asarray(spikes)
        return out

    def to_brainpy(self, *, plastic: bool = False):
        """The fitted layer as a BrainPy model, to run inside a larger BrainPy network.

        The model is a :class:`brainpy.DynamicalSystem` whose ``update(x)``
        takes one time step's input, shape ``(n_features_in_,)``, and returns
        the layer's 0/1 output spikes. It starts at rest with the fitted
        weights and thresholds. Run over the rows of X (with
        ``encoding="direct"``, or on the input spikes of a rate code), it
        gives the spikes of ``transform(X)`` in stream mode.

        Parameters
        ----------
        plastic : bool, default=False
            False: weights and thresholds frozen, as in :meth:`transform`
            (competition only if ``transform_competition``). True: they go
            on learning with this estimator's rule, competition, homeostasis
            and normalisation, one stream-mode step per update (dense
            kernel).

        Returns
        -------
        model : brainpy.DynamicalSystem
            The layer; its ``weights``, ``theta``, ``V`` and ``spike``
            variables hold its state.

        Examples
        --------
        >>> import brainpy as bp
        >>> import numpy as np
        >>> from sk_stdp import STDPTransformer
        >>> X = (np.random.default_rng(0).random((200, 16)) < 0.2).astype(float)
        >>> stdp = STDPTransformer(8, stream=True, random_state=0).fit(X)
        >>> runner = bp.DSRunner(stdp.to_brainpy(), progress_bar=False)
        >>> spikes = np.asarray(runner.predict(inputs=X))
        >>> bool(np.array_equal(spikes, stdp.transform(X)))
        True
        """
        check_is_fitted(self, "n_features_in_")
        from ._brainpy import STDPLayer

        competition = self.competition if plastic or self.transform_competition else None
        config = self._config()._replace(kernel="dense", competition=competition)
        return STDPLayer(self._state, self._params(self.n_features_in_), config,
                         plastic=plastic, readout_floor=self._readout_floor())

    def predict(self, X) -> np.ndarray:
        """Binary output pattern: did each neuron fire (per sample, or per bin).

        Unlike :meth:`transform`, ``predict`` takes dense input only (its
        2-D output does not fit scikit-learn's contract for a ``predict`` on
        sparse data); for a sparse X use ``transform(X) > 0``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Non-negative input.

        Returns
        -------
        spikes : ndarray of shape (n_samples, n_neurons), dtype float32
            1 where the neuron fired at least once, else 0.
        """
        if sp.issparse(X):
            raise TypeError(
                "predict does not accept sparse input; use transform(X) > 0 for sparse X, "
                "or pass X.toarray()."
            )
        return (self.transform(X) > 0).astype(np.float32)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        # In stream mode the rows are one spike train: an output depends on the
        # rows before it, so reordering or splitting X changes it by design.
        # non_deterministic is the tag with which scikit-learn skips its
        # sample-order and subset-invariance checks (and the comparisons of
        # fit_transform with transform); sample mode keeps all of them.
        tags.non_deterministic = bool(self.stream)
        return tags


def _check_values(X, bound: float, kind: str, *, negative_ok: bool) -> None:
    """Refuse X if a value is NaN, infinite, above ``bound`` or (unless ``negative_ok``)
    negative, naming the first such value by its row and column."""
    data = X.data if sp.issparse(X) else X
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(data) | (data > bound)
        if not negative_ok:
            bad |= data < 0
    if not bad.any():
        return
    if sp.issparse(X):
        first = int(np.argmax(bad))
        row = int(np.searchsorted(X.indptr, first, side="right")) - 1
        column = int(X.indices[first])
    else:
        row, column = (int(i) for i in np.unravel_index(int(np.argmax(bad)), X.shape))
    value = float(X[row, column])
    where = f"X[{row}, {column}] = {value:g}"
    unchanged = "The rows were refused and the estimator is unchanged."
    if np.isnan(value):
        raise ValueError(f"Input X contains NaN ({where}). {unchanged}")
    if np.isinf(value):
        raise ValueError(f"Input X contains infinity ({where}). {unchanged}")
    if value < 0:
        raise ValueError(
            f"Negative values in data passed to STDPTransformer ({where}): input spikes, "
            f"rates and intensities are non-negative. {unchanged}"
        )
    raise ValueError(
        f"{where} is too large: above max_input={bound:g}, the largest value the layer "
        f"takes ({kind}). A value beyond it is a corrupted or unscaled input, not a spike "
        f"count or a rate. {unchanged} Scale X, or raise max_input if such values are real."
    )


def _clip_negative(X):
    """X with negative values set to zero (a copy where any is negative)."""
    data = X.data if sp.issparse(X) else X
    if data.size == 0 or data.min() >= 0:
        return X
    if sp.issparse(X):
        X = X.copy()
        np.maximum(X.data, 0, out=X.data)
        return X
    return np.maximum(X, 0)


def _n_rows(X) -> int:
    """Rows of a 2-D input (array, list, DataFrame or sparse), or -1 for anything else."""
    shape = getattr(X, "shape", None)
    if shape is None:
        try:
            shape = np.shape(X)
        except ValueError:  # ragged lists: let validation explain
            return -1
    return int(shape[0]) if len(shape) == 2 else -1


class _Rollback:
    """Put an estimator back as it was at entry, or at the last :meth:`commit`, on any exception.

    Interrupts included: the exception is re-raised after the restore.
    """

    def __init__(self, estimator):
        self._estimator = estimator
        self.commit()

    def commit(self) -> None:
        saved = self._estimator.__dict__.copy()
        # The numba kernel updates its numpy state in place: saved as a copy.
        for name in ("_state", "_clean"):
            if name in saved:
                saved[name] = jax.tree_util.tree_map(
                    lambda a: np.array(a) if isinstance(a, np.ndarray) else a, saved[name])
        self._saved = saved

    def __enter__(self) -> _Rollback:
        return self

    def __exit__(self, kind, value, traceback) -> bool:
        if kind is not None:
            self._estimator.__dict__.clear()
            self._estimator.__dict__.update(self._saved)
        return False


class _Lines:
    """A text stream that turns each progress-bar refresh into one plain line."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> None:
        text = text.replace("\r", "").strip()
        if text:
            self._stream.write(text + "\n")

    def flush(self) -> None:
        self._stream.flush()


class _NoProgress:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False

