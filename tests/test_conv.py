"""ConvSTDPTransformer: what its filters learn on digits, and its behaviour as an estimator.

The split is the learning benchmark's: ``load_digits``, X / 16,
``train_test_split(test_size=0.3, random_state=0, stratify=y)``.
"""

import pickle

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from sk_stdp import ConvSTDPTransformer

#: The default bank; the digits images are small enough for it to fit in seconds.
SMALL = dict(image_shape=(8, 8), random_state=0)
N_FILTERS = ConvSTDPTransformer(**SMALL).n_filters


_fitted = {}


def _conv(split, **params):
    key = tuple(sorted(params.items()))
    if key not in _fitted:
        _fitted[key] = ConvSTDPTransformer(**{**SMALL, **params}).fit(split[0])
    return _fitted[key]


def _score(split, conv) -> float:
    X_train, X_test, y_train, y_test = split
    clf = LogisticRegression(max_iter=1000).fit(conv.transform(X_train), y_train)
    return clf.score(conv.transform(X_test), y_test)


def test_conv_features_beat_raw_pixels(split, pixel_score):
    assert _score(split, _conv(split)) > pixel_score


def test_without_competition_raw_pixels_win(split, pixel_score):
    conv = _conv(split, competition=None)
    assert _score(split, conv) < pixel_score


def _closest(filters: np.ndarray) -> np.ndarray:
    """For each filter, the highest cosine similarity to another filter."""
    flat = filters.reshape(len(filters), -1)
    unit = flat / np.linalg.norm(flat, axis=1, keepdims=True)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -1.0)
    return similarity.max(axis=1)


def test_filters_differ_from_each_other(split):
    closest = _closest(_conv(split).filters_)
    assert closest.max() < 0.999  # no filter is a copy of another
    assert np.median(closest) < 0.93
    # Without competition most filters learn the same pattern as another one.
    assert np.median(_closest(_conv(split, competition=None).filters_)) > 0.99


def test_filters_are_oriented_strokes(split):
    # A filter responds to a contrast pattern: its ON and OFF weights sit in
    # different places, so its ON-minus-OFF image has both signs.
    filters = _conv(split).filters_
    flat = filters.reshape(len(filters), -1)
    assert np.all(flat.max(axis=1) > 0) and np.all(flat.min(axis=1) < 0)


def test_pooling_keeps_coarse_position(split):
    conv = _conv(split, standardize=False)
    assert conv.grid_ == (4, 4)
    # The left half of each digit, then the same strokes moved to the right half:
    # their counts move from the left column of the pooling grid to the right one.
    left = split[1][:50].reshape(50, 8, 8).copy()
    left[:, :, 4:] = 0
    right = np.roll(left, 4, axis=2)
    counts = [
        conv.transform(images.reshape(50, 64))[:, :16 * N_FILTERS].reshape(50, 4, 4, N_FILTERS)
        for images in (left, right)
    ]
    assert counts[0][:, :, 3].sum() < 0.1 * counts[0][:, :, 0].sum()
    assert counts[1][:, :, 0].sum() < 0.1 * counts[1][:, :, 3].sum()
    assert counts[0].sum() > 0 and counts[1].sum() > 0


def test_pyramid_adds_the_coarser_grids(split):
    conv = _conv(split, standardize=False)
    assert conv.kernel_ == (3, 3)
    assert conv.grids_ == ((4, 4), (3, 3), (2, 2), (1, 1))
    counts = conv.transform(split[1][:20])
    assert counts.shape == (20, 30 * N_FILTERS)
    # The last grid is the whole map: the mean of the counts over positions,
    # which the 2 x 2 grid (equal cells of 3 x 3 positions) also gives.
    whole = counts[:, -N_FILTERS:]
    halves = counts[:, -5 * N_FILTERS:-N_FILTERS].reshape(20, 4, N_FILTERS)
    np.testing.assert_allclose(whole, halves.mean(axis=1), rtol=1e-5, atol=1e-6)
    flat = ConvSTDPTransformer(**SMALL, pyramid=False, standardize=False)
    flat.set_params(**{k: v for k, v in conv.get_params().items() if k != "pyramid"})
    flat.fit(split[0])
    assert flat.grids_ == ((4, 4),)
    np.testing.assert_allclose(flat.transform(split[1][:20]), counts[:, :16 * N_FILTERS])


def test_auto_kernel_follows_the_image_size():
    X = np.random.default_rng(0).random((4, 28 * 28))
    conv = ConvSTDPTransformer(image_shape=(28, 28), n_filters=2, random_state=0).fit(X)
    assert conv.kernel_ == (5, 5) and conv.filters_.shape == (2, 5, 5, 1)
    small = ConvSTDPTransformer(image_shape=(2, -1), n_filters=2, pooling=1).fit(X[:, :10])
    assert small.kernel_ == (2, 3)


