"""
A spike pattern hidden in noise, with default parameters
========================================================

Masquelier, Guyonneau & Thorpe (2008, *PLoS ONE* 3: e1377) showed that
spike-timing-dependent plasticity alone finds a spatio-temporal spike pattern
that repeats at random times inside equally dense Poisson activity: after
some hundreds of repetitions a neuron fires whenever the pattern comes, a few
milliseconds after its onset, and almost never otherwise. Nothing marks the
pattern: its channels fire at the same rates inside and outside it, so only
the relative timing of spikes across channels gives it away.

This example replays their setting at 1 ms bins — 2000 afferents at 30–90 Hz,
a 50 ms pattern carried by half of them, present a quarter of the time, 1 ms
jitter, 10 Hz of spontaneous spikes on every afferent — streamed one second
at a time through ``partial_fit`` of an ``STDPTransformer`` that is given
only ``stream=True``, ``n_neurons`` and ``random_state``. The thresholds set
themselves from the input, and the plasticity window takes the paper's shape
in stream mode: depression reaches twice as far as potentiation, with 0.85
of its amplitude (see :ref:`stream-defaults`).
"""

# %%
# The recording
# -------------
# :func:`sk_stdp.patterns.make_pattern_stream` generates the recording a
# chunk at a time, as a live source would deliver it, and knows where the
# pattern is, for scoring.
import time

import matplotlib.pyplot as plt
import numpy as np

from sk_stdp import STDPTransformer
from sk_stdp.patterns import (
    choose_neurons,
    make_pattern_stream,
    pattern_detection_scores,
    selectivity_onset,
)

SETTING = dict(n_channels=2000, rate=(30.0, 90.0), noise_rate=10.0, pattern_bins=50,
               pattern_channels=0.5, pattern_fraction=0.25, jitter=1)
train = make_pattern_stream(n_bins=150_000, random_state=0, **SETTING)
print(f"{train.n_bins / 1000:.0f} s of recording, {len(train.onsets)} occurrences of the "
      f"pattern, {train.rates.sum() + train.noise_rate * train.n_channels:.0f} input spikes "
      f"per bin, {train.mean_pattern_spikes:.0f} spikes in the pattern")

# %%
# Learning online, testing before training
# ----------------------------------------
# Before learning from each second, the network as it is responds to that
# second (*test, then train*): that output shows when a neuron became
# selective.
stdp = STDPTransformer(n_neurons=4, stream=True, random_state=0)
responses = []
started = time.perf_counter()
for k, chunk in enumerate(train.chunks()):
    responses.append(stdp.transform(chunk) if k else np.zeros((chunk.shape[0], 4), np.float32))
    stdp.partial_fit(chunk)
print(f"streamed {stdp.n_samples_seen_} bins in {time.perf_counter() - started:.1f} s "
      f"(kernel: {stdp.kernel_})")
responses = np.vstack(responses)

# %%
# Scores on new recordings
# ------------------------
# New recordings with the same afferents and pattern: the neuron is chosen on
# one and scored on another, with the weights and thresholds frozen. Hit
# rate: the share of occurrences during which it fires; false alarms: its
# spikes per 1000 bins outside the pattern; latency: bins from the onset to
# its first spike.
val, test = train.resample(30_000, 1), train.resample(30_000, 2)
scores = pattern_detection_scores(stdp.transform(val.raster()), val.onsets, 50)
best = int(choose_neurons(scores, 50)[0])
scores = pattern_detection_scores(stdp.transform(test.raster()), test.onsets, 50)
after = selectivity_onset(responses, train.onsets, 50, best)
print(f"neuron {best}: hit rate {scores['hits'][0, best]:.3f}, "
      f"{scores['false_alarms'][best]:.2f} false alarms per 1000 bins, "
      f"median latency {scores['latency'][0, best]:.0f} bins, "
      f"selective after {after} occurrences")
print("Masquelier et al. 2008: hit rate > 0.98, no false alarm, latency < 10 ms, "
      "after about 700 occurrences")

# %%
# Selectivity and latency over the presentations
# ----------------------------------------------
# Each occurrence during learning: did the chosen neuron fire in it, and how
# long after the onset. As in the paper, the latency shrinks as the neuron
# learns: potentiation favours the inputs that come earliest in the pattern.
window = responses[train.onsets[:, None] + np.arange(50), best]  # (occurrences, 50)
fired = window.any(axis=1)
latency = np.where(fired, window.argmax(axis=1), np.nan)
hit_rate = np.convolve(fired, np.ones(20) / 20, mode="valid")

fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7, 5), sharex=True)
ax1.plot(np.arange(hit_rate.size) + 20, hit_rate)
ax1.set(ylabel="hit rate\n(last 20)", ylim=(-0.03, 1.03),
        title=f"Neuron {best} while it learns (test, then train)")
ax2.plot(np.arange(latency.size), latency, ".", markersize=3)
ax2.set(xlabel="occurrence", ylabel="latency (bins)", ylim=(-1, 51))
fig.tight_layout()

# %%
# What it learned
# ---------------
# The weights of the chosen neuron: the pattern's afferents that fire in the
# few milliseconds before its spike are potentiated, everything else is
# depressed.
carriers = np.zeros(train.n_channels, bool)
carriers[train.patterns[0][0]] = True
w = stdp.components_[best]
fig, ax = plt.subplots(figsize=(7, 3))
bins = np.linspace(0, w.max(), 40)
ax.hist(w[carriers], bins, alpha=0.7, label="afferents in the pattern")
ax.hist(w[~carriers], bins, alpha=0.7, label="other afferents")
ax.set(xlabel="weight", ylabel="afferents", yscale="log")
ax.legend()
fig.tight_layout()
plt.show()
