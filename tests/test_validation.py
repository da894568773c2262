"""Bad input: a clear ValueError, and the estimator left as it was. Extremes stay finite."""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError

from sk_stdp import STDPTransformer


def _bad_inputs(n_features):
    rng = np.random.default_rng(0)
    good = rng.random((6, n_features))
    nan, inf, neg = good.copy(), good.copy(), good.copy()
    nan[2, 3] = np.nan
    inf[1, 0] = np.inf
    neg[4, 2] = -0.5
    return {
        "nan": (nan, "NaN"),
        "inf": (inf, "infinity"),
        "negative": (neg, "Negative values"),
        "negative-sparse": (sp.csr_matrix(neg), "Negative values"),
        "empty": (np.empty((0, n_features)), "0 sample"),
        "one-d": (good[0], "Expected 2D array"),
        "no-features": (np.empty((4, 0)), "0 feature"),
        "too-large-for-float32": (good * 1e300, "too large"),
    }


BAD = list(_bad_inputs(20))


def _rejects(case, method):
    """Empty X is bad input for fit only: for partial_fit and transform it is an empty chunk."""
    return case != "empty" or method == "fit"


@pytest.mark.parametrize(
    ("case", "method"),
    [(case, method) for case in BAD for method in ["fit", "partial_fit"] if _rejects(case, method)],
)
def test_bad_input_on_unfitted(active, case, method):
    X, message = _bad_inputs(20)[case]
    est = STDPTransformer(**active)
    with pytest.raises(ValueError, match=message):
        getattr(est, method)(X)
    # Still unfitted, and still usable.
    with pytest.raises(NotFittedError):
        est.transform(np.ones((2, 20)))
    est.partial_fit(np.ones((2, 20)) / 2)
    assert est.n_samples_seen_ == 2


@pytest.mark.parametrize(
    ("case", "method"),
    [
        (case, method)
        for case in [*BAD, "wrong-width", "poisson-above-one"]
        for method in ["fit", "partial_fit", "transform", "predict"]
        if (case, method) != ("wrong-width", "fit")  # fit accepts a new width: it starts over
        and _rejects(case, method)
    ],
)
def test_bad_input_on_fitted_changes_nothing(active, X_rates, snap, case, method):
    encoding = "poisson" if case == "poisson-above-one" else "direct"
    est = STDPTransformer(**dict(active, stream=True, encoding=encoding)).fit(X_rates)
    assert np.any(est.v_) or np.any(est.trace_post_)
    before = snap.take(est)
    if case == "wrong-width":
        X, message = np.ones((3, 7)), "7 features.*expecting 20"
    elif case == "poisson-above-one":
        X, message = X_rates * 1.5, r"\[0, 1\]"
    else:
        X, message = _bad_inputs(20)[case]
        if method == "predict" and sp.issparse(X):
            X = X.toarray()
    with pytest.raises(ValueError, match=message):
        getattr(est, method)(X)
    snap.same(before, snap.take(est))
    # And it carries on exactly as if nothing had happened.
    twin = STDPTransformer(**est.get_params()).fit(X_rates)
    np.testing.assert_array_equal(
        est.partial_fit(X_rates[:5]).components_, twin.partial_fit(X_rates[:5]).components_
    )


def test_poisson_accepts_the_closed_unit_interval(active, X_rates):
    X = X_rates.copy()
    X[0, :] = 1.0
    X[1, :] = 0.0
    est = STDPTransformer(**dict(active, encoding="poisson")).fit(X)
    assert est.transform(X).shape == (X.shape[0], active["n_neurons"])


def test_invalid_init(active):
    X = np.ones((4, 20)) / 2
    with pytest.raises(ValueError, match="init has shape"):
        STDPTransformer(**dict(active, init=np.ones((3, 20)))).fit(X)
    bad = np.ones((active["n_neurons"], 20))
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        STDPTransformer(**dict(active, init=bad)).fit(X)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (dict(w_min=1.0, w_max=0.5), "w_min"),
        (dict(threshold=np.nan), "threshold"),
        (dict(threshold=0.0), "threshold"),
        (dict(threshold=-1.0), "threshold"),
        (dict(v_reset=1.0, threshold="auto"), "v_reset.*below the threshold, 1.0"),
        (dict(threshold=0.5, v_reset=0.7), "v_reset"),
        (dict(max_input=0.0), "max_input"),
        (dict(weight_dependence="multiplicative", w_min=-1e30, w_max=1e30),
         "too wide for weight_dependence='multiplicative'"),
        (dict(v_reset=np.inf), "v_reset"),
        (dict(A_plus=-1.0), "A_plus"),
        (dict(leak=1.5), "leak"),
        (dict(encoding="rate"), "encoding"),
        (dict(n_neurons=0), "n_neurons"),
    ],
)
def test_invalid_parameters(active, params, message):
    with pytest.raises(ValueError, match=message):
        STDPTransformer(**dict(active, **params)).fit(np.ones((4, 20)) / 2)


