"""
Spike rasters before and after learning
=======================================

In stream mode (``stream=True``) each row of X is one time bin of a
continuous spike train, and ``transform`` returns the output spikes of each
bin. Here the input is a stream of digit images, each shown for 15 bins as
Poisson spikes (pixel intensity sets the firing probability) followed by 5
silent bins. Before learning the output neurons fire for any digit; after
a pass of STDP most of them fire for one class.
"""

# %%
# A spike train of digits
# -----------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from sk_stdp import STDPTransformer
from sk_stdp.plotting import plot_raster

rng = np.random.default_rng(0)
classes = [0, 1, 4, 7]
X, y = load_digits(return_X_y=True)
keep = np.isin(y, classes)
X, y = X[keep] / 16.0, y[keep]
ON, OFF, RATE = 15, 5, 0.5


def spike_train(images, labels):
    """Each image for ON bins of Poisson spikes, then OFF silent bins."""
    rates = np.repeat(images * RATE, ON, axis=0)
    spikes = (rng.random(rates.shape) < rates).astype(np.float32)
    spikes = spikes.reshape(len(images), ON, -1)
    spikes = np.concatenate([spikes, np.zeros((len(images), OFF, spikes.shape[2]))], axis=1)
    bin_labels = np.repeat(labels, ON + OFF).reshape(len(images), ON + OFF)
    bin_labels[:, ON:] = -1  # silent bins
    return spikes.reshape(-1, spikes.shape[2]), bin_labels.ravel()


order = rng.permutation(len(X))
train, test = order[:500], order[500:600]
S_train, _ = spike_train(X[train], y[train])
S_test, label_test = spike_train(X[test], y[test])
print(f"training stream: {S_train.shape[0]} bins x {S_train.shape[1]} channels, "
      f"{S_train.mean():.3f} spikes per channel per bin")

# %%
# Learn, and the same network without plasticity
# ----------------------------------------------
# Three choices differ from the defaults, which are tuned for sample mode:
#
# - in a stream the adaptive thresholds need a time constant: with the
#   default ``theta_decay=1`` every spike raises them for good, and over
#   thousands of bins the layer falls silent;
# - a short trace (``trace_decay=0.8``, about 5 bins) pairs each output
#   spike with the input spikes of the same digit only;
# - with random (Poisson) input, pre-synaptic spikes keep arriving after
#   each output spike, so depression is weakened (``A_minus`` below
#   ``A_plus``) to keep the weights of the pattern's pixels.
#
# ``learning_rate=0`` and ``theta_plus=0`` give the untrained network (its
# initial weights, thresholds at rest).
params = dict(n_neurons=12, stream=True, leak=0.95, theta_decay=0.999, trace_decay=0.8,
              A_minus=0.002, random_state=0)
trained = STDPTransformer(**params, verbose=1).fit(S_train)
untrained = STDPTransformer(**params, learning_rate=0.0, theta_plus=0.0).fit(S_train)

out_before = untrained.transform(S_test)
out_after = trained.transform(S_test)


def selectivity(out):
    """Share of each neuron's spikes that fall on its preferred class."""
    counts = np.stack([out[label_test == c].sum(axis=0) for c in classes])
    return counts.max(axis=0).sum() / max(counts.sum(), 1), counts


for name, out in (("before", out_before), ("after", out_after)):
    share, _ = selectivity(out)
    print(f"{name} learning: {int(out.sum())} output spikes, "
          f"{share:.0%} of them on each neuron's preferred class")

# %%
# Rasters
# -------
# The first 12 test digits. Neurons are sorted by the class they prefer
# after learning, and coloured by it; the shaded bands mark which digit is
# on.
_, counts_after = selectivity(out_after)
preferred = np.asarray(classes)[counts_after.argmax(axis=0)]
rank = np.argsort(preferred, kind="stable")
colours = {c: f"C{i}" for i, c in enumerate(classes)}

shown = slice(0, 12 * (ON + OFF))
S_test, out_before, out_after = S_test[shown], out_before[shown], out_after[shown]
label_test = label_test[shown]
fig, axes = plt.subplots(3, 1, figsize=(9, 7), sharex=True,
                         gridspec_kw={"height_ratios": [2, 1, 1]})
plot_raster(S_test, ax=axes[0], ylabel="input channel", xlabel=None, marker_size=6)
axes[0].set_title("Input: digits as Poisson spikes", pad=18)
plot_raster(out_before[:, rank], ax=axes[1], ylabel="neuron", xlabel=None,
            title="Output before learning")
plot_raster(out_after[:, rank], ax=axes[2], ylabel="neuron",
            color=[colours[c] for c in preferred[rank]],
            title="Output after learning (colour: preferred digit)")
for ax in axes:
    for k, digit in enumerate(label_test[::ON + OFF]):
        start = k * (ON + OFF)
        ax.axvspan(start - 0.5, start + ON - 0.5, color=colours[digit], alpha=0.12, lw=0)
for k, digit in enumerate(label_test[::ON + OFF]):
    axes[0].text(k * (ON + OFF) + ON / 2, -2, str(digit), ha="center", va="bottom")
fig.tight_layout()
plt.show()
