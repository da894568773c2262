"""Spike streams with hidden repeating patterns, and how well neurons detect them.

The classic test of STDP on spike trains (Masquelier, Guyonneau & Thorpe 2008):
a frozen spatio-temporal spike pattern repeats at random times inside Poisson
activity of the same rates, so that only the relative timing of spikes across
channels gives it away. :func:`make_pattern_stream` generates such recordings
in 1-bin resolution (any bin width: rates are given per second), chunk by
chunk; :func:`pattern_detection_scores` scores the output spikes of a layer
against the known onsets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.utils import check_random_state

__all__ = [
    "PatternStream",
    "choose_neurons",
    "make_pattern_stream",
    "pattern_detection_scores",
    "selectivity_onset",
]


@dataclass
class PatternStream:
    """A generated recording: where its patterns are, and how to produce its chunks.

    Made by :func:`make_pattern_stream`; the fields are also its attributes.

    Parameters
    ----------
    n_bins, n_channels : int
        Shape of the raster.
    rates : ndarray of shape (n_channels,)
        Background firing probability of each channel per bin.
    noise_rate : float
        Probability per bin of a spontaneous spike on each channel.
    patterns : list of tuple (channels, bins)
        The frozen spikes of each pattern: channel ids and bin offsets from
        the onset, before jitter.
    pattern_bins : int
        Length of every pattern, in bins.
    pattern_fraction : float
        Share of the time inside some pattern.
    onsets : ndarray of int
        First bin of each occurrence, increasing.
    labels : ndarray of int
        Which pattern each occurrence is.
    jitter : int
        Largest shift of a pattern spike, in bins.
    seed : int
        Seed of the noise (each chunk derives its own from it).
    chunk_bins : int
        Length of the chunks :meth:`chunks` yields.

    Examples
    --------
    >>> from sk_stdp.patterns import make_pattern_stream
    >>> rec = make_pattern_stream(50, 3000, rate=(5.0, 20.0), random_state=0)
    >>> held_out = rec.resample(1000, random_state=1)  # same channels and pattern
    >>> [chunk.shape for chunk in held_out.chunks()]
    [(1000, 50)]
    """

    n_bins: int
    n_channels: int
    rates: np.ndarray
    noise_rate: float
    patterns: list
    pattern_bins: int
    pattern_fraction: float
    onsets: np.ndarray
    labels: np.ndarray
    jitter: int
    seed: int
    chunk_bins: int = 1000

    def resample(self, n_bins: int, random_state=None) -> PatternStream:
        """Another recording of the same channels and patterns: new onsets and noise.

        Use it for held-out recordings to choose and to score neurons on.

        Parameters
        ----------
        n_bins : int
            Length of the new recording in bins.
        random_state : int, RandomState instance or None, default=None
            Seeds the onsets and the noise.

        Returns
        -------
        stream : PatternStream
            The new recording.
        """
        rng = check_random_state(random_state)
        mean_gap = self.pattern_bins * (1 - self.pattern_fraction) / self.pattern_fraction
        onsets, t = [], int(rng.randint(0, int(mean_gap) + 1))
        while t + self.pattern_bins <= n_bins:
            onsets.append(t)
            # Gaps uniform in [gap/2, 3 gap/2]: the mean asked for, never back to back.
            t += self.pattern_bins + int(rng.randint(int(mean_gap / 2), int(1.5 * mean_gap) + 1))
        onsets = np.array(onsets, dtype=np.int64)
        return replace(
            self,
            n_bins=n_bins,
            onsets=onsets,
            labels=rng.randint(0, len(self.patterns), onsets.size),
            seed=int(rng.randint(np.iinfo(np.int32).max)),
        )

    def chunks(self) -> Iterator[sp.csr_matrix]:
        """The raster as consecutive CSR chunks of ``chunk_bins`` bins (0/1, float32).

        The same chunks on every call: the noise of each chunk has its own seed.

        Yields
        ------
        chunk : scipy.sparse.csr_matrix of shape (chunk_bins, n_channels)
            The next bins (the last chunk may be shorter).
        """
        for first in range(0, self.n_bins, self.chunk_bins):
            yield self._chunk(first, min(first + self.chunk_bins, self.n_bins))

    def raster(self) -> sp.csr_matrix:
        """The whole raster as one CSR matrix.

        Returns
        -------
        raster : scipy.sparse.csr_matrix of shape (n_bins, n_channels)
            0/1 spikes, float32.
        """
        return sp.vstack(list(self.chunks()), format="csr")

    @property
    def mean_pattern_spikes(self) -> float:
        """Spikes a pattern holds on average (its frozen spikes plus the noise in it)."""
        frozen = np.mean([len(c) for c, _ in self.patterns])
        return float(frozen + self.noise_rate * self.n_channels * self.pattern_bins)

    def _chunk(self, first: int, stop: int) -> sp.csr_matrix:
        rng = np.random.default_rng([self.seed, first])
        n = stop - first
        # Background: each channel at its own rate, replaced by the frozen spikes
        # on the pattern's channels during an occurrence.
        counts = rng.poisson(self.rates * n)
        channels = np.repeat(np.arange(self.n_channels), counts)
        bins = rng.integers(first, stop, channels.size)
        reach = self.pattern_bins + self.jitter  # occurrences whose spikes may fall here
        lo = np.searchsorted(self.onsets, first - reach, side="right")
        hi = np.searchsorted(self.onsets, stop + self.jitter, side="left")
        keep = np.ones(channels.size, bool)
        extra_bins, extra_channels = [], []
        for onset, label in zip(self.onsets[lo:hi], self.labels[lo:hi], strict=True):
            carriers, offsets = self.patterns[label]
            carrier_mask = np.zeros(self.n_channels, bool)
            carrier_mask[carriers] = True
            inside = (bins >= onset) & (bins < onset + self.pattern_bins)
            keep &= ~(inside & carrier_mask[channels])
            jitter = 0
            if self.jitter:
                # Jitter drawn per occurrence from its own seed: identical in every chunk.
                occ_rng = np.random.default_rng([self.seed, 1, int(onset)])
                jitter = occ_rng.integers(-self.jitter, self.jitter + 1, offsets.size)
            t = onset + offsets + jitter
            ok = (t >= first) & (t < stop)
            extra_bins.append(t[ok])
            extra_channels.append(carriers[ok])
        if self.noise_rate > 0:  # spontaneous spikes everywhere, patterns included
            k = rng.poisson(self.noise_rate * n * self.n_channels)
            extra_bins.append(rng.integers(first, stop, k))
            extra_channels.append(rng.integers(0, self.n_channels, k))
        rows = np.concatenate([bins[keep], *extra_bins]) - first
        cols = np.concatenate([channels[keep], *extra_channels])
        raster = sp.csr_matrix(
            (np.ones(rows.size, np.float32), (rows, cols)), shape=(n, self.n_channels)
        )
        raster.sum_duplicates()
        raster.data[:] = 1.0  # at most one spike per bin and channel
        return raster


def make_pattern_stream(
    n_channels: int = 500,
    n_bins: int = 60_000,
    *,
    rate: float | tuple[float, float] = 50.0,
    noise_rate: float = 0.0,
    n_patterns: int = 1,
    pattern_bins: int = 50,
    pattern_channels: float = 1.0,
    pattern_fraction: float = 0.25,
    jitter: int = 0,
    bin_width: float = 0.001,
    chunk_bins: int = 1000,
    random_state=None,
) -> PatternStream:
    """A spike recording with frozen spike patterns hidden in Poisson activity.

    Every channel fires as a Poisson process at its own rate. Each pattern is a
    frozen ``pattern_bins``-bin sample of that same activity on a random subset
    of the channels; during an occurrence those channels replay it (each spike
    shifted by up to ``jitter`` bins) instead of their background, while the
    other channels keep firing at random. Spontaneous spikes at ``noise_rate``
    fall on every channel all the time, inside the patterns too. Occurrences
    never overlap and take ``pattern_fraction`` of the time in all, at random
    gaps, each a pattern chosen at random.

    Parameters
    ----------
    n_channels : int, default=500
        Number of channels (afferents).
    n_bins : int, default=60000
        Length of the recording in bins.
    rate : float or (float, float), default=50.0
        Background rate of each channel in Hz, or a range drawn uniformly per channel.
    noise_rate : float, default=0.0
        Spontaneous rate in Hz added to every channel, inside the patterns too.
    n_patterns : int, default=1
        Number of distinct patterns.
    pattern_bins : int, default=50
        Length of each pattern in bins.
    pattern_channels : float, default=1.0
        Fraction of the channels that carry each pattern.
    pattern_fraction : float, default=0.25
        Fraction of the time inside some pattern.
    jitter : int, default=0
        Largest shift of a pattern spike, in bins, drawn per spike and occurrence.
    bin_width : float, default=0.001
        Bin width in seconds (rates are in Hz).
    chunk_bins : int, default=1000
        Length of the chunks that :meth:`PatternStream.chunks` yields.
    random_state : int, RandomState instance or None, default=None
        Seeds the rates, patterns, onsets and noise.

    Returns
    -------
    stream : PatternStream
        The recording, generated chunk by chunk on demand.

    Examples
    --------
    >>> from sk_stdp.patterns import make_pattern_stream
    >>> rec = make_pattern_stream(100, 2000, rate=20.0, random_state=0)
    >>> X = rec.raster()
    >>> X.shape, len(rec.onsets) > 5
    ((2000, 100), True)
    """
    rng = check_random_state(random_state)
    low, high = (rate, rate) if np.isscalar(rate) else rate
    rates = rng.uniform(low, high, n_channels) * bin_width
    patterns = []
    n_carriers = max(1, round(pattern_channels * n_channels))
    for _ in range(n_patterns):
        carriers = np.sort(rng.choice(n_channels, n_carriers, replace=False))
        frozen = rng.random_sample((pattern_bins, n_carriers)) < rates[carriers]
        bins, which = np.nonzero(frozen)
        patterns.append((carriers[which], bins))
    stream = PatternStream(
        n_bins=0,
        n_channels=n_channels,
        rates=rates,
        noise_rate=noise_rate * bin_width,
        patterns=patterns,
        pattern_bins=pattern_bins,
        pattern_fraction=pattern_fraction,
        onsets=np.zeros(0, np.int64),
        labels=np.zeros(0, np.int64),
        jitter=jitter,
        seed=0,
        chunk_bins=chunk_bins,
    )
    return stream.resample(n_bins, rng)


def pattern_detection_scores(
    spikes, onsets, pattern_bins: int, labels=None, *, first_bin: int = 0
) -> dict:
    """Hit rate, false alarms and latency of each neuron for each pattern.

    Parameters
    ----------
    spikes : array-like of shape (n_bins, n_neurons)
        Output spikes (or counts) per bin, e.g. ``transform`` in stream mode.
    onsets : array-like of int
        First bin of each occurrence, in the bins of the recording.
    pattern_bins : int
        Length of the patterns in bins.
    labels : array-like of int, optional
        Pattern of each occurrence (all 0 if omitted).
    first_bin : int, default=0
        The recording's bin of the first row of ``spikes``.

    Returns
    -------
    scores : dict
        ``"hits"``: ndarray (n_patterns, n_neurons), the fraction of the
        occurrences of each pattern during which the neuron fired;
        ``"false_alarms"``: ndarray (n_neurons,), spikes per 1000 bins outside
        every occurrence; ``"latency"``: ndarray (n_patterns, n_neurons), the
        median number of bins from onset to the first spike in the detected
        occurrences (NaN if none).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stdp.patterns import pattern_detection_scores
    >>> spikes = np.zeros((100, 2)); spikes[[12, 62], 0] = 1; spikes[30, 1] = 1
    >>> s = pattern_detection_scores(spikes, [10, 60], 20)
    >>> s["hits"], s["false_alarms"].round(2), s["latency"]
    (array([[1., 0.]]), array([ 0.  , 16.67]), array([[ 2., nan]]))
    """
    spikes = np.asarray(spikes.toarray() if sp.issparse(spikes) else spikes) > 0
    n_bins, n_neurons = spikes.shape
    onsets = np.asarray(onsets, dtype=np.int64) - first_bin
    labels = np.zeros(onsets.size, int) if labels is None else np.asarray(labels)
    scored = (onsets >= 0) & (onsets + pattern_bins <= n_bins)
    onsets, labels = onsets[scored], labels[scored]
    n_patterns = int(labels.max(initial=0)) + 1
    inside = np.zeros(n_bins + 1, np.int64)
    np.add.at(inside, onsets, 1)
    np.add.at(inside, onsets + pattern_bins, -1)
    inside = np.cumsum(inside[:-1]) > 0
    hits = np.zeros((n_patterns, n_neurons))
    latency = np.full((n_patterns, n_neurons), np.nan)
    # spikes inside each occurrence window: (occurrences, pattern_bins, neurons)
    windows = spikes[onsets[:, None] + np.arange(pattern_bins)]
    fired = windows.any(axis=1)
    first = np.where(fired, windows.argmax(axis=1), -1)
    for p in range(n_patterns):
        mine = labels == p
        if not mine.any():
            continue
        hits[p] = fired[mine].mean(axis=0)
        for j in range(n_neurons):
            lat = first[mine, j]
            if np.any(lat >= 0):
                latency[p, j] = np.median(lat[lat >= 0])
    outside = ~inside
    n_outside = max(int(outside.sum()), 1)
    false_alarms = spikes[outside].sum(axis=0) * 1000.0 / n_outside
    return {"hits": hits, "false_alarms": false_alarms, "latency": latency}


def choose_neurons(scores: dict, pattern_bins: int) -> np.ndarray:
    """One neuron per pattern, each used once, that detects it best.

    A neuron's merit for a pattern is its hit rate less its false alarms per
    pattern length (the chance that it fires in a stretch of noise as long as
    the pattern); the assignment maximises the total merit.

    Parameters
    ----------
    scores : dict
        The output of :func:`pattern_detection_scores`, on a recording set
        aside for the choice (score the chosen neurons on another one).
    pattern_bins : int
        Length of the patterns in bins.

    Returns
    -------
    neurons : ndarray of int, shape (n_patterns,)
        The neuron chosen for each pattern.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stdp.patterns import choose_neurons
    >>> scores = {"hits": np.array([[1.0, 1.0]]), "false_alarms": np.array([20.0, 0.0])}
    >>> choose_neurons(scores, 50)
    array([1])
    """
    merit = scores["hits"] - scores["false_alarms"][None, :] * pattern_bins / 1000
    patterns, neurons = linear_sum_assignment(-merit)
    return neurons[np.argsort(patterns)]


def selectivity_onset(
    spikes,
    onsets,
    pattern_bins: int,
    neuron: int,
    labels=None,
    pattern: int = 0,
    *,
    window: int = 20,
    min_hits: float = 0.9,
    max_false_alarms: float = 2.0,
) -> int | None:
    """How many occurrences a neuron needed before it became selective for good.

    Read from the output of a layer while it learned (for instance each chunk
    passed through ``transform`` before ``partial_fit`` learns from it). A
    window of ``window`` consecutive occurrences of ``pattern`` passes if the
    neuron fired during at least ``min_hits`` of them and its spikes outside
    every occurrence, over the same stretch of time, stay within
    ``max_false_alarms`` per 1000 bins.

    Parameters
    ----------
    spikes : array-like of shape (n_bins, n_neurons)
        Output spikes per bin, from the first bin of the recording.
    onsets : array-like of int
        First bin of each occurrence.
    pattern_bins : int
        Length of the patterns in bins.
    neuron : int
        The neuron to follow.
    labels : array-like of int, optional
        Pattern of each occurrence (all 0 if omitted).
    pattern : int, default=0
        The pattern to follow.
    window : int, default=20
        Occurrences per window.
    min_hits : float, default=0.9
        Smallest share of detected occurrences in a passing window.
    max_false_alarms : float, default=2.0
        Largest number of spikes per 1000 bins outside the occurrences in a passing window.

    Returns
    -------
    onset : int or None
        The number of occurrences of ``pattern`` before the first window from
        which every later window passes; None if the last window fails (or
        there are fewer than ``window`` occurrences).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stdp.patterns import selectivity_onset
    >>> onsets = np.arange(40) * 100
    >>> spikes = np.zeros((4000, 1)); spikes[onsets[10:] + 5, 0] = 1
    >>> selectivity_onset(spikes, onsets, 20, neuron=0, window=5)
    10
    """
    spikes = np.asarray(spikes.toarray() if sp.issparse(spikes) else spikes)
    fired = spikes[:, neuron] > 0
    onsets = np.asarray(onsets, dtype=np.int64)
    labels = np.zeros(onsets.size, int) if labels is None else np.asarray(labels)
    inside = np.zeros(len(fired) + 1, np.int64)
    np.add.at(inside, onsets, 1)
    np.add.at(inside, np.minimum(onsets + pattern_bins, len(fired)), -1)
    outside = np.cumsum(inside[:-1]) == 0
    false_spikes = np.concatenate([[0], np.cumsum(fired & outside)])
    outside_bins = np.concatenate([[0], np.cumsum(outside)])
    mine = onsets[(labels == pattern) & (onsets + pattern_bins <= len(fired))]
    if mine.size < window:
        return None
    hit = np.array([fired[o:o + pattern_bins].any() for o in mine])
    n_windows = mine.size - window + 1
    passes = np.zeros(n_windows, bool)
    for k in range(n_windows):
        a, b = mine[k], mine[k + window - 1] + pattern_bins
        n_out = max(outside_bins[b] - outside_bins[a], 1)
        rate = (false_spikes[b] - false_spikes[a]) * 1000.0 / n_out
        passes[k] = hit[k:k + window].mean() >= min_hits and rate <= max_false_alarms
    if not passes[-1]:
        return None
    failing = np.flatnonzero(~passes)
    return int(failing[-1] + 1) if failing.size else 0