# --------------------------------------------------------------------------
# Property-based: any array in, only ValueError/TypeError out, never NaN weights.
# --------------------------------------------------------------------------
DTYPES = st.sampled_from(
    [np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8, np.bool_, np.complex64,
     np.dtype("U3"), np.dtype("O")]
)


@st.composite
def arrays(draw):
    dtype = np.dtype(draw(DTYPES))
    shape = draw(st.tuples(st.integers(0, 5), st.sampled_from([0, 1, 3])))
    if dtype.kind == "U":
        elements = st.text(alphabet="0123456789.-ainf", max_size=3)
    elif dtype.kind == "O":
        elements = st.one_of(st.none(), st.floats(allow_nan=True), st.integers(-5, 5))
    elif dtype.kind in "fc":
        width = 8 * dtype.itemsize if dtype.kind == "f" else 4 * dtype.itemsize
        kind = np.dtype(f"f{width // 8}").type
        # Magnitudes up to 1e30: see test_huge_finite_inputs_stay_finite for larger ones.
        big = float(np.finfo(kind).max if width == 16 else kind(1e30))
        valid = st.one_of(st.floats(0, 1, width=width), st.floats(0, big, width=width))
        anything = st.one_of(
            st.floats(-big, big, width=width, allow_subnormal=width > 16),
            st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1.0]),
        )
        elements = valid if draw(st.booleans()) else anything
    else:
        elements = None
    return draw(hnp.arrays(dtype, shape, elements=elements))


KERNELS = ["numba", "dense", "event"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=arrays(), encoding=st.sampled_from(["direct", "poisson"]), stream=st.booleans(),
       kernel=st.sampled_from(KERNELS), max_input=st.sampled_from(["auto", np.inf]))
def test_any_input_gives_value_error_or_finite_weights(X, encoding, stream, kernel, max_input):
    est = STDPTransformer(n_neurons=3, n_steps=2, max_iter=1, random_state=0, stream=stream,
                          encoding=encoding, kernel=kernel, max_input=max_input)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. overflow when casting
        try:
            est.fit(X)
        except ValueError:
            event("ValueError")
            assert not hasattr(est, "n_features_in_")
            return
        except TypeError:
            event("TypeError")
            assert X.dtype.kind in "OUSVcmM", X.dtype
            return
        event("fitted")
        out = est.transform(X)
    W = est.components_
    assert np.all(np.isfinite(W)) and W.min() >= est.w_min and W.max() <= est.w_max
    assert np.all(np.isfinite(est.theta_))
    assert np.all(np.isfinite(out)) and out.min() >= 0


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("stream", [True, False])
def test_huge_finite_inputs_stay_finite(stream, kernel):
    # Refused by default (above max_input); accepted with max_input=inf, where traces
    # overflow float32: the weights must stay finite and in bounds on every kernel.
    X = (np.random.default_rng(0).random((64, 20)) < 0.3) * 1e38
    est = STDPTransformer(8, stream=stream, max_iter=1, random_state=0, kernel=kernel)
    with pytest.raises(ValueError, match="too large: above max_input"):
        est.fit(X)
    assert not hasattr(est, "n_features_in_")
    est.set_params(max_input=np.inf).fit(X)
    W = est.components_
    assert np.all(np.isfinite(W)) and W.min() >= est.w_min and W.max() <= est.w_max
    assert np.all(np.isfinite(est.transform(X)))