def test_fit_transform_is_fit_then_transform(split):
    X_train = split[0][:200]
    conv = ConvSTDPTransformer(**SMALL)
    np.testing.assert_array_equal(conv.fit_transform(X_train), conv.transform(X_train))


def test_standardized_output_is_affine_in_counts(split):
    X_train = split[0]
    conv = _conv(split)
    counts = conv.set_params(standardize=False).transform(X_train)
    conv.set_params(standardize=True)
    np.testing.assert_allclose(counts.mean(axis=0), conv.mean_, rtol=1e-4, atol=1e-4)
    scaled = conv.transform(X_train)
    np.testing.assert_allclose(scaled, (counts - conv.mean_) / conv.scale_, rtol=1e-4, atol=1e-4)


def test_rgb_images_and_inferred_side():
    rng = np.random.default_rng(0)
    X = rng.random((12, 6 * 7 * 3))
    conv = ConvSTDPTransformer(image_shape=(6, -1, 3), n_filters=3, kernel_size=3, pooling=2,
                               random_state=0).fit(X)
    assert conv.image_shape_ == (6, 7, 3)
    assert conv.filters_.shape == (3, 3, 3, 3)
    assert conv.transform(X).shape == (12, (2 * 2 + 1) * 3)
    assert conv.get_feature_names_out()[-1] == "convstdptransformer14"


def test_partial_fit_learns_and_is_reproducible(split):
    X_train = split[0][:400]
    a = ConvSTDPTransformer(**SMALL)
    for chunk in np.array_split(X_train, 4):
        assert a.partial_fit(chunk) is a
    b = ConvSTDPTransformer(**SMALL)
    for chunk in np.array_split(X_train, 4):
        b.partial_fit(chunk)
    assert a.n_images_seen_ == 400
    np.testing.assert_array_equal(a.components_, b.components_)
    initial = ConvSTDPTransformer(**SMALL).partial_fit(X_train[:1])
    assert not np.allclose(a.components_, initial.components_)
    # The statistics of one call are those of its images under the filters it left.
    one = ConvSTDPTransformer(**SMALL, standardize=False).partial_fit(X_train[:100])
    counts = one.transform(X_train[:100])
    np.testing.assert_allclose(one.mean_, counts.mean(axis=0), rtol=1e-4, atol=1e-5)
    # scale_ is the deviation times the square root of the number of pooling cells.
    spread = counts.std(axis=0) > 0.01
    np.testing.assert_allclose(one.scale_[spread] / np.sqrt(30),
                               counts.std(axis=0)[spread], rtol=1e-3)


def test_pickle_round_trip(split):
    conv = _conv(split)
    again = pickle.loads(pickle.dumps(conv))
    np.testing.assert_array_equal(again.transform(split[1][:20]), conv.transform(split[1][:20]))


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(image_shape=(8, 9)), "holds 72 values"),
        (dict(image_shape=(8,)), "2 or 3 ints"),
        (dict(image_shape=(-1, -1)), "one may be -1"),
        (dict(image_shape=(3, -1)), "cannot hold"),
        (dict(image_shape=(8, 8), kernel_size=9), "larger than the image"),
        (dict(image_shape=(8, 8), pooling=(2, 0)), "pooling"),
    ],
)
def test_bad_geometry_is_a_clear_error_that_changes_nothing(params, message):
    X = np.random.default_rng(0).random((5, 64))
    conv = ConvSTDPTransformer(**params)
    with pytest.raises(ValueError, match=message):
        conv.fit(X)
    assert not hasattr(conv, "layer_") and not hasattr(conv, "n_features_in_")


def test_bad_input_after_fit_changes_nothing(split):
    conv = ConvSTDPTransformer(**SMALL).fit(split[0][:50])
    weights = conv.components_.copy()
    for bad in (np.full((3, 64), np.nan), np.ones((3, 63))):
        with pytest.raises(ValueError):
            conv.partial_fit(bad)
        with pytest.raises(ValueError):
            conv.transform(bad)
    np.testing.assert_array_equal(conv.components_, weights)
    assert conv.n_images_seen_ == 50


def test_set_params_between_partial_fit_calls(split):
    X_train = split[0][:100]
    conv = ConvSTDPTransformer(**SMALL).partial_fit(X_train[:50])
    twin = pickle.loads(pickle.dumps(conv))
    weights = conv.components_.copy()
    conv.set_params(learning_rate=0.0).partial_fit(X_train[50:])
    twin.partial_fit(X_train[50:])
    # The zero learning rate reaches the filters: they move far less than the twin's
    # (only the weight normalisation acts).
    assert conv.layer_.learning_rate == 0.0
    still = np.abs(conv.components_ - weights).max()
    assert still < 0.1 * np.abs(twin.components_ - weights).max()
    conv.set_params(n_filters=N_FILTERS + 1)
    with pytest.raises(ValueError, match="n_filters"):
        conv.partial_fit(X_train[:10])
    assert conv.n_images_seen_ == 100
