"""Figures for spiking data and learned weights (needs matplotlib).

matplotlib is an optional dependency: ``pip install "sk_stdp[plot]"``. It is
imported when a plotting function is called, not when this module is
imported, so :func:`stdp_window` (which measures but does not draw) works
without it.

Every ``plot_*`` function draws with :mod:`matplotlib.pyplot`, into the
``ax`` (or ``fig``) it is given or into a new figure, and returns what it
drew into, so that the figure can be adjusted or saved afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ._transformer import STDPTransformer

__all__ = [
    "plot_filters",
    "plot_raster",
    "plot_receptive_fields",
    "plot_stdp_window",
    "plot_weight_histogram",
    "stdp_window",
]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised without matplotlib only
        raise ImportError(
            "sk_stdp.plotting needs matplotlib: pip install 'sk_stdp[plot]' "
            "(or pip install matplotlib)."
        ) from exc
    return plt


def _weights(weights) -> np.ndarray:
    """A 2-D float array of weights from an array or a fitted estimator."""
    if hasattr(weights, "components_") or hasattr(weights, "get_params"):
        weights = weights.components_
    if sp.issparse(weights):
        weights = weights.toarray()
    weights = np.asarray(weights, dtype=float)
    if weights.ndim == 1:
        weights = weights[None, :]
    if weights.ndim != 2:
        raise ValueError(f"weights must be 2-D (n_neurons, n_features); got shape {weights.shape}.")
    return weights


def _new_axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = _pyplot().subplots()
    return ax


def _set_labels(ax: Axes, xlabel: str | None, ylabel: str | None, title: str | None) -> None:
    """Set the axis labels and title that are not None."""
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)


# --------------------------------------------------------------------------
# Receptive fields
# --------------------------------------------------------------------------
def plot_receptive_fields(
    weights,
    image_shape: tuple[int, int] | None = None,
    *,
    n_cols: int | None = None,
    max_fields: int | None = 100,
    order: Sequence[int] | None = None,
    titles: Sequence[str] | None = None,
    cmap: str = "viridis",
    shared_scale: bool = False,
    fig: Figure | None = None,
) -> Figure:
    """Draw each neuron's incoming weights as an image.

    Row ``i`` of ``components_`` holds the weights from every input to neuron
    ``i``; when the inputs are the pixels of an image, reshaping the row to
    the image shape shows the pattern the neuron has learned to respond to
    (its receptive field).

    Parameters
    ----------
    weights : fitted STDPTransformer or array-like of shape (n_neurons, n_features)
        The estimator (its ``components_`` are drawn) or a weight matrix.
    image_shape : tuple of int, optional
        ``(height, width)`` with ``height * width == n_features``. Defaults to
        a square when ``n_features`` is a perfect square.
    n_cols : int, optional
        Images per row of the grid; defaults to about the square root of the
        number of images drawn.
    max_fields : int or None, default=100
        Draw at most this many neurons (the first ones in ``order``); None
        draws all of them.
    order : sequence of int, optional
        Which neurons to draw, in which order (for instance sorted by
        preferred class). Defaults to ``range(n_neurons)``.
    titles : sequence of str, optional
        One title per drawn neuron, in the order they are drawn.
    cmap : str, default="viridis"
        Colour map of the images.
    shared_scale : bool, default=False
        If True, all images share one colour scale (the range of all drawn
        weights); otherwise each image is scaled to its own range, which
        shows the shape of weak fields better.
    fig : matplotlib.figure.Figure, optional
        Figure to draw into (its existing axes are kept); a new one if None.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure, with one axes (an image, axis lines off) per drawn neuron.

    See Also
    --------
    plot_weight_histogram : The distribution of the same weights.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sk_stdp.plotting import plot_receptive_fields
    >>> weights = np.random.default_rng(0).random((6, 64))
    >>> fig = plot_receptive_fields(weights, (8, 8), n_cols=3)
    >>> len(fig.axes), fig.axes[0].images[0].get_array().shape
    (6, (8, 8))
    """
    W = _weights(weights)
    n_neurons, n_features = W.shape
    if image_shape is None:
        side = int(round(np.sqrt(n_features)))
        if side * side != n_features:
            raise ValueError(
                f"n_features={n_features} is not a perfect square: pass image_shape "
                "(height, width)."
            )
        image_shape = (side, side)
    image_shape = tuple(int(s) for s in image_shape)
    if len(image_shape) != 2 or int(np.prod(image_shape)) != n_features:
        raise ValueError(f"image_shape {image_shape} does not hold n_features={n_features} values.")
    order = np.arange(n_neurons) if order is None else np.asarray(order, dtype=int)
    if max_fields is not None:
        order = order[:max_fields]
    n = len(order)
    if n == 0:
        raise ValueError("No receptive field to draw.")
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles has {len(titles)} entries for {n} drawn neurons.")
    n_cols = int(n_cols) if n_cols else int(np.ceil(np.sqrt(n)))
    n_rows = int(np.ceil(n / n_cols))

    plt = _pyplot()
    if fig is None:
        fig = plt.figure(figsize=(1.1 * n_cols, 1.1 * n_rows + (0.3 if titles else 0)))
    vmin = vmax = None
    if shared_scale:
        vmin, vmax = float(W[order].min()), float(W[order].max())
    for k, neuron in enumerate(order):
        ax = fig.add_subplot(n_rows, n_cols, k + 1)
        ax.imshow(W[neuron].reshape(image_shape), cmap=cmap, vmin=vmin, vmax=vmax,
                  interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_axis_off()
        if titles is not None:
            ax.set_title(str(titles[k]), fontsize=8)
    return fig


def plot_filters(
    filters,
    *,
    n_cols: int | None = None,
    max_filters: int | None = 100,
    cmap: str = "RdBu_r",
    fig: Figure | None = None,
) -> Figure:
    """Draw the learned filters of a :class:`~sk_stdp.ConvSTDPTransformer`.

    Each filter is drawn as its ON weights minus its OFF weights: red where
    the filter wants a pixel brighter than the patch mean, blue where darker,
    on a colour scale symmetric about zero and shared by all filters. Colour
    images (three channels) are drawn as RGB instead, mapped from
    ``[-m, m]`` to ``[0, 1]`` with ``m`` the largest absolute weight.

    Parameters
    ----------
    filters : fitted ConvSTDPTransformer or array-like
        The estimator (its ``filters_`` are drawn) or the filters themselves,
        shape ``(n_filters, height, width)`` or ``(n_filters, height, width,
        channels)`` with 1 or 3 channels. Another estimator, such as an
        :class:`~sk_stdp.STDPTransformer`, is a ``TypeError`` (it has no
        filters: draw its weights with :func:`plot_receptive_fields`), an
        unfitted one a ``NotFittedError``.
    n_cols : int, optional
        Filters per row of the grid; defaults to about the square root of
        the number drawn.
    max_filters : int or None, default=100
        Draw at most this many filters (the first ones); None draws all.
    cmap : str, default="RdBu_r"
        Diverging colour map of single-channel filters.
    fig : matplotlib.figure.Figure, optional
        Figure to draw into; a new one if None.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure, with one axes (axis lines off) per drawn filter.

    See Also
    --------
    plot_receptive_fields : The weights of a fully connected layer.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sk_stdp.plotting import plot_filters
    >>> filters = np.random.default_rng(0).normal(size=(6, 5, 5))
    >>> fig = plot_filters(filters, n_cols=3)
    >>> len(fig.axes), fig.axes[0].images[0].get_array().shape
    (6, (5, 5))
    """
    if hasattr(filters, "get_params"):
        from ._conv import ConvSTDPTransformer

        if not isinstance(filters, ConvSTDPTransformer):
            raise TypeError(
                f"plot_filters draws the filters of a ConvSTDPTransformer (its filters_); "
                f"{type(filters).__name__} has none. Draw a fully connected layer's weights "
                f"with plot_receptive_fields(estimator, image_shape=...).")
        check_is_fitted(filters, "filters_")
        filters = filters.filters_
    F = np.asarray(filters, dtype=float)
    if F.ndim == 4 and F.shape[-1] == 1:
        F = F[..., 0]
    if F.ndim not in (3, 4) or (F.ndim == 4 and F.shape[-1] != 3):
        raise ValueError(
            "filters must have shape (n_filters, height, width) or (n_filters, height, width, 1 "
            f"or 3); got {F.shape}."
        )
    if max_filters is not None:
        F = F[:max_filters]
    n = len(F)
    if n == 0:
        raise ValueError("No filter to draw.")
    n_cols = int(n_cols) if n_cols else int(np.ceil(np.sqrt(n)))
    n_rows = int(np.ceil(n / n_cols))
    limit = float(np.abs(F).max()) or 1.0
    plt = _pyplot()
    if fig is None:
        fig = plt.figure(figsize=(0.9 * n_cols, 0.9 * n_rows))
    for k in range(n):
        ax = fig.add_subplot(n_rows, n_cols, k + 1)
        if F.ndim == 4:
            ax.imshow((F[k] / limit + 1) / 2, interpolation="nearest")
        else:
            ax.imshow(F[k], cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_axis_off()
    return fig


# --------------------------------------------------------------------------
# Rasters
# --------------------------------------------------------------------------
def plot_raster(
    spikes,
    *,
    ax: Axes | None = None,
    dt: float = 1.0,
    t0: float = 0.0,
    color: Any = "k",
    marker_size: float | None = None,
    xlabel: str | None = "time step",
    ylabel: str | None = "unit",
    title: str | None = None,
) -> Axes:
    """Draw a spike raster: one tick per spike, time on x, unit on y.

    A unit is a column of ``spikes``: an input channel for the input
    raster, a neuron for the output of ``transform``. Say which with
    ``ylabel`` (``"input channel"``, ``"neuron"``).

    Parameters
    ----------
    spikes : array-like or sparse matrix of shape (n_bins, n_units)
        Rows are time bins, columns are neurons or input channels, as taken
        by ``STDPTransformer(stream=True)`` and returned by its
        ``transform``. Every non-zero entry is drawn as one spike.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure if None.
    dt : float, default=1.0
        Duration of one bin, in the units of the x axis.
    t0 : float, default=0.0
        Time of the first bin.
    color : color or array-like of shape (n_units,), default="k"
        One colour for all ticks, or one per unit.
    marker_size : float, optional
        Tick size in points squared; defaults to a size that fills the row
        height for up to a few hundred units.
    xlabel, ylabel, title : str or None
        Axis labels and title; None leaves one unset. The default y label,
        ``"unit"``, fits either kind of raster.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes, holding one scatter collection with a point per spike.

    See Also
    --------
    STDPTransformer.transform : Output spikes per bin in stream mode.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sk_stdp.plotting import plot_raster
    >>> spikes = np.zeros((50, 3))
    >>> spikes[[5, 20, 40], [0, 1, 2]] = 1
    >>> ax = plot_raster(spikes)
    >>> ax.collections[0].get_offsets().tolist()
    [[5.0, 0.0], [20.0, 1.0], [40.0, 2.0]]
    """
    S = spikes.toarray() if sp.issparse(spikes) else np.asarray(spikes)
    if S.ndim != 2:
        raise ValueError(f"spikes must be 2-D (n_bins, n_units); got shape {S.shape}.")
    n_bins, n_units = S.shape
    bins, units = np.nonzero(S)
    ax = _new_axes(ax)
    colors = color
    if not isinstance(color, str) and np.ndim(color) >= 1 and len(color) == n_units:
        colors = np.asarray(color, dtype=object)[units].tolist()
    if marker_size is None:
        marker_size = float(np.clip(4000.0 / max(n_units, 1), 4.0, 80.0))
    ax.scatter(t0 + bins * dt, units, marker="|", s=marker_size, c=colors, linewidths=1.0)
    ax.set_xlim(t0 - 0.5 * dt, t0 + (n_bins - 0.5) * dt)
    ax.set_ylim(n_units - 0.5, -0.5)
    _set_labels(ax, xlabel, ylabel, title)
    return ax


# --------------------------------------------------------------------------
# Weight distribution
# --------------------------------------------------------------------------
def plot_weight_histogram(
    weights,
    *,
    bins: int | Sequence[float] = 50,
    ax: Axes | None = None,
    log: bool = False,
    label: str | None = None,
    xlabel: str | None = "weight",
    ylabel: str | None = "number of synapses",
    title: str | None = None,
    **hist_kwargs,
) -> Axes:
    """Histogram of all synaptic weights.

    STDP with hard bounds tends to push weights to ``w_min`` or ``w_max``
    (a bimodal histogram); weight normalisation keeps their mean fixed.
    Calling this twice on one ``ax`` (with ``label``) compares two states,
    for instance before and after learning.

    Parameters
    ----------
    weights : fitted STDPTransformer or array-like
        The estimator (its ``components_``) or any array of weights.
    bins : int or sequence of float, default=50
        Passed to :meth:`matplotlib.axes.Axes.hist`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure if None.
    log : bool, default=False
        Logarithmic count axis.
    label : str, optional
        Legend label of this histogram (a legend is added when set).
    xlabel, ylabel, title : str or None
        Axis labels and title; None leaves one unset.
    **hist_kwargs
        More keyword arguments for :meth:`matplotlib.axes.Axes.hist`
        (default ``histtype="stepfilled"``, ``alpha=0.6``).

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes, holding the histogram's patches.

    See Also
    --------
    plot_receptive_fields : The same weights, one image per neuron.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sk_stdp.plotting import plot_weight_histogram
    >>> weights = np.random.default_rng(0).random((10, 64))
    >>> ax = plot_weight_histogram(weights, bins=10, histtype="bar")
    >>> len(ax.patches), int(sum(p.get_height() for p in ax.patches))
    (10, 640)
    """
    values = _weights(weights).ravel()
    ax = _new_axes(ax)
    hist_kwargs.setdefault("histtype", "stepfilled")
    hist_kwargs.setdefault("alpha", 0.6)
    ax.hist(values, bins=bins, log=log, label=label, **hist_kwargs)
    _set_labels(ax, xlabel, ylabel, title)
    if label is not None:
        ax.legend()
    return ax


# --------------------------------------------------------------------------
# The STDP window
# --------------------------------------------------------------------------
def stdp_window(
    delays,
    *,
    estimator: STDPTransformer | None = None,
    w_init: float = 0.5,
    A_plus: float | None = None,
    A_minus: float | None = None,
    learning_rate: float | None = None,
    trace_decay: float | None = None,
    leak: float = 0.9,
    threshold: float = 1.0,
    trace_decay_post: float | None = None,
    kernel: str = "dense",
) -> np.ndarray:
    """Measure the weight change of one synapse against the pre-post spike delay.

    For each delay ``d`` this runs :class:`~sk_stdp.STDPTransformer` in
    stream mode on a two-channel spike train: input 0, the synapse under
    test (weight ``w_init``, too weak to make the neuron fire alone), spikes
    once at time ``t``; input 1, a strong driver (weight ``2 * threshold``),
    spikes once at ``t + d`` and forces the neuron to fire then. The
    returned value is how much the weight of input 0 changed. The estimator
    runs with the plain rule: ``competition=None``, ``theta_plus=0``,
    ``weight_norm=None``, ``init`` an array, ``max_iter=1``.

    With the trace rule, a pre spike ``d > 0`` steps before the post spike
    potentiates by ``learning_rate * A_plus * trace_decay**d``; a pre spike
    ``|d|`` steps after it depresses by
    ``learning_rate * A_minus * trace_decay_post**|d|``; at ``d = 0`` both apply.

    Without ``estimator`` the rule's values are the seed rule's
    (``A_plus=0.005``, ``A_minus=0.00525``, ``learning_rate=0.01``,
    ``trace_decay=0.95`` for both traces). With ``estimator`` they are that
    estimator's own, each ``"auto"`` resolved for its mode; the default
    windows are asymmetric: in sample mode depression is the shorter
    (``trace_decay`` 0.95, ``trace_decay_post`` 0.9), in stream mode the
    longer (``trace_decay`` 0.9, ``trace_decay_post`` 0.95, ``A_minus``
    0.00425).

    Parameters
    ----------
    delays : array-like of int
        Post spike time minus pre spike time, in steps. Positive: the input
        spike comes first (causal order).
    estimator : STDPTransformer, optional
        Measure this estimator's window: its ``A_plus``, ``A_minus``,
        ``learning_rate``, ``trace_decay`` and ``trace_decay_post`` as it
        resolves them for its mode (fitted or not; it is not changed).
    w_init : float, default=0.5
        Initial weight of the synapse under test; must be below
        ``threshold`` so that the input alone does not fire the neuron.
    A_plus, A_minus, learning_rate, trace_decay : float, optional
        Rule parameters, as in :class:`~sk_stdp.STDPTransformer`; a value
        given here overrides the estimator's. None: the estimator's, or
        without one the seed rule's values above.
    leak, threshold : float
        Membrane leak and threshold of the probe neuron; they shape only how
        the driver makes it fire, not the window.
    trace_decay_post : float or None, default=None
        Decay of the post-synaptic trace (the depression window), as in
        :class:`~sk_stdp.STDPTransformer`; None: the estimator's, or without
        one ``trace_decay``.
    kernel : {"dense", "event", "numba", "auto"}, default="dense"
        The estimator's ``kernel``; all compute the same rule.

    Returns
    -------
    dw : ndarray of shape (len(delays),)
        Weight change of the synapse under test for each delay.

    See Also
    --------
    plot_stdp_window : Draw the result.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stdp import STDPTransformer
    >>> from sk_stdp.plotting import stdp_window
    >>> dw = stdp_window([-2, 2], learning_rate=1.0)
    >>> bool(dw[0] < 0 < dw[1])
    True
    >>> np.allclose(dw, [-0.00525 * 0.95**2, 0.005 * 0.95**2], rtol=1e-3)
    True

    A stream-mode estimator's own window: depression lasts longer.

    >>> dw = stdp_window([-2, 2], estimator=STDPTransformer(stream=True), learning_rate=1.0)
    >>> np.allclose(dw, [-0.00425 * 0.95**2, 0.005 * 0.9**2], rtol=1e-3)
    True
    """
    rule = dict(A_plus=0.005, A_minus=0.00525, learning_rate=0.01, trace_decay=0.95,
                trace_decay_post=None)
    if estimator is not None:
        from ._config import describe
        from ._transformer import STDPTransformer

        if not isinstance(estimator, STDPTransformer):
            raise TypeError(f"estimator must be an STDPTransformer; got "
                            f"{type(estimator).__name__}.")
        values = dict(describe(estimator.get_params(), 1).values)  # "auto" for its mode
        rule = {name: values[name] for name in rule}
    given = dict(A_plus=A_plus, A_minus=A_minus, learning_rate=learning_rate,
                 trace_decay=trace_decay, trace_decay_post=trace_decay_post)
    rule.update({name: value for name, value in given.items() if value is not None})
    if rule["trace_decay_post"] is None:
        rule["trace_decay_post"] = rule["trace_decay"]
    A_plus, A_minus, learning_rate = rule["A_plus"], rule["A_minus"], rule["learning_rate"]
    trace_decay, trace_decay_post = rule["trace_decay"], rule["trace_decay_post"]
    from ._transformer import STDPTransformer

    delays = np.asarray(delays, dtype=int).ravel()
    if not 0 <= w_init < threshold:
        raise ValueError(f"w_init={w_init} must lie in [0, threshold={threshold}).")
    span = int(np.abs(delays).max(initial=0))
    n_bins = 2 * span + 8
    t_pre = span + 3
    driver = 2.0 * threshold
    init = np.array([[w_init, driver]])
    estimator = STDPTransformer(
        n_neurons=1,
        A_plus=A_plus,
        A_minus=A_minus,
        learning_rate=learning_rate,
        w_min=0.0,
        w_max=driver,
        threshold=threshold,
        v_reset=0.0,
        leak=leak,
        trace_decay=trace_decay,
        trace_decay_post=trace_decay_post,
        n_steps=1,
        encoding="direct",
        stream=True,
        competition=None,
        theta_plus=0.0,
        weight_norm=None,
        init=init,
        max_iter=1,
        shuffle=False,
        kernel=kernel,
    )
    dw = np.empty(len(delays))
    for k, d in enumerate(delays):
        X = np.zeros((n_bins, 2), dtype=np.float32)
        X[t_pre, 0] = 1.0
        X[t_pre + d, 1] = 1.0
        estimator.fit(X)
        dw[k] = float(estimator.components_[0, 0]) - float(np.float32(w_init))
    return dw


def plot_stdp_window(
    delays,
    dw,
    *,
    ax: Axes | None = None,
    color: Any = "C0",
    label: str | None = None,
    xlabel: str | None = "post - pre spike delay (steps)",
    ylabel: str | None = "weight change",
    title: str | None = None,
) -> Axes:
    """Draw weight change against pre-post spike delay (the STDP window).

    Parameters
    ----------
    delays : array-like of shape (n_delays,)
        Post spike time minus pre spike time.
    dw : array-like of shape (n_delays,)
        Weight change at each delay, for instance from :func:`stdp_window`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure if None.
    color : color, default="C0"
        Colour of the markers and stems.
    label : str, optional
        Legend label (a legend is added when set).
    xlabel, ylabel, title : str or None
        Axis labels and title; None leaves one unset.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes, with one marker per delay (``ax.lines[0]``) and zero lines.

    See Also
    --------
    stdp_window : Measure the window by running the estimator.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sk_stdp.plotting import plot_stdp_window
    >>> ax = plot_stdp_window([-1, 1], [-0.5, 0.5])
    >>> ax.lines[0].get_xydata().tolist()
    [[-1.0, -0.5], [1.0, 0.5]]
    >>> ax.get_xlabel()
    'post - pre spike delay (steps)'
    """
    delays = np.asarray(delays, dtype=float).ravel()
    dw = np.asarray(dw, dtype=float).ravel()
    if delays.shape != dw.shape:
        raise ValueError(f"delays and dw differ in length: {delays.size} and {dw.size}.")
    ax = _new_axes(ax)
    ax.plot(delays, dw, "o", color=color, label=label, markersize=4)
    ax.vlines(delays, 0, dw, colors=color, linewidth=1)
    ax.axhline(0, color="0.5", linewidth=0.8)
    ax.axvline(0, color="0.5", linewidth=0.8, linestyle=":")
    _set_labels(ax, xlabel, ylabel, title)
    if label is not None:
        ax.legend()
    return ax
