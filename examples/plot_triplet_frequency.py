"""
Pairing frequency: what the triplet rule adds
=============================================

In slices of rat visual cortex, Sjöström, Turrigiano & Nelson (2001) paired
a pre-synaptic spike with a post-synaptic one 10 ms apart, repeated at
rising frequencies. Pre-then-post pairings potentiated, but only at higher
frequencies; post-then-pre pairings *depressed at low frequency and
potentiated at high frequency*. The pair rule cannot do the latter: each
pairing adds the same two exponentials whatever the rate, so a post-pre
protocol depresses at every frequency when ``A_minus > A_plus``.

The minimal triplet rule of Pfister & Gerstner (2006), ``rule="triplet"``,
adds a slow post-synaptic trace to the potentiation, ``A_plus + A3_plus *
trace_slow``: when post-synaptic spikes come fast, the slow trace is large
at each spike and potentiation overtakes depression.

Here both rules are *measured* by running :class:`~sk_stdp.STDPTransformer`
on spike rasters, one step per millisecond. One neuron has two inputs: the
synapse under test (too weak to fire the neuron) and a strong driver input
that makes the neuron fire on the step it spikes. Each protocol is 60
pairings at a given frequency; we record the relative change of the tested
weight.
"""

# %%
# The protocol
# ------------
import matplotlib.pyplot as plt
import numpy as np

from sk_stdp import STDPTransformer

W_TEST, W_DRIVER = 0.2, 1.0
N_PAIRINGS, DELAY = 60, 10  # pairings per protocol; ms between the two spikes


def raster(frequency, delay):
    """Bins of 1 ms: input 0 is the tested synapse, input 1 the driver (post spike).

    ``delay > 0``: pre then post; ``delay < 0``: post then pre.
    """
    period = int(round(1000 / frequency))
    n_bins = N_PAIRINGS * period + abs(delay) + 1
    X = np.zeros((n_bins, 2), np.float32)
    first_pre = max(0, -delay)
    for k in range(N_PAIRINGS):
        X[first_pre + k * period, 0] = 1.0
        X[first_pre + k * period + delay, 1] = 1.0
    return X


def weight_change(rule, frequency, delay, **amplitudes):
    layer = STDPTransformer(
        1, rule=rule, init=[[W_TEST, W_DRIVER]], stream=True, n_steps=1,
        encoding="direct", competition=None, theta_plus=0.0, weight_norm=None,
        max_iter=1, shuffle=False, threshold=0.3, leak=0.0, learning_rate=0.1,
        trace_decay=0.95, kernel="dense", **amplitudes,
    ).fit(raster(frequency, delay))
    return (layer.components_[0, 0] - W_TEST) / W_TEST


# %%
# Two rules, the same protocol
# ----------------------------
# The triplet rule with the amplitudes Pfister & Gerstner (2006) fitted to
# these data for their minimal model (pair potentiation nearly 0,
# ``A_minus=0.007``, ``A3_plus=0.0062``, slow time constant 125 ms); the pair
# rule with the estimator's defaults.
frequencies = np.array([0.1, 10, 20, 30, 40, 50])
rules = {
    "pair": dict(A_plus=0.005, A_minus=0.00525),
    "triplet": dict(A_plus=0.0, A_minus=0.007, A3_plus=0.0062, trace_decay_slow=0.992),
}
changes = {
    (rule, delay): np.array([weight_change(rule, f, delay, **amp) for f in frequencies])
    for rule, amp in rules.items()
    for delay in (DELAY, -DELAY)
}
for (rule, delay), dw in changes.items():
    order = "pre-post" if delay > 0 else "post-pre"
    print(f"{rule:8s} {order}: " + ", ".join(
        f"{f:g} Hz {100 * d:+.1f}%" for f, d in zip(frequencies, dw, strict=True)))

# %%
# The post-pre protocol changes sign only with the triplet rule
# -------------------------------------------------------------
post_pre = changes[("triplet", -DELAY)]
crossing = frequencies[np.argmax(post_pre > 0)]
print(f"triplet post-pre: depression at {frequencies[0]:g} Hz, potentiation from "
      f"{crossing:g} Hz; pair post-pre: depression at every frequency: "
      f"{bool(np.all(changes[('pair', -DELAY)] < 0))}")

fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), sharey=True)
for ax, rule in zip(axes, rules, strict=True):
    for delay, style in ((DELAY, "o-"), (-DELAY, "s--")):
        label = f"pre-post (+{DELAY} ms)" if delay > 0 else f"post-pre (-{DELAY} ms)"
        ax.plot(frequencies, 100 * changes[(rule, delay)], style, label=label)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_title(f'rule="{rule}"')
    ax.set_xlabel("pairing frequency (Hz)")
axes[0].set_ylabel("weight change (%)")
axes[0].legend()
fig.tight_layout()
plt.show()
