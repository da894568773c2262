"""
Finding a spike pattern hidden in noise, online
===============================================

Masquelier, Guyonneau & Thorpe (2008) showed that spike-timing-dependent
plasticity alone can find a spatio-temporal spike pattern that repeats at
random times inside equally dense Poisson noise: after a few dozen
repetitions a neuron fires whenever the pattern comes and almost never
otherwise. Nothing marks the pattern: every channel fires at the same rate
inside and outside it, so only the *timing* of spikes across channels gives
it away.

This example replays that experiment as a stream. A simulated recording of
500 channels (spike events: times and channel ids, as a spike sorter or a
neuromorphic sensor would report them) arrives one second at a time; a
:class:`~sk_stdp.events.SpikeBinner` turns each second into a sparse raster of
1 ms bins, and ``STDPTransformer(stream=True).partial_fit`` learns from it.
The full recording never exists in memory.

Before learning from each second, we ask the network as it is how it responds
to that second (*test, then train*): its hit rate (the fraction of pattern
occurrences during which a neuron fires) and its false-alarm rate (the
fraction of pattern-long stretches of pure noise during which it fires). A
neuron that ignores the pattern has equal rates, whatever its firing rate.
"""

# %%
# A recording with a hidden pattern
# ---------------------------------
# Every channel fires as a 50 Hz Poisson process. The pattern is a frozen 50 ms
# sample of that same process on all channels; it replaces the noise at random
# times, a quarter of the time in all. Onsets fall anywhere, not on bin edges,
# so each occurrence lands in the 1 ms bins with its own sub-bin offset.
import time

import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse as sp

from sk_stdp import STDPTransformer
from sk_stdp.events import SpikeBinner

N_CHANNELS = 500
RATE = 0.05  # spikes per channel per ms (50 Hz)
PATTERN_MS = 50
FRACTION = 0.25  # of the time inside the pattern
DURATION_MS = 40_000  # 40 s of recording, streamed one second at a time
BLOCK_MS = 1000


def poisson_events(t0, t1, rng):
    """Spike events of N_CHANNELS independent Poisson processes on [t0, t1) ms."""
    n = rng.poisson(RATE * (t1 - t0) * N_CHANNELS)
    return rng.uniform(t0, t1, n), rng.integers(0, N_CHANNELS, n)


pattern_times, pattern_channels = poisson_events(0, PATTERN_MS, np.random.default_rng(0))


def occurrence_starts(duration, rng):
    """Pattern onsets (ms): random gaps, a quarter of the time inside the pattern."""
    mean_gap = PATTERN_MS * (1 - FRACTION) / FRACTION
    starts, t = [], rng.uniform(0, mean_gap)
    while t + PATTERN_MS <= duration:
        starts.append(t)
        t += PATTERN_MS + rng.uniform(PATTERN_MS / 2, 2 * mean_gap - PATTERN_MS / 2)
    return np.array(starts)


def recording(starts, t0, t1, rng):
    """The events of [t0, t1): noise, replaced by the pattern during occurrences."""
    times, channels = poisson_events(t0, t1, rng)
    k = np.searchsorted(starts, times, side="right") - 1
    noise = (k < 0) | (times >= starts[np.maximum(k, 0)] + PATTERN_MS)
    times, channels = [times[noise]], [channels[noise]]
    for s in starts[(starts < t1) & (starts + PATTERN_MS > t0)]:
        t = s + pattern_times
        keep = (t >= t0) & (t < t1)
        times.append(t[keep])
        channels.append(pattern_channels[keep])
    return np.concatenate(times), np.concatenate(channels)


def live_stream(starts, duration, seed):
    """One CSR raster of 1 ms bins per second of recording, as it would arrive live."""
    rng = np.random.default_rng(seed)
    binner = SpikeBinner(N_CHANNELS, bin_width=1.0, binary=True)  # 0/1 per bin
    for t0 in range(0, duration, BLOCK_MS):
        t1 = min(t0 + BLOCK_MS, duration)
        times, channels = recording(starts, t0, t1, rng)
        yield t0, binner.push(times, channels, until=t1)  # the bins of [t0, t1)


