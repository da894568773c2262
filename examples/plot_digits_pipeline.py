"""
Digits: STDP features for a linear classifier
=============================================

An :class:`~sk_stdp.STDPTransformer` learns features from the 8x8 digit images
without labels; a logistic regression then reads them out. Each neuron's
incoming weights are one image: after learning they look like digit
prototypes (the receptive fields), because competition and homeostasis make
each neuron specialise on a different group of inputs.
"""

# %%
# Data and pipeline
# -----------------
# The pixel intensities (0..16) are scaled to [0, 1]; with the default
# ``encoding="direct"`` they are the input currents, applied at each of the
# ``n_steps`` time steps of a presentation. ``verbose=1`` prints one line per
# pass over the data.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sk_stdp import STDPTransformer
from sk_stdp.plotting import plot_receptive_fields, plot_weight_histogram

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, random_state=0, stratify=y
)

pipe = make_pipeline(
    STDPTransformer(random_state=0, verbose=1),
    LogisticRegression(max_iter=2000),
)
pipe.fit(X_train, y_train)
print(f"STDP features + logistic regression: test accuracy {pipe.score(X_test, y_test):.3f}")

pixels = LogisticRegression(max_iter=2000).fit(X_train, y_train)
print(f"logistic regression on the pixels:   test accuracy {pixels.score(X_test, y_test):.3f}")

# %%
# Receptive fields
# ----------------
# Each neuron's preferred class is the class whose training images make it
# fire most. The fields are drawn grouped by that class, strongest first;
# neurons that never fire on the training set come last, titled "-".
stdp = pipe[0]
features = stdp.transform(X_train)
mean_response = np.stack([features[y_train == c].mean(axis=0) for c in range(10)])
silent = features.sum(axis=0) == 0
preferred = np.where(silent, 10, mean_response.argmax(axis=0))
order = np.lexsort((-mean_response.max(axis=0), preferred))
shown = order[:: max(1, len(order) // 60)][:60]
print(f"{int(silent.sum())} of {stdp.n_neurons} neurons never fire on the training set")

fig = plot_receptive_fields(
    stdp, (8, 8), order=shown, n_cols=12,
    titles=["-" if silent[i] else str(preferred[i]) for i in shown], cmap="gray_r",
)
fig.suptitle("Learned receptive fields (title: preferred digit)")
fig.tight_layout()

# %%
# Weights before and after learning
# ---------------------------------
# The same estimator with ``learning_rate=0`` keeps its initial weights
# (uniform, then normalised to a mean of ``weight_norm``). Learning spreads
# them out: most of a neuron's weights fall towards zero
# and a few, on the pixels of its prototype, grow.
untrained = STDPTransformer(random_state=0, learning_rate=0.0, max_iter=1).fit(X_train)
bins = np.linspace(0.0, 1.0, 41)
ax = plot_weight_histogram(untrained, label="initial", bins=bins, log=True)
plot_weight_histogram(stdp, ax=ax, label="learned", bins=bins, log=True,
                      title="Distribution of all weights")
plt.show()
