"""What a value of X may be: checks that name the offending value."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import validate_data

from ._config import LayerSpec, describe
from .sources import container_hint


def validate_X(estimator, X, spec: LayerSpec | None, *, allow_empty: bool = False,
               learning: bool = True) -> tuple:
    """``(X, spec)``: X as float32 (array or CSR), or a ValueError naming what is wrong.

    ``spec=None``: a new layer, described for X's width. ``learning=False``
    (read-out): in sample mode, negative values (a scaler fitted on other
    rows gives them to held-out rows) are read as zero.
    """
    clip = not learning and spec is not None and not spec.stream
    if spec is not None:
        fast = _validate_fast(X, spec, estimator)
        if fast is not None:
            return fast, spec
    hint = container_hint(X)  # spike trains, sortings, event arrays: name the adapter
    if hint is not None:
        raise ValueError(hint)
    X = validate_data(
        estimator,
        X,
        reset=spec is None,
        accept_sparse="csr",
        # Float64 input is checked before it becomes float32, the dtype of the
        # dynamics, so that a value beyond float32's range is refused by name.
        dtype=[np.float32, np.float64],
        ensure_all_finite=False,
        ensure_min_samples=0 if allow_empty else 1,
    )
    if spec is None:
        spec = describe(estimator.get_params(deep=False), X.shape[1])
    if X.shape[0]:
        check_values(X, spec.max_input, input_kind(spec), negative_ok=clip)
    X = X.astype(np.float32, copy=False)
    return (clip_negative(X) if clip else X), spec


def _validate_fast(X, spec: LayerSpec, estimator) -> np.ndarray | None:
    """X as float32 if it is a plain, valid numpy array for a fitted estimator, else None.

    Streaming calls a few rows at a time, where scikit-learn's general
    validation costs more than the learning. Anything unusual (other types,
    feature names, wrong shape, bad values) returns None and goes through the
    full validation, which raises the informative errors.
    """
    if (
        type(X) is not np.ndarray
        or X.ndim != 2
        or X.shape[0] == 0
        or X.shape[1] != getattr(estimator, "n_features_in_", -1)
        or hasattr(estimator, "feature_names_in_")
        or X.dtype.kind not in "fiub"
    ):
        return None
    with np.errstate(over="ignore"):  # too large for float32: inf, refused just below
        X = np.asarray(X, dtype=np.float32)
    if not (np.isfinite(X).all() and X.min() >= 0 and X.max() <= spec.max_input):
        return None  # full validation: negatives clipped, or an error naming the value
    return X


def warn_unscaled(X, spec: LayerSpec) -> None:
    """One warning per fit when sample-mode direct input goes beyond [0, 1]."""
    if spec.stream or spec.encoding != "direct" or X.shape[0] == 0:
        return
    top = float(X.max())
    if top > 1:
        warnings.warn(
            f"X holds values up to {top:g}. In sample mode with encoding='direct' the "
            "default thresholds, amplitudes and weight_norm are set for intensities in "
            "[0, 1]; larger values drive the neurons far above their thresholds and "
            "learning loses accuracy. Scale X into [0, 1], e.g. X / X.max() or a "
            "MinMaxScaler() before this step of the pipeline.",
            UserWarning, stacklevel=4,
        )


#: Cosine similarity from which two neurons' weights count as the same prototype.
SAME_PROTOTYPE = 0.9999
#: How many neurons the check for a collapsed layer compares with the whole layer.
COLLAPSE_SAMPLE = 256


def closest_similarity(weights: np.ndarray, n_checked: int | None = None) -> np.ndarray:
    """Cosine similarity of each of the first ``n_checked`` neurons (all by default) to
    the closest other neuron of the layer (``weights``: input-major, one column per
    neuron); a neuron whose weights are all zero is similar to none."""
    norms = np.linalg.norm(weights, axis=0)
    unit = weights / np.where(norms > 0, norms, 1)
    n_checked = weights.shape[1] if n_checked is None else min(n_checked, weights.shape[1])
    similarity = unit[:, :n_checked].T @ unit
    np.fill_diagonal(similarity, -1)  # not each neuron with itself
    return similarity.max(axis=1)


def warn_collapsed(weights: np.ndarray, spec: LayerSpec) -> None:
    """One warning per fit when lateral competition left most neurons with the weights of
    another neuron (``weights``: input-major, one column per neuron). The first
    :data:`COLLAPSE_SAMPLE` neurons (their weights start at random) stand for the layer."""
    if spec.competition != "lateral" or spec.n_neurons < 2:
        return
    n_checked = min(spec.n_neurons, COLLAPSE_SAMPLE)
    twins = int((closest_similarity(weights, n_checked) >= SAME_PROTOTYPE).sum())
    if twins >= n_checked / 2:
        inhibition = dict(spec.values)["inhibition"]
        warnings.warn(
            f"{twins} of {n_checked} neurons checked ended with the same weights as "
            "another neuron: they learned the same inputs. With competition='lateral', "
            f"inhibition={inhibition:g} lets neurons that cross their thresholds at "
            "the same step fire together and learn alike, which is common when an input "
            "is held for a presentation (sample mode). Raise inhibition (the default, "
            "1.0, pushes the other neurons back by their whole threshold) or use "
            "competition='wta'.",
            UserWarning, stacklevel=4,
        )


def input_kind(spec: LayerSpec) -> str:
    """What a value of X is for this layer, in the words of the error messages."""
    if spec.encoding == "poisson":
        return ("encoding='poisson' reads values as per-step firing probabilities, which "
                "must lie in [0, 1]")
    if spec.stream:
        return ("in stream mode with encoding='direct' a value is a spike count (or graded "
                "input) of one channel in one time bin")
    return ("in sample mode with encoding='direct' a value is an input intensity or current, "
            "expected in [0, 1]")


def check_values(X, bound: float, kind: str, *, negative_ok: bool) -> None:
    """Refuse X if a value is NaN, infinite, above ``bound`` or (unless ``negative_ok``)
    negative, naming the first such value by its row and column."""
    data = X.data if sp.issparse(X) else X
    if data.size == 0:
        return
    low, high = data.min(), data.max()  # NaN propagates into both
    if np.isfinite(low) and np.isfinite(high) and high <= bound and (negative_ok or low >= 0):
        return  # two passes over a good X; the offending value is searched for only if not
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(data) | (data > bound)
        if not negative_ok:
            bad |= data < 0
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


def clip_negative(X):
    """X with negative values set to zero (a copy where any is negative)."""
    data = X.data if sp.issparse(X) else X
    if data.size == 0 or data.min() >= 0:
        return X
    if sp.issparse(X):
        X = X.copy()
        np.maximum(X.data, 0, out=X.data)
        return X
    return np.maximum(X, 0)


def n_rows(X) -> int:
    """Rows of a 2-D input (array, list, DataFrame or sparse), or -1 for anything else."""
    shape = getattr(X, "shape", None)
    if shape is None:
        try:
            shape = np.shape(X)
        except ValueError:  # ragged lists: let validation explain
            return -1
    return int(shape[0]) if len(shape) == 2 else -1