def hits_and_false_alarms(spikes, starts, t0=0):
    """Per neuron: fraction of occurrences with a spike, and of noise windows with one.

    ``spikes`` holds the output of the bins from ``t0`` on. An occurrence
    covers the bins it overlaps (those lying wholly in ``spikes`` are scored);
    noise windows are consecutive PATTERN_MS-bin windows that overlap none.
    """
    n_bins = len(spikes)
    fired = np.vstack([np.zeros((1, spikes.shape[1])), np.cumsum(spikes > 0, axis=0)])
    first = np.floor(starts - t0).astype(int)
    last = np.ceil(starts - t0 + PATTERN_MS).astype(int)
    scored = (first >= 0) & (last <= n_bins)
    hits = (fired[last[scored]] - fired[first[scored]] > 0).mean(axis=0)
    inside = np.zeros(n_bins, bool)
    for a, b in zip(first, last, strict=True):
        inside[max(a, 0):max(b, 0)] = True
    windows = [w for w in range(0, n_bins - PATTERN_MS + 1, PATTERN_MS)
               if not inside[w:w + PATTERN_MS].any()]
    fas = np.array([fired[w + PATTERN_MS] - fired[w] > 0 for w in windows]).mean(axis=0)
    return hits, fas


starts = occurrence_starts(DURATION_MS, np.random.default_rng(1))
print(f"{len(starts)} occurrences of the pattern in {DURATION_MS / 1000:.0f} s; "
      f"{len(pattern_times)} spikes in the pattern, "
      f"{RATE * N_CHANNELS:.0f} input spikes per ms on average")

# %%
# Learning online
# ---------------
# Eight neurons with winner-take-all competition and adaptive thresholds. The
# initial weights are uniform in [0, 1], so with about 25 input spikes per
# bin the membrane potential hovers near 25 * 0.5 / (1 - leak) = 62.5, above
# the threshold of 50: at first every neuron fires at random. Depression
# slightly stronger than potentiation (``A_minus = 1.1 * A_plus``) then prunes
# the inputs that do not reliably precede a neuron's spikes, and what is left
# is the part of the pattern just before each neuron fires. The adaptive
# thresholds (``theta_plus``, decaying with ``theta_decay``) keep the neurons
# from all settling on the same moment.
params = dict(
    n_neurons=8, stream=True, competition="wta", threshold=50.0, leak=0.8, trace_decay=0.8,
    A_plus=0.04, A_minus=0.044, learning_rate=1.0, theta_plus=3.0, theta_decay=0.999,
    weight_norm=None, random_state=0,
)
stdp = STDPTransformer(**params)

responses = []  # test, then train: the output of each second before learning from it
started = time.perf_counter()
for t0, X in live_stream(starts, DURATION_MS, seed=2):
    if t0 > 0:
        responses.append(stdp.transform(X))
    stdp.partial_fit(X)
print(f"streamed {stdp.n_samples_seen_} bins in {time.perf_counter() - started:.1f} s "
      f"(kernel: {stdp.kernel_})")

# The control: the same stream with learning_rate=0 (same initial weights,
# same adaptive thresholds, no plasticity).
frozen = STDPTransformer(**dict(params, learning_rate=0.0))
for _, X in live_stream(starts, DURATION_MS, seed=2):
    frozen.partial_fit(X)

# %%
# Hit rate and false alarms on new data
# -------------------------------------
# New recordings with the same pattern and new noise: pick the most selective
# neuron on one, measure it on another.


def new_recording(duration, seed):
    s = occurrence_starts(duration, np.random.default_rng(seed))
    X = sp.vstack([X for _, X in live_stream(s, duration, seed + 1)])
    return X, s


X_val, s_val = new_recording(10_000, seed=10)
X_test, s_test = new_recording(10_000, seed=20)
hits, fas = hits_and_false_alarms(stdp.transform(X_val), s_val)
best = int(np.argmax(hits - fas))
hits, fas = hits_and_false_alarms(stdp.transform(X_test), s_test)
hits0, fas0 = hits_and_false_alarms(frozen.transform(X_test), s_test)
outside = np.ones(X_test.shape[0], bool)
for onset in s_test:
    outside[int(onset):int(np.ceil(onset + PATTERN_MS))] = False
per_second = stdp.transform(X_test)[outside, best].mean() * 1000