# --------------------------------------------------------------------------
# Extreme parameter values: long runs stay finite and inside [w_min, w_max].
# --------------------------------------------------------------------------
EXTREMES = {
    "huge-learning-rate": dict(learning_rate=1e30),
    "huge-amplitudes": dict(A_plus=1e30, A_minus=1e30, learning_rate=1e8),
    "huge-A-plus": dict(A_plus=1e35, A_minus=0.0),
    "threshold-tiny": dict(threshold=1e-30),
    "no-leak-no-decay": dict(leak=1.0, trace_decay=1.0, learning_rate=10.0),
    "zero-leak-zero-decay": dict(leak=0.0, trace_decay=0.0),
    "huge-theta-plus": dict(theta_plus=1e30),
    "huge-inhibition": dict(competition="lateral", inhibition=1e30, leak=1.0),
    "huge-weight-norm": dict(weight_norm=1e30),
    "tiny-weight-norm": dict(weight_norm=1e-30),
    "equal-bounds": dict(w_min=0.5, w_max=0.5),
    "wide-bounds": dict(w_min=-1e30, w_max=1e30, learning_rate=1e6, weight_norm=None),
    "huge-negative-reset": dict(v_reset=-1e30),
    "plain-rule-no-leak": dict(competition=None, weight_norm=None, theta_plus=0.0, leak=1.0,
                               trace_decay=1.0, learning_rate=100.0),
    "triplet-huge-amplitudes": dict(rule="triplet", A_plus=1e30, A3_plus=1e30, A_minus=1e30,
                                    learning_rate=1e8),
    "nearest-huge-amplitudes": dict(rule="nearest", A_plus=1e30, A_minus=1e30,
                                    learning_rate=1e8),
    "multiplicative-huge-amplitudes": dict(weight_dependence="multiplicative", A_plus=1e30,
                                           A_minus=1e30, learning_rate=1e8),
    "multiplicative-wide-bounds": dict(weight_dependence="multiplicative", w_min=-1e18,
                                       w_max=1e18, learning_rate=1e6, weight_norm=None),
}


@pytest.fixture(scope="module")
def long_inputs():
    rng = np.random.default_rng(5)
    spikes = (rng.random((1024, 20)) < 0.3).astype(np.float64)
    currents = rng.random((1024, 20)) * 50.0
    return {"spikes": spikes, "currents": currents}


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("case", list(EXTREMES))
def test_extreme_parameters_stay_finite_and_bounded(active, long_inputs, case, kernel):
    for stream in (True, False):
        for name, X in long_inputs.items():
            X = X if stream else X[:256]
            params = dict(active, stream=stream, kernel=kernel, **EXTREMES[case])
            est = STDPTransformer(**params).fit(X)
            W = est.components_
            where = f"{case} stream={stream} {name} kernel={kernel}"
            assert np.all(np.isfinite(W)), where
            assert W.min() >= np.float32(est.w_min) and W.max() <= np.float32(est.w_max), where
            for attr in ("theta_", "v_", "trace_pre_", "trace_post_"):
                assert not np.any(np.isnan(getattr(est, attr))), f"{where} {attr}"
            out = est.transform(X[:64])
            assert np.all(np.isfinite(out)) and out.min() >= 0, where


@pytest.mark.parametrize("name", ["n_neurons", "n_steps", "max_iter"])
def test_boolean_counts_are_rejected(name):
    est = STDPTransformer(**{name: True})
    with pytest.raises(ValueError, match=name):
        est.fit(np.ones((4, 3)))
    assert not hasattr(est, "n_features_in_")


def test_useless_layers_warn():
    X = np.random.default_rng(0).random((8, 5))
    with pytest.warns(UserWarning, match="at or below w_min"):
        STDPTransformer(3, init=-np.ones((3, 5)), max_iter=1).fit(X)
    with pytest.warns(UserWarning, match="weight_norm=1.5"):
        est = STDPTransformer(
            3, weight_norm=1.5, max_iter=1, learning_rate=0.0, random_state=0
        ).fit(X)
    # What the warning is about: the mean weight stays short of the target and
    # most weights sit at w_max.
    assert np.all(est.components_.mean(axis=1) < 1.5)
    assert np.mean(est.components_ == est.w_max) >= 0.8
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        STDPTransformer(3, max_iter=1).fit(X)  # the defaults do not warn


