"""Convolutional STDP features: :class:`ConvSTDPTransformer`.

A bank of small filters, shared over every position of an image, learns with
the rule, competition and homeostasis of :class:`~sk_stdp.STDPTransformer`:
the filters *are* one such layer, fitted on image patches with the sample-mode
driver. ``transform`` presents every patch of an image to the frozen layer
(the same read-out as ``STDPTransformer.transform``) and averages the spike
counts of each filter over the cells of a coarse pooling grid and of the
coarser grids below it (a spatial pyramid).
"""

from __future__ import annotations

import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._encoding import block_sizes
from ._patches import PATCHES_PER_CALL, geometry, inputs, pooled_counts, pow2_floor
from ._readout import frozen_layer
from ._rollback import Rollback
from ._transformer import STDPTransformer


class ConvSTDPTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Convolutional features learned by spike-timing-dependent plasticity.

    Rows of X are flattened images. A bank of ``n_filters`` small filters,
    shared over every position of the image, learns with the rule,
    competition and homeostasis of :class:`STDPTransformer`: the filters are
    one such layer of ``n_filters`` neurons whose inputs are image patches,
    each patch centred, scaled to unit contrast and split into ON (brighter
    than the patch mean) and OFF (darker) inputs. :meth:`fit` presents
    ``patches_per_image`` patches of each image to that layer;
    :meth:`transform` presents every patch to the frozen layer and averages
    each filter's spike counts over the cells of a ``pooling`` grid, so that the
    features keep where in the image a pattern occurred, coarsely, and (with
    ``pyramid``) over the cells of each coarser square grid down to the whole
    image.

    Read the user guide for the choice of each default.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width)`` or ``(height, width, channels)`` of each row;
        their product must equal the number of columns of X. One entry may
        be -1, inferred from the width of X as in :func:`numpy.reshape`.
    n_filters : int, default=64
        Number of filters (neurons of the patch layer).
    kernel_size : int, tuple of int or "auto", default="auto"
        Height and width of the filters. "auto": 5 x 5 for images at least
        16 pixels high and wide, 3 x 3 for smaller ones (cut to the image
        where it is smaller still).
    stride : int, default=1
        Step between neighbouring patches.
    pooling : int or tuple of int, default=4
        Cells of the finest pooling grid along the height and width of the
        map of patch positions (a grid larger than the map is reduced to it).
    pyramid : bool, default=True
        If True, each filter's counts are also pooled over every coarser
        square grid, ``k x k`` cells for ``k`` from one less than the finest
        grid's larger side down to 1 (each side capped at the finest grid's),
        as in a spatial pyramid. If False, over the ``pooling`` grid alone.
        Features: ``n_filters`` spike counts per cell of every grid.
    patches_per_image : int, default=10
        Patches drawn from each image for learning, at random positions,
        contrasted patches first.
    contrast_floor : float, default=0.5
        Patches whose centred norm is below this are divided by it instead
        of by their norm: faint patches give weak inputs rather than
        amplified noise.
    A_plus, A_minus, learning_rate : float, default=0.005, 0.00525, 1.0
        Amplitudes of the rule and their global multiplier, as in
        :class:`STDPTransformer`.
    threshold : float, default=1.0
        Firing threshold of the filters (before adaptation).
    leak : float, default=0.8
        Membrane leak of the filters.
    trace_decay : float, default=0.95
        Decay of the spike traces.
    n_steps : int, default=20
        Time steps each patch is presented for, in learning and in
        :meth:`transform`.
    competition : {"wta", "lateral"} or None, default="wta"
        Competition between filters while learning (never in
        :meth:`transform`). None lets every filter learn the same pattern.
    theta_plus : float, default=0.1
        Rise of a filter's adaptive threshold at each of its spikes
        (homeostasis); 0 switches it off.
    theta_decay : float, default=0.9999
        Factor applied to the adaptive thresholds each step.
    weight_norm : float or None, default=0.1
        Mean incoming weight of each filter after each patch; None switches
        normalisation off.
    max_iter : int, default=1
        Passes over the patches in :meth:`fit`.
    standardize : bool, default=True
        If True, :meth:`transform` returns the pooled spike counts centred
        on their mean over the images learned from (``mean_``) and divided
        by ``scale_``: their standard deviation times the square root of the
        number of pooling cells, so that each filter's features together
        have unit variance however many cells there are (a finer grid or a
        deeper pyramid does not weaken the L2 penalty of a regularised
        read-out). If False, the counts themselves.
    random_state : int, RandomState instance or None, default=None
        Seeds the patch positions, the initial filters and the presentation
        order.
    verbose : int, default=0
        Passed on to the patch layer (one line per pass).

    Attributes
    ----------
    layer_ : STDPTransformer
        The fitted patch layer; its ``components_`` are the filters over
        the ON and OFF inputs.
    filters_ : ndarray of shape (n_filters, kernel height, kernel width, channels)
        ON minus OFF weights of each filter, in image layout.
    image_shape_ : tuple of int
        ``(height, width, channels)`` of the images.
    grid_ : tuple of int
        Cells of the finest pooling grid actually used (rows, columns).
    grids_ : tuple of tuple of int
        Cells (rows, columns) of every pooling grid, in the order of the
        features: the finest first.
    kernel_ : tuple of int
        Height and width of the filters actually used.
    n_iter_ : int
        Passes over the patches completed by the last :meth:`fit`.
    mean_ : ndarray of shape (n_features_out,)
        Mean pooled spike count of each feature over the images learned from.
    scale_ : ndarray of shape (n_features_out,)
        Their standard deviation (1 where it is 0) times the square root of
        the number of pooling cells over all grids.
    n_images_seen_ : int
        Images learned from since the last :meth:`fit`.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    STDPTransformer : One fully connected layer.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stdp import ConvSTDPTransformer
    >>> X = np.random.default_rng(0).random((20, 64))
    >>> conv = ConvSTDPTransformer(image_shape=(8, 8), n_filters=4, pooling=2,
    ...                            random_state=0).fit(X)
    >>> conv.filters_.shape
    (4, 3, 3, 1)
    >>> conv.grids_
    ((2, 2), (1, 1))
    >>> conv.transform(X[:3]).shape
    (3, 20)
    """

    _parameter_constraints: dict = {
        "image_shape": [tuple, list],
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left"), tuple, list,
                        StrOptions({"auto"})],
        "stride": [Interval(Integral, 1, None, closed="left")],
        "pooling": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "pyramid": ["boolean"],
        "patches_per_image": [Interval(Integral, 1, None, closed="left")],
        "contrast_floor": [Interval(Real, 0, None, closed="neither")],
        "A_plus": [Interval(Real, 0, None, closed="left")],
        "A_minus": [Interval(Real, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="left")],
        "threshold": [Interval(Real, 0, None, closed="neither")],
        "leak": [Interval(Real, 0, 1, closed="both")],
        "trace_decay": [Interval(Real, 0, 1, closed="both")],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "competition": [StrOptions({"wta", "lateral"}), None],
        "theta_plus": [Interval(Real, 0, None, closed="left")],
        "theta_decay": [Interval(Real, 0, 1, closed="both")],
        "weight_norm": [Interval(Real, 0, None, closed="neither"), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "standardize": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        image_shape: tuple[int, ...],
        *,
        n_filters: int = 64,
        kernel_size: int | tuple[int, int] | str = "auto",
        stride: int = 1,
        pooling: int | tuple[int, int] = 4,
        pyramid: bool = True,
        patches_per_image: int = 10,
        contrast_floor: float = 0.5,
        A_plus: float = 0.005,
        A_minus: float = 0.00525,
        learning_rate: float = 1.0,
        threshold: float = 1.0,
        leak: float = 0.8,
        trace_decay: float = 0.95,
        n_steps: int = 20,
        competition: str | None = "wta",
        theta_plus: float = 0.1,
        theta_decay: float = 0.9999,
        weight_norm: float | None = 0.1,
        max_iter: int = 1,
        standardize: bool = True,
        random_state=None,
        verbose: int = 0,
    ):
        self.image_shape = image_shape
        self.n_filters = n_filters
        self.kernel_size = kernel_size
        self.stride = stride
        self.pooling = pooling
        self.pyramid = pyramid
        self.patches_per_image = patches_per_image
        self.contrast_floor = contrast_floor
        self.A_plus = A_plus
        self.A_minus = A_minus
        self.learning_rate = learning_rate
        self.threshold = threshold
        self.leak = leak
        self.trace_decay = trace_decay
        self.n_steps = n_steps
        self.competition = competition
        self.theta_plus = theta_plus
        self.theta_decay = theta_decay
        self.weight_norm = weight_norm
        self.max_iter = max_iter
        self.standardize = standardize
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------
    # Images
    # ------------------------------------------------------------------
    def _images(self, X: np.ndarray) -> np.ndarray:
        return X.reshape((-1, *self.image_shape_))

    # ------------------------------------------------------------------
    # Fitted state
    # ------------------------------------------------------------------
    @property
    def components_(self) -> np.ndarray:
        """Weights of each filter over its ON and OFF inputs, shape (n_filters, 2 * patch size)."""
        check_is_fitted(self, "layer_")
        return self.layer_.components_

    @property
    def filters_(self) -> np.ndarray:
        weights = self.components_
        half = weights.shape[1] // 2
        kernel = self.kernel_
        # Patch values are ordered channel-major by conv_general_dilated_patches.
        on_minus_off = (weights[:, :half] - weights[:, half:]).reshape(
            -1, self.image_shape_[2], *kernel
        )
        return np.ascontiguousarray(on_minus_off.transpose(0, 2, 3, 1))

    @property
    def n_iter_(self) -> int:
        check_is_fitted(self, "layer_")
        return self.layer_.n_iter_

    @property
    def _n_cells(self) -> int:
        return sum(rows * cols for rows, cols in self.grids_)

    @property
    def _n_features_out(self) -> int:
        return self._n_cells * self.n_filters

    # ------------------------------------------------------------------
    # Learning
    # ------------------------------------------------------------------
    def _layer(self, seed: int) -> STDPTransformer:
        return STDPTransformer(
            n_neurons=self.n_filters,
            A_plus=self.A_plus,
            A_minus=self.A_minus,
            learning_rate=self.learning_rate,
            threshold=self.threshold,
            leak=self.leak,
            trace_decay=self.trace_decay,
            n_steps=self.n_steps,
            encoding="direct",
            competition=self.competition,
            theta_plus=self.theta_plus,
            theta_decay=self.theta_decay,
            weight_norm=self.weight_norm,
            max_iter=self.max_iter,
            shuffle=True,
            readout="lif",
            random_state=seed,
            verbose=self.verbose,
        )

    def _training_patches(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``patches_per_image`` ON/OFF patches of each image, contrasted positions first."""
        images = self._images(X)
        chosen = []
        per_call = max(1, PATCHES_PER_CALL // self._n_positions)
        for start, stop in block_sizes(len(images), max_block=pow2_floor(per_call)):
            x, norm = inputs(images[start:stop], np.float32(self.contrast_floor),
                              kernel=self.kernel_, stride=self.stride)
            x = np.asarray(x).reshape(stop - start, -1, x.shape[-1])
            norm = np.asarray(norm).reshape(stop - start, -1)
            # Random order among the contrasted positions, then among the rest.
            score = rng.random(norm.shape) + (norm >= 0.5 * self.contrast_floor)
            k = min(self.patches_per_image, norm.shape[1])
            pick = np.argsort(-score, axis=1)[:, :k]
            chosen.append(np.take_along_axis(x, pick[:, :, None], axis=1).reshape(-1, x.shape[-1]))
        return np.concatenate(chosen)

    #: Parameters the fitted filters and statistics depend on: fixed after the first fit.
    _SHAPE_PARAMS = ("image_shape", "n_filters", "kernel_size", "stride", "pooling", "pyramid")

    def _check_fixed_shape(self) -> None:
        for name, value in zip(self._SHAPE_PARAMS, self._fitted_shape, strict=True):
            if getattr(self, name) != value:
                raise ValueError(
                    f"{name} changed from {value!r} to {getattr(self, name)!r} since the "
                    "estimator was fitted; call fit to start again."
                )

    def _validate(self, X, *, reset: bool) -> np.ndarray:
        X = validate_data(self, X, reset=reset, dtype=np.float32, ensure_min_samples=1)
        if reset:
            self.image_shape_, self.kernel_, self._edges = geometry(
                self.image_shape, self.kernel_size, self.stride, self.pooling, self.pyramid,
                X.shape[1])
            self.grids_ = tuple((len(rows) - 1, len(cols) - 1) for rows, cols in self._edges)
            self.grid_ = self.grids_[0]
            rows, cols = self._edges[0]
            self._n_positions = rows[-1] * cols[-1]
            self._fitted_shape = tuple(getattr(self, name) for name in self._SHAPE_PARAMS)
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> ConvSTDPTransformer:
        """Learn the filters from patches of the images in X.

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width * channels)
            Flattened images, finite values.
        y : None
            Ignored.

        Returns
        -------
        self : ConvSTDPTransformer
            The fitted estimator.
        """
        self._fit(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None) -> np.ndarray:
        """Fit to X, then transform it (one read-out pass over X, not two).

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width * channels)
            Flattened images, finite values.
        y : None
            Ignored.

        Returns
        -------
        X_new : ndarray of shape (n_samples, pooling cells * n_filters), dtype float32
            The output of :meth:`transform` on X.
        """
        return self._output(self._fit(X))

    def _fit(self, X) -> np.ndarray:
        """Fit the estimator to X and return the pooled counts of X under the new filters."""
        with Rollback(self):
            X = self._validate(X, reset=True)
            rng = check_random_state(self.random_state)
            seed = int(rng.randint(np.iinfo(np.int32).max))
            self._seed = seed
            started = time.perf_counter()
            patches = self._training_patches(X, np.random.default_rng([seed, 0]))
            self.layer_ = self._layer(seed).fit(patches)
            self.n_images_seen_ = 0
            self._count_sums = None
            counts = self._update_statistics(X)
            if self.verbose:
                print(f"[ConvSTDPTransformer] {len(patches)} patches from {X.shape[0]} images, "
                      f"time = {time.perf_counter() - started:.2f}s")
        return counts

    def partial_fit(self, X, y=None) -> ConvSTDPTransformer:
        """Learn from patches of more images, continuing from the current filters.

        Each call presents ``patches_per_image`` patches of each image once
        (``max_iter`` applies to :meth:`fit` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width * channels)
            Flattened images.
        y : None
            Ignored.

        Returns
        -------
        self : ConvSTDPTransformer
            The estimator.
        """
        # The patch layer learns in place: saved as a copy.
        with Rollback(self, mutable=("layer_", "_count_sums")):
            self._validate_params()
            first_call = not hasattr(self, "layer_")
            if not first_call:
                self._check_fixed_shape()
            X = self._validate(X, reset=first_call)
            if first_call:
                rng = check_random_state(self.random_state)
                self._seed = int(rng.randint(np.iinfo(np.int32).max))
                self.layer_ = self._layer(self._seed)
                self.n_images_seen_ = 0
                self._count_sums = None
            else:
                # Rule parameters changed with set_params take effect now.
                self.layer_.set_params(**self._layer(self._seed).get_params())
            rng = np.random.default_rng([self._seed, 1, self.n_images_seen_])
            patches = self._training_patches(X, rng)
            self.layer_.partial_fit(patches)
            self._update_statistics(X)
        return self

    def _update_statistics(self, X: np.ndarray) -> np.ndarray:
        """Fold the pooled counts of X (current filters) into ``mean_`` and ``scale_``.

        Returns the counts.
        """
        pooled = self._pooled(X)
        counts = pooled.astype(np.float64)
        sums = np.stack([counts.sum(axis=0), (counts * counts).sum(axis=0)])
        if self._count_sums is not None:
            sums += self._count_sums
        self._count_sums = sums
        self.n_images_seen_ += X.shape[0]
        self.mean_ = sums[0] / self.n_images_seen_
        var = np.maximum(sums[1] / self.n_images_seen_ - self.mean_**2, 0.0)
        std = np.sqrt(var)
        std = np.where(std > 1e-6 * max(1.0, float(self.mean_.max(initial=0))), std, 1.0)
        self.scale_ = std * np.sqrt(self._n_cells)
        return pooled

    # ------------------------------------------------------------------
    # Responses
    # ------------------------------------------------------------------
    def transform(self, X) -> np.ndarray:
        """Spike counts of each filter averaged over each cell of the pooling grid.

        Every patch of each image is presented for ``n_steps`` steps from
        rest to the frozen filters (no competition), as
        :meth:`STDPTransformer.transform` presents a sample; each image's
        output depends on that image alone.

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width * channels)
            Flattened images.

        Returns
        -------
        X_new : ndarray of shape (n_samples, pooling cells * n_filters), dtype float32
            Pooled spike counts (mean count per position of each cell),
            standardised if ``standardize``, ordered by grid (``grids_``),
            grid row, grid column, filter.
        """
        check_is_fitted(self, "layer_")
        X = self._validate(X, reset=False)
        return self._output(self._pooled(X))

    def _output(self, counts: np.ndarray) -> np.ndarray:
        if not self.standardize:
            return counts
        return ((counts - self.mean_) / self.scale_).astype(np.float32)

    def _pooled(self, X: np.ndarray) -> np.ndarray:
        layer = frozen_layer(self.layer_)  # the filters, their thresholds and numbers, frozen
        images = self._images(X)
        out = np.empty((X.shape[0], self._n_features_out), np.float32)
        per_call = pow2_floor(max(1, PATCHES_PER_CALL // self._n_positions))
        for start, stop in block_sizes(len(images), max_block=per_call):
            out[start:stop] = np.asarray(pooled_counts(
                images[start:stop], layer.weights, layer.thresholds, layer.params,
                np.uint32(0), np.float32(self.contrast_floor), kernel=self.kernel_,
                stride=self.stride, grids=self._edges, n_steps=self.n_steps,
            ))
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