print(f"after STDP, neuron {best}: hit rate {hits[best]:.3f}, false-alarm rate "
      f"{fas[best]:.3f} ({per_second:.2f} spikes/s outside the pattern)")
print(f"no plasticity, neuron {best}: hit rate {hits0[best]:.3f}, false-alarm rate "
      f"{fas0[best]:.3f}")
print("after STDP     hits", np.round(hits, 2), "false alarms", np.round(fas, 2))
print("no plasticity  hits", np.round(hits0, 2), "false alarms", np.round(fas0, 2))

# %%
# Selectivity over time
# ---------------------
# The output of each second, recorded before the network learned from it,
# scored in 5 s windows (about 25 occurrences each). In the first window even
# the most selective neuron (picked within each window, so an optimistic
# measure) fires in nearly a third of the noise windows; from about 15 s on
# some neuron fires in every occurrence and almost never in noise. Which
# neuron that is can change while the neurons compete: the one chosen above
# (dotted) locked on late.
WINDOW_MS = 5000
prequential = np.vstack(responses)  # bins BLOCK_MS, BLOCK_MS + 1, ...
ends, top, chosen = [], [], []
for w0 in range(BLOCK_MS, DURATION_MS, WINDOW_MS):
    part = prequential[w0 - BLOCK_MS:w0 - BLOCK_MS + WINDOW_MS]
    h, f = hits_and_false_alarms(part, starts, w0)
    k = int(np.argmax(h - f))
    ends.append((w0 + len(part)) / 1000)
    top.append((h[k], f[k]))
    chosen.append((h[best], f[best]))
top, chosen = np.array(top), np.array(chosen)
for end, (h, f) in zip(ends, top, strict=True):
    print(f"stream up to {end:4.0f} s: most selective neuron hit rate {h:.2f}, "
          f"false-alarm rate {f:.2f}")

fig, ax = plt.subplots(figsize=(7, 3.8))
ax.plot(ends, top[:, 0], "o-", color="tab:blue", label="hit rate, most selective neuron")
ax.plot(ends, top[:, 1], "s-", color="tab:orange", label="false-alarm rate, same neuron")
ax.plot(ends, chosen[:, 0], ":", color="tab:blue", label=f"hit rate, neuron {best}")
ax.plot(ends, chosen[:, 1], ":", color="tab:orange", label=f"false-alarm rate, neuron {best}")
ax.set(xlabel="time in the stream (s)", ylabel="rate", ylim=(-0.03, 1.03),
       title="Test, then train (5 s windows)")
ax.legend(loc="center right", fontsize="small")
fig.tight_layout()

# %%
# What the neurons see
# --------------------
# Half a second of input (a fifth of the channels) with the pattern
# occurrences shaded: nothing distinguishes them by eye. Below, the output
# spikes of the eight neurons before learning (without plasticity) and after:
# after learning, each selective neuron fires once per occurrence, at its own
# latency after the onset.
s = occurrence_starts(600, np.random.default_rng(5))
t, c = recording(s, 0, 600, np.random.default_rng(6))
X = SpikeBinner(N_CHANNELS, 1.0, binary=True).push(t, c, until=600)
fig, axes = plt.subplots(3, 1, figsize=(7, 6), sharex=True,
                         gridspec_kw=dict(height_ratios=[3, 1, 1]))
shown = c < N_CHANNELS // 5
axes[0].plot(t[shown], c[shown], "|", color="k", markersize=2)
axes[0].set(ylabel="input channel", title="Input (100 of 500 channels) and output spikes")
for ax, model, name in ((axes[1], frozen, "no plasticity"), (axes[2], stdp, "after STDP")):
    out = model.transform(X)
    bins, neurons = np.nonzero(out)
    ax.plot(bins + 0.5, neurons, "|", markersize=8, markeredgewidth=2)
    ax.set(ylabel="neuron", ylim=(-0.5, 7.5), yticks=[0, 7])
    ax.text(1.0, 1.02, name, transform=ax.transAxes, ha="right", va="bottom")
for ax in axes:
    for onset in s:
        ax.axvspan(onset, onset + PATTERN_MS, color="tab:orange", alpha=0.2, lw=0)
axes[-1].set(xlabel="time (ms)", xlim=(0, 600))
fig.tight_layout()
plt.show()
