"""A corrupted chunk in the middle of a stream never costs what the layer learned.

A value above ``max_input`` is refused before it touches the layer, which then goes on
exactly as if the chunk had not come; values up to the bound are taken and the learned
pattern is still detected.
"""

import copy

import numpy as np
import pytest

from sk_stdp import STDPTransformer
from sk_stdp.patterns import choose_neurons, make_pattern_stream, pattern_detection_scores

SEED = 1
LEARN_CHUNKS = 60  # 1 s chunks of 1 ms bins


@pytest.fixture(scope="module")
def learned():
    """A default layer that has learned the pattern of a 1000-channel recording."""
    train = make_pattern_stream(1000, 90_000, rate=(10.0, 50.0), pattern_bins=40,
                                random_state=SEED)
    chunks = list(train.chunks())
    est = STDPTransformer(4, stream=True, random_state=SEED)
    for chunk in chunks[:LEARN_CHUNKS]:
        est.partial_fit(chunk)
    choice = train.resample(20_000, SEED + 1)
    scores = pattern_detection_scores(est.transform(choice.raster()), choice.onsets,
                                      choice.pattern_bins)
    neuron = int(choose_neurons(scores, choice.pattern_bins)[0])
    return est, chunks, train.resample(20_000, SEED + 2), neuron


def _detection(est, test, neuron):
    scores = pattern_detection_scores(est.transform(test.raster()), test.onsets,
                                      test.pattern_bins)
    return scores["hits"][0, neuron], scores["false_alarms"][neuron]


def test_the_layer_has_learned_the_pattern(learned):
    est, _, test, neuron = learned
    hits, false_alarms = _detection(est, test, neuron)
    assert hits >= 0.95 and false_alarms <= 2.0


@pytest.mark.parametrize("value", [1e30, np.inf, np.nan, 1e3])
def test_a_corrupted_chunk_is_refused_and_learning_goes_on_as_without_it(learned, snap, value):
    est, chunks, test, neuron = learned
    est = copy.deepcopy(est)
    twin = copy.deepcopy(est)
    before = snap.take(est)
    glitch = chunks[LEARN_CHUNKS].toarray()
    glitch[500, 3] = value
    with pytest.raises(ValueError, match=r"X\[500, 3\]"):
        est.partial_fit(glitch)
    snap.same(before, snap.take(est))
    for chunk in chunks[LEARN_CHUNKS:LEARN_CHUNKS + 10]:
        est.partial_fit(chunk)
        twin.partial_fit(chunk)
    np.testing.assert_array_equal(est.components_, twin.components_)
    np.testing.assert_array_equal(est.theta_, twin.theta_)
    hits, false_alarms = _detection(est, test, neuron)
    assert hits >= 0.95 and false_alarms <= 2.0


@pytest.mark.parametrize(
    ("where", "value", "bins", "recovery_chunks"),
    [("one channel", 100, 1, 0), ("every channel", 10, 3, 0), ("every channel", 100, 1, 5)],
    ids=["bound-on-its-best-channel", "artefact-10-for-3-bins", "bound-everywhere"],
)
def test_values_up_to_the_bound_leave_the_pattern_detected(learned, where, value, bins,
                                                          recovery_chunks):
    """At the bound (100 spikes in one bin) on the channel the detecting neuron weighs
    most, or 10 spikes on every channel for 3 bins, the layer takes the chunk and
    detects the pattern right after it and later on. At the bound on every channel
    at once (100,000 spikes in one bin) its thresholds follow the burst of input for a
    while: the pattern is detected again within 5 s."""
    est, chunks, test, neuron = learned
    est = copy.deepcopy(est)
    above = chunks[LEARN_CHUNKS].toarray()
    above[500, 0] = 101  # the bound is 100
    with pytest.raises(ValueError, match="max_input=100"):
        est.partial_fit(above)
    chunk = chunks[LEARN_CHUNKS].toarray()
    columns = int(np.argmax(est.components_[neuron])) if where == "one channel" else slice(None)
    chunk[500:500 + bins, columns] = value
    est.partial_fit(chunk)
    for chunk in chunks[LEARN_CHUNKS + 1:LEARN_CHUNKS + 1 + recovery_chunks]:
        est.partial_fit(chunk)
    hits, false_alarms = _detection(est, test, neuron)
    assert hits >= 0.95 and false_alarms <= 2.0
    for chunk in chunks[LEARN_CHUNKS + 1 + recovery_chunks:LEARN_CHUNKS + 20]:
        est.partial_fit(chunk)
    hits, false_alarms = _detection(est, test, neuron)
    assert hits >= 0.95 and false_alarms <= 2.0
