"""The scikit-learn estimator: :class:`STDPTransformer`.

This module is the estimator's surface: its parameters, validation at the
boundary, and ``fit`` / ``partial_fit`` / ``transform``. What the parameters
describe is resolved in :mod:`sk_stdp._config`, the kernels are chosen and
run by :mod:`sk_stdp._kernels`, and the model itself lives in
:mod:`sk_stdp._neurons` and :mod:`sk_stdp._rules`.
"""

from __future__ import annotations

import operator
import time
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
from sklearn.utils.validation import check_is_fitted

from . import _dynamics as dyn
from ._config import LayerSpec, describe, initial_weights
from ._kernels import Learner, choose, host_state
from ._progress import progress, report
from ._readout import frozen_layer, respond
from ._rollback import Rollback
from ._rules import RULES, WEIGHT_DEPENDENCES
from ._validation import n_rows, validate_X, warn_collapsed, warn_unscaled

#: The attributes learning changes in place (the fused kernels' numpy state).
_LEARNED = ("_state", "_learner")


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
        the proportions of Masquelier, Guyonneau & Thorpe (2008). With
        ``rule="nearest"`` and the direct code in sample mode, the sample
        value divided by ``min(1 / (1 - trace_decay), n_steps)``: an input
        held for a presentation keeps its nearest-spike trace at its value,
        where the pair rule's sums towards ``1 / (1 - trace_decay)`` times
        it (at most ``n_steps`` times), and the two rules then weigh
        depression against potentiation alike (0.0002625 with the defaults).
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
        ``"auto"`` is 1.0 in sample mode; in stream mode a threshold relative
        to the input: a neuron fires at ``(relative_threshold + theta) * V +
        threshold_noise * sqrt(w_max * V)``, ``V`` the layer's mean membrane
        potential under the recent input (over about ``threshold_window``
        bins), so that it follows the stream's channel count and rates. In
        stream mode, whether it is ``"auto"`` or a number is fixed once the
        layer is fitted.
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
        ``"auto"``: 0.8 in sample mode; in stream mode 0.9 (a 10-bin membrane
        time constant), and with ``threshold="auto"`` too a leak that follows
        the input: the time constant in which the layer receives
        ``membrane_spikes`` input spikes on average, from 10 to 100 bins.
        The leak in use is frozen in :meth:`transform` and read from
        ``leak_``.
    trace_decay : float or "auto", default="auto"
        Factor applied to the pre-synaptic trace each step (and to the
        post-synaptic one unless ``trace_decay_post`` is set): the
        potentiation window. ``"auto"``: 0.95 in sample mode; 0.9 in stream
        mode (a 10-bin window at 1 ms bins, as long as the membrane's), which
        ties potentiation to the few bins before a spike.
    trace_decay_post : float or "auto", default="auto"
        Factor applied to the post-synaptic trace each step: the depression
        window. ``"auto"``: where ``trace_decay`` is a number, its value
        (one window for both traces, as in the seed rule). With
        ``trace_decay="auto"`` too, 0.9 in sample mode: a depression window
        of about 10 steps, half the potentiation window, so that a neuron's
        spikes early in a presentation do not depress it for the rest of
        the sample it matched (every winner moves towards its sample); 0.95
        in stream mode: a 20-bin depression window, twice the potentiation
        window, as in Masquelier, Guyonneau & Thorpe (2008), which makes
        input that is not part of a repeating pattern lose its weight.
    rule : {"pair", "nearest", "triplet"}, default="pair"
        The plasticity rule. ``"pair"`` is the rule above (all-to-all
        pairing: every earlier spike counts). ``"nearest"`` pairs each spike
        with the nearest one only: a spike sets its trace to the spike's
        value instead of adding to it (Morrison, Diesmann & Gerstner 2008).
        ``"triplet"`` is the minimal triplet rule of Pfister & Gerstner
        (2006): potentiation grows with a slow post-synaptic trace,
        ``A_plus + A3_plus * trace_slow``, so that pairings repeated at a
        high rate potentiate where the pair rule depresses. The user guide
        gives their equations.
    weight_dependence : {"additive", "multiplicative"}, default="additive"
        How a weight takes its change. ``"additive"``: as it is, then
        clipped to ``[w_min, w_max]`` (hard bounds, the rule above).
        ``"multiplicative"``: potentiation scaled by ``w_max - w`` and
        depression by ``w - w_min`` (soft bounds, van Rossum, Bi &
        Turrigiano 2000), so that weights settle inside the bounds.
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
    competition : {"auto", "wta", "lateral"} or None, default="auto"
        How the neurons compete for the inputs they learn. ``"lateral"``:
        each spike lowers the membrane of every other neuron by
        ``inhibition`` times its threshold; neurons that cross their
        thresholds in the same step fire one after another, the one furthest
        above its threshold (relative to it) first, and a neuron that the
        spikes before it pushed back below threshold does not fire.
        ``"wta"``: at most one neuron (the one furthest above its threshold)
        fires per step, and its spike resets every membrane. None: neurons
        are independent, as in the seed rule. ``"auto"``: ``"lateral"`` in
        sample mode, where a linear classifier reads its features better
        than winner-take-all's (by about a point on MNIST, as well on
        digits; see the user guide); ``"wta"`` in stream mode, where it
        misses fewer hidden patterns.
    inhibition : float, default=1.0
        Strength of lateral inhibition with ``competition="lateral"``, in
        units of each neuron's threshold: with 1.0, a spike pushes every
        other membrane back by its whole threshold. In these units the
        competition keeps its strength while homeostasis raises the
        thresholds, and on any scale of input. 0 lets every neuron that
        crosses fire, and the neurons of a layer then tend to learn the same
        inputs (``fit`` warns when half of them end alike).
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
        count, in sample mode. ``"lif"``: the learning neurons themselves.
        ``"rate"``: rate-coding twins with the same weights and thresholds,
        no leak, a reset that subtracts the threshold and an input reduced by
        ``readout_inhibition`` times the layer's mean input (a count that
        grows with how much better a prototype matches than the average).
        ``"cosine"``: the same twins fed the cosine similarity of the sample
        and each prototype, firing at ``readout_threshold``. ``"auto"``:
        ``"cosine"`` in sample mode without ``transform_competition``,
        ``"lif"`` otherwise. The user guide compares them.
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
        How learning is computed; every kernel runs the same equations and
        they may differ in the last bits of rounding. ``"numba"``: fused CPU
        kernels compiled with numba, one call per block of rows, touching
        only weights whose update is non-zero (in sample mode with the
        direct code, only the columns of neurons that fired during the
        presentation), for every rule, weight dependence and encoding.
        ``"dense"`` (JAX) touches every weight at every step; ``"event"``
        (JAX) only the weights of active inputs and spiking neurons; both
        run on any JAX device. ``"auto"`` picks ``"numba"`` when JAX runs
        on the CPU; on an accelerator, ``"event"`` when the first data seen
        has a mean density of at most 15% and the initial weights make at
        most 8 (or ``n_neurons / 16``) neurons fire per step on its first
        rows, else ``"dense"``.
    max_input : float or "auto", default="auto"
        The largest value X may hold. A call whose rows hold a larger value,
        a NaN or an infinity raises a ``ValueError`` naming its row, column
        and the bound, and leaves the estimator exactly as it was.
        ``"auto"``: 1 with ``encoding="poisson"``; with the direct code, 100
        in stream mode (spike counts per bin) and 1e6 in sample mode
        (intensities, expected in [0, 1]: :meth:`fit` warns beyond 1).
        ``np.inf`` accepts any finite value.
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
        "weight_dependence": [StrOptions(set(WEIGHT_DEPENDENCES))],
        "A3_plus": [Interval(Real, 0, None, closed="left")],
        "trace_decay_slow": [Interval(Real, 0, 1, closed="both")],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "encoding": [StrOptions({"direct", "poisson"})],
        "stream": ["boolean"],
        "competition": [StrOptions({"wta", "lateral", "auto"}), None],
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
        weight_dependence: str = "additive",
        A3_plus: float = 0.0062,
        trace_decay_slow: float = 0.992,
        n_steps: int = 20,
        encoding: str = "direct",
        stream: bool = False,
        competition: str | None = "auto",
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
        self.weight_dependence = weight_dependence
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
    # Fitted state: JAX arrays (JAX kernels) or numpy arrays updated in
    # place (fused kernels) while the estimator is in use, exposed (and
    # pickled) as numpy arrays.
    # ------------------------------------------------------------------
    def _numpy_state(self) -> dyn.LayerState:
        check_is_fitted(self, "n_features_in_")
        return self._learner.current(host_state(self._state))

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
        return float(frozen_layer(self).params.neuron.leak)

    @property
    def readout_thresholds_(self) -> np.ndarray:
        return np.array(frozen_layer(self).thresholds)

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
    # Parameters: described once, again only after a change
    # ------------------------------------------------------------------
    def _param_values(self) -> tuple:
        return _PARAMETERS(self)

    def _describe(self, n_features: int) -> LayerSpec:
        return describe({name: getattr(self, name) for name in self._parameter_constraints},
                        n_features)

    def _spec_now(self) -> LayerSpec:
        """The fitted layer as the current parameters describe it.

        Validated and described again only when a parameter object changed
        since the layer was last described (``set_params`` between calls);
        a change the fitted layer cannot take is refused. Nothing is stored:
        the caller keeps the description once its call succeeded.
        """
        values = self._param_values()
        if all(map(operator.is_, values, self._spec_for)):
            return self._spec
        self._validate_params()
        spec = self._describe(self.n_features_in_)
        for name, (value, meaning) in spec.fixed().items():
            fitted = self._spec.fixed()[name][0]
            if value != fitted:
                raise ValueError(
                    f"{name}={getattr(self, name)!r} does not match the fitted layer "
                    f"({name} was {fitted!r} when it was fitted: {meaning}); a fitted layer "
                    f"cannot take this change. Set {name} back, or call fit to start a new "
                    "layer."
                )
        return spec

    def _keep(self, spec: LayerSpec) -> None:
        self._spec, self._spec_for = spec, self._param_values()

    # ------------------------------------------------------------------
    # A new layer
    # ------------------------------------------------------------------
    def _begin(self, X, spec: LayerSpec) -> None:
        """Set up a fresh layer for ``X`` (validated) and choose its kernel."""
        rng = check_random_state(self.random_state)
        self._seed = int(rng.randint(np.iinfo(np.int32).max))
        weights = initial_weights(self.get_params(deep=False), spec, rng)
        self.kernel_ = choose(spec, X, weights, self._seed)
        self._learner = Learner(self.kernel_)
        self._state = dyn.init(weights)
        self._keep(spec)
        self.n_samples_seen_ = 0
        self.n_iter_ = 0

    # ------------------------------------------------------------------
    # Learning
    # ------------------------------------------------------------------
    def _learn(self, X, order=None, bar=None, wait: bool = True) -> np.ndarray | None:
        """One pass over the rows of X (see :meth:`_kernels.Learner.learn`)."""
        first = self.n_samples_seen_
        self.n_samples_seen_ += X.shape[0]
        self._state, counts = self._learner.learn(self._state, X, self._spec, self._seed, first,
                                                  order=order, progress=bar, wait=wait)
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
        with Rollback(self, mutable=_LEARNED) as rollback:
            X, spec = validate_X(self, X, None)
            warn_unscaled(X, spec)
            self._begin(X, spec)
            rng = np.random.default_rng(self._seed)
            for epoch in range(spec.max_iter):
                started = time.perf_counter()
                order = rng.permutation(X.shape[0]) if spec.shuffle else None
                with progress(self.verbose, X.shape[0], epoch, spec.max_iter) as bar:
                    counts = self._learn(X, order, bar)
                self.n_iter_ = epoch + 1
                rollback.commit()
                if self.verbose:
                    report(type(self).__name__, epoch, counts, X.shape[0],
                           self._numpy_state().weights, time.perf_counter() - started,
                           "bin" if spec.stream else "sample")
        warn_collapsed(np.asarray(self._state.weights), spec)
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
        if not hasattr(self, "_state"):
            self._validate_params()
            if n_rows(X) == 0:  # nothing to learn, and nothing to size the layer by
                return self
            with Rollback(self):  # bad input: stay unfitted (no stray n_features_in_)
                X, spec = validate_X(self, X, None)
                warn_unscaled(X, spec)
                self._begin(X, spec)
        else:
            spec = self._spec_now()
            X, spec = validate_X(self, X, spec, allow_empty=True)
            if X.shape[0] == 0:  # live sources often close no bin between two reads
                return self
            if spec is not self._spec:  # a parameter changed: learning goes on with it
                self._keep(spec)
        self._learn(X, wait=False)
        return self

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

    # ------------------------------------------------------------------
    # Responses
    # ------------------------------------------------------------------
    def transform(self, X) -> np.ndarray:
        """Spike counts of each neuron (sample mode) or output spikes per bin (stream mode).

        Weights and thresholds are frozen; the estimator does not change.
        Competition acts only if ``transform_competition=True``. In
        sample mode each row is presented for ``n_steps`` steps from rest and
        its output depends on that row alone; the neurons counted are those
        of ``readout``; negative values are read as zero. In stream mode the
        rows are one spike train run from rest (membranes at zero, current
        thresholds).

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
        layer = frozen_layer(self)
        X, _ = validate_X(self, X, layer.spec, allow_empty=True, learning=False)
        return respond(layer, X, self._seed)

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

        spec = self._spec_now()
        competition = spec.competition if plastic or spec.transform_competition else None
        return STDPLayer(self._state, spec.params, spec.config("dense", competition=competition),
                         plastic=plastic, readout_floor=spec.readout_floor)

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


#: The estimator's parameters, read at once (compared by identity on every call).
_PARAMETERS = operator.attrgetter(*STDPTransformer._parameter_constraints)
