"""sk_stdp.plotting, headless (Agg): checks on what is drawn, not only that it ran."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sk_stdp import STDPTransformer  # noqa: E402
from sk_stdp.plotting import (  # noqa: E402
    plot_raster,
    plot_receptive_fields,
    plot_stdp_window,
    plot_weight_histogram,
    stdp_window,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted():
    X = np.random.default_rng(0).random((40, 12))
    return STDPTransformer(n_neurons=6, n_steps=3, max_iter=1, random_state=0).fit(X)


# ---------------------------------------------------------------- receptive fields
def test_receptive_fields_one_image_per_neuron_with_input_shape():
    W = np.arange(5 * 12, dtype=float).reshape(5, 12)
    fig = plot_receptive_fields(W, (3, 4), n_cols=2)
    assert len(fig.axes) == 5
    for k, ax in enumerate(fig.axes):
        assert len(ax.images) == 1
        image = ax.images[0].get_array()
        assert image.shape == (3, 4)
        np.testing.assert_array_equal(image, W[k].reshape(3, 4))
        assert not ax.axison
    # grid of 3 rows x 2 columns
    assert fig.axes[0].get_subplotspec().get_gridspec().get_geometry() == (3, 2)


def test_receptive_fields_from_estimator_square_default(fitted):
    W = np.random.default_rng(1).random((4, 16))
    fig = plot_receptive_fields(W)  # 16 = 4 x 4
    assert [ax.images[0].get_array().shape for ax in fig.axes] == [(4, 4)] * 4
    fig = plot_receptive_fields(fitted, (3, 4))
    assert len(fig.axes) == fitted.n_neurons
    np.testing.assert_allclose(
        fig.axes[2].images[0].get_array(), fitted.components_[2].reshape(3, 4)
    )


def test_receptive_fields_order_titles_and_limit():
    W = np.random.default_rng(2).random((10, 9))
    order = [7, 3, 5, 1]
    fig = plot_receptive_fields(W, order=order, max_fields=3, titles=["a", "b", "c"])
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c"]
    for ax, neuron in zip(fig.axes, order[:3], strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), W[neuron].reshape(3, 3))


def test_receptive_fields_shared_scale():
    W = np.array([[0.0, 0.1, 0.2, 0.3], [0.0, 0.5, 0.9, 1.0]])
    fig = plot_receptive_fields(W, (2, 2), shared_scale=True)
    assert {ax.images[0].get_clim() for ax in fig.axes} == {(0.0, 1.0)}
    fig = plot_receptive_fields(W, (2, 2))
    assert [ax.images[0].get_clim() for ax in fig.axes] == [(0.0, 0.3), (0.0, 1.0)]


def test_receptive_fields_into_given_figure():
    fig = plt.figure()
    out = plot_receptive_fields(np.ones((2, 4)), (2, 2), fig=fig)
    assert out is fig and len(fig.axes) == 2


@pytest.mark.parametrize(
    "kwargs, match",
    [({"image_shape": None}, "perfect square"), ({"image_shape": (2, 5)}, "does not hold"),
     ({"image_shape": (2, 3), "titles": ["x"]}, "titles")],
)
def test_receptive_fields_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_receptive_fields(np.ones((2, 6)), **kwargs)


# ---------------------------------------------------------------- raster
def test_raster_one_point_per_spike_at_bin_and_unit():
    rng = np.random.default_rng(0)
    spikes = (rng.random((30, 7)) < 0.2).astype(np.float32)
    ax = plot_raster(spikes, title="raster")
    offsets = np.asarray(ax.collections[0].get_offsets())
    bins, units = np.nonzero(spikes)
    assert len(offsets) == spikes.sum()
    np.testing.assert_array_equal(offsets, np.column_stack([bins, units]))
    assert ax.get_xlabel() == "time step"
    assert ax.get_ylabel() == "unit"  # input channels or neurons: the caller says which
    assert ax.get_title() == "raster"
    assert ax.get_ylim() == (6.5, -0.5)  # unit 0 on top
    assert ax.get_xlim() == (-0.5, 29.5)


def test_raster_time_axis_sparse_input_and_colours():
    spikes = sp.csr_matrix(np.array([[1, 0], [0, 0], [0, 1], [1, 1]], dtype=float))
    ax = plot_raster(spikes, dt=0.5, t0=10.0, color=["red", "blue"], xlabel="time (ms)",
                     ylabel=None)
    offsets = np.asarray(ax.collections[0].get_offsets())
    np.testing.assert_array_equal(offsets, [[10.0, 0], [11.0, 1], [11.5, 0], [11.5, 1]])
    colours = ax.collections[0].get_edgecolors()
    red, blue = matplotlib.colors.to_rgba("red"), matplotlib.colors.to_rgba("blue")
    np.testing.assert_allclose(colours, [red, blue, red, blue])
    assert ax.get_xlabel() == "time (ms)" and ax.get_ylabel() == ""


def test_raster_into_existing_axes_and_empty():
    fig, axes = plt.subplots(2)
    out = plot_raster(np.zeros((5, 3)), ax=axes[1])
    assert out is axes[1]
    assert len(axes[1].collections[0].get_offsets()) == 0
    assert len(axes[0].collections) == 0
    with pytest.raises(ValueError, match="2-D"):
        plot_raster(np.zeros(5))


# ---------------------------------------------------------------- weight histogram
def test_weight_histogram_counts_every_weight(fitted):
    ax = plot_weight_histogram(fitted, bins=10, histtype="bar")
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 10
    assert sum(heights) == fitted.components_.size
    counts, _ = np.histogram(fitted.components_.ravel(), bins=10)
    np.testing.assert_array_equal(heights, counts)
    assert ax.get_xlabel() == "weight"
    assert ax.get_ylabel() == "number of synapses"
    assert ax.get_legend() is None


def test_weight_histogram_two_states_with_legend():
    rng = np.random.default_rng(0)
    ax = plot_weight_histogram(rng.random((3, 4)), label="before", bins=5)
    plot_weight_histogram(rng.random((3, 4)) ** 2, ax=ax, label="after", bins=5, log=True,
                          title="weights")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["before", "after"]
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "weights"


# ---------------------------------------------------------------- STDP window
def test_stdp_window_matches_trace_rule():
    delays = np.arange(-6, 7)
    lr, a_plus, a_minus, decay = 1.0, 0.004, 0.006, 0.9
    dw = stdp_window(delays, A_plus=a_plus, A_minus=a_minus, learning_rate=lr,
                     trace_decay=decay)
    expected = np.where(delays > 0, lr * a_plus * decay ** delays.astype(float),
                        -lr * a_minus * decay ** np.abs(delays).astype(float))
    expected[delays == 0] = lr * (a_plus - a_minus)
    np.testing.assert_allclose(dw, expected, rtol=1e-3, atol=1e-7)
    # the classic asymmetry: causal order potentiates, anti-causal depresses
    assert np.all(dw[delays > 0] > 0) and np.all(dw[delays < 0] < 0)
    # and the effect fades with the delay
    assert np.all(np.diff(dw[delays > 0]) < 0) and np.all(np.diff(dw[delays < 0]) < 0)


def test_stdp_window_with_its_own_depression_window():
    delays = np.arange(-6, 7)
    lr, a_plus, a_minus, decay, decay_post = 1.0, 0.005, 0.00425, 0.9, 0.95
    dw = stdp_window(delays, A_plus=a_plus, A_minus=a_minus, learning_rate=lr,
                     trace_decay=decay, trace_decay_post=decay_post)
    expected = np.where(delays > 0, lr * a_plus * decay ** delays.astype(float),
                        -lr * a_minus * decay_post ** np.abs(delays).astype(float))
    expected[delays == 0] = lr * (a_plus - a_minus)
    np.testing.assert_allclose(dw, expected, rtol=1e-3, atol=1e-7)
    # depression outlasts potentiation: at 6 steps it is the larger of the two
    assert -dw[0] > dw[-1]


def test_stdp_window_kernels_agree():
    delays = [-3, 0, 2]
    dense = stdp_window(delays, kernel="dense", learning_rate=1.0)
    for kernel in ("event", "numba"):
        np.testing.assert_allclose(
            dense, stdp_window(delays, kernel=kernel, learning_rate=1.0), rtol=1e-5, atol=1e-9,
            err_msg=kernel,
        )


def test_stdp_window_rejects_a_synapse_that_fires_alone():
    with pytest.raises(ValueError, match="w_init"):
        stdp_window([1], w_init=1.5)


def test_plot_stdp_window_draws_points_and_labels():
    delays, dw = np.array([-2, -1, 1, 2]), np.array([-0.2, -0.4, 0.4, 0.2])
    ax = plot_stdp_window(delays, dw, label="measured", title="window")
    np.testing.assert_array_equal(ax.lines[0].get_xydata(), np.column_stack([delays, dw]))
    assert ax.get_xlabel() == "post - pre spike delay (steps)"
    assert ax.get_ylabel() == "weight change"
    assert ax.get_title() == "window"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["measured"]
    # one stem per delay, from 0 to dw
    segments = ax.collections[0].get_segments()
    assert len(segments) == 4
    np.testing.assert_array_equal([s[1, 1] for s in segments], dw)
    with pytest.raises(ValueError, match="length"):
        plot_stdp_window([1, 2], [0.1])


# ---------------------------------------------------------------- conv filters
def test_filters_drawn_on_a_symmetric_scale():
    from sk_stdp.plotting import plot_filters

    filters = np.zeros((4, 3, 3, 1))
    filters[1, 0, 0, 0] = 2.0
    filters[2, 1, 1, 0] = -0.5
    fig = plot_filters(filters, n_cols=2)
    assert len(fig.axes) == 4
    image = fig.axes[1].images[0]
    assert image.get_array().shape == (3, 3)
    assert image.get_clim() == (-2.0, 2.0)
    rgb = plot_filters(np.ones((2, 3, 3, 3)), fig=plt.figure())
    assert rgb.axes[0].images[0].get_array().shape == (3, 3, 3)
    with pytest.raises(ValueError, match="shape"):
        plot_filters(np.ones((2, 3, 3, 2)))


def test_filters_of_a_fitted_conv_transformer():
    from sk_stdp import ConvSTDPTransformer
    from sk_stdp.plotting import plot_filters

    X = np.random.default_rng(0).random((10, 36))
    conv = ConvSTDPTransformer((6, 6), n_filters=5, kernel_size=3, random_state=0).fit(X)
    fig = plot_filters(conv, max_filters=3)
    assert len(fig.axes) == 3
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), conv.filters_[0, :, :, 0])


# ---------------------------------------------------------------- what each function needs
def test_plot_filters_of_a_fully_connected_layer_says_what_it_needs():
    from sklearn.exceptions import NotFittedError

    from sk_stdp import ConvSTDPTransformer
    from sk_stdp.plotting import plot_filters

    stdp = STDPTransformer(3, random_state=0).fit(np.random.default_rng(0).random((10, 4)))
    with pytest.raises(TypeError, match="plot_receptive_fields"):
        plot_filters(stdp)
    with pytest.raises(NotFittedError):
        plot_filters(ConvSTDPTransformer(image_shape=(8, 8)))


def test_stdp_window_of_an_estimator_is_its_own_window():
    delays = np.array([-3, -1, 1, 3])
    lr = 1.0
    stream = stdp_window(delays, estimator=STDPTransformer(stream=True), learning_rate=lr)
    # Stream mode resolves "auto" to a 10-bin potentiation and a 20-bin depression window.
    expected = np.where(delays > 0, lr * 0.005 * 0.9 ** delays,
                        -lr * 0.00425 * 0.95 ** np.abs(delays))
    np.testing.assert_allclose(stream, expected, rtol=1e-3)
    # Sample mode: the seed rule's potentiation, a 10-step depression window.
    sample = stdp_window(delays, estimator=STDPTransformer(), learning_rate=lr)
    expected = np.where(delays > 0, lr * 0.005 * 0.95 ** delays,
                        -lr * 0.00525 * 0.9 ** np.abs(delays))
    np.testing.assert_allclose(sample, expected, rtol=1e-3)
    # With trace_decay set to a number, one window for both traces, as without an estimator.
    one_window = stdp_window(delays, estimator=STDPTransformer(trace_decay=0.95),
                             learning_rate=lr)
    np.testing.assert_allclose(one_window, stdp_window(delays, learning_rate=lr), rtol=1e-6)
    # The estimator's own numbers, and a value given here overrides its.
    own = STDPTransformer(A_plus=0.01, trace_decay=0.8)
    np.testing.assert_allclose(stdp_window([2], estimator=own, learning_rate=lr),
                               [lr * 0.01 * 0.8**2], rtol=1e-3)
    np.testing.assert_allclose(stdp_window([2], estimator=own, learning_rate=lr, A_plus=0.02),
                               [lr * 0.02 * 0.8**2], rtol=1e-3)
    with pytest.raises(TypeError, match="STDPTransformer"):
        stdp_window([1], estimator=object())