def test_lateral_competition_that_collapses_the_layer_warns():
    """Lateral competition without inhibition in sample mode: neurons that cross their
    thresholds at the same step all fire and learn the same sample, until the layer is one
    prototype copied; the fit says so. The default inhibition gives each neuron its own
    weights, and the fit is silent."""
    X = load_digits().data[:600] / 16.0
    with pytest.warns(UserWarning, match="same weights as another neuron") as record:
        est = STDPTransformer(100, competition="lateral", inhibition=0.0,
                              random_state=0).fit(X)
    assert sum("same weights" in str(w.message) for w in record) == 1
    unit = est.components_ / np.linalg.norm(est.components_, axis=1, keepdims=True)
    similarity = unit @ unit.T - 2 * np.eye(len(unit))
    assert np.mean(similarity.max(axis=1) >= 0.9999) >= 0.5  # what the warning is about
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for competition in ("lateral", "wta"):
            STDPTransformer(100, competition=competition, random_state=0).fit(X)


@pytest.mark.parametrize("readout", ["cosine", "rate"])
@pytest.mark.parametrize("setting", [{"stream": True}, {"transform_competition": True}])
def test_sample_readouts_reject_streams_and_readout_competition(readout, setting):
    X = np.random.default_rng(0).random((10, 5))
    with pytest.raises(ValueError, match=f"readout='{readout}'"):
        STDPTransformer(4, readout=readout, random_state=0, **setting).fit(X)
    # With "auto" the same settings read out by the learning neurons.
    assert STDPTransformer(4, random_state=0, **setting).fit(X).transform(X).shape == (10, 4)


# --------------------------------------------------------------------------
# Values no spike count, rate or intensity can take; values a scaler gives
# --------------------------------------------------------------------------
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize(
    ("params", "bound"),
    [(dict(stream=True), 100), (dict(stream=False), 1e6), (dict(max_input=5.0), 5),
     (dict(encoding="poisson"), 1)],
    ids=["stream", "sample", "given", "poisson"],
)
@pytest.mark.parametrize("method", ["partial_fit", "transform"])
def test_values_above_the_bound_are_refused_by_position(active, X_rates, snap, params, bound,
                                                        sparse, method):
    est = STDPTransformer(**dict(active, **params)).fit(X_rates)
    before = snap.take(est)
    X = X_rates.copy()
    X[17, 6] = 3 * bound  # one corrupted value among valid rows
    X = sp.csr_matrix(X) if sparse else X
    with pytest.raises(ValueError, match=re.escape(f"X[17, 6] = {3 * bound:g} is too large: "
                                                   f"above max_input={bound:g}")
                       if params.get("encoding") != "poisson" else r"X\[17, 6\].*\[0, 1\]"):
        getattr(est, method)(X)
    snap.same(before, snap.take(est))
    # A value at the bound is taken.
    X = X_rates.copy()
    X[17, 6] = bound
    getattr(est, method)(sp.csr_matrix(X) if sparse else X)


def test_nan_is_named_by_position(active, X_rates):
    X = X_rates.copy()
    X[3, 11] = np.nan
    with pytest.raises(ValueError, match=r"NaN \(X\[3, 11\] = nan\)"):
        STDPTransformer(**active).fit(X)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_sample_transform_reads_negative_values_as_zero(active, X_rates, sparse):
    est = STDPTransformer(**active).fit(X_rates)
    shifted = X_rates - 0.05  # as a scaler fitted on other rows may give
    clipped = np.maximum(shifted, 0)
    assert shifted.min() < 0
    convert = sp.csr_matrix if sparse else np.asarray
    np.testing.assert_array_equal(est.transform(convert(shifted)), est.transform(clipped))
    assert est.transform(clipped).sum() > 0
    # Learning still refuses them, and so does the stream read-out (spike counts).
    with pytest.raises(ValueError, match="Negative values"):
        est.partial_fit(convert(shifted))
    stream = STDPTransformer(**dict(active, stream=True)).fit(X_rates)
    with pytest.raises(ValueError, match="Negative values"):
        stream.transform(convert(shifted))


def test_unscaled_sample_input_warns_once_per_fit(active, X_rates):
    with pytest.warns(UserWarning, match="Scale X into") as record:
        STDPTransformer(**active).fit(X_rates * 255)
    assert len([w for w in record if "Scale X" in str(w.message)]) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        STDPTransformer(**active).fit(X_rates)  # within [0, 1]
        STDPTransformer(**dict(active, stream=True)).fit(X_rates * 3)  # spike counts
