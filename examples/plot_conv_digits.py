"""
Digits: convolutional STDP filters
==================================

A :class:`~sk_stdp.ConvSTDPTransformer` learns a bank of small filters from
patches of the 8x8 digit images, without labels, with the same STDP rule,
competition and homeostasis as :class:`~sk_stdp.STDPTransformer`. The filters
are shared over every position of an image; the features are each filter's
spike counts pooled over a coarse grid and the coarser grids below it (a
spatial pyramid), so that they say which stroke occurred and roughly where.
"""

# %%
# Pipeline
# --------
# ``image_shape`` is the one parameter a user must give; the filter size
# follows from it (3x3 on these 8x8 images). The default pooled counts are
# standardised with the statistics of the training images and scaled down by
# the number of pooling cells, which suits a logistic regression with its
# default settings.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from sk_stdp import ConvSTDPTransformer
from sk_stdp.plotting import plot_filters

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, random_state=0, stratify=y
)

pipe = Pipeline([
    ("stdp", ConvSTDPTransformer(image_shape=(8, 8), random_state=0)),
    ("clf", LogisticRegression()),
])
pipe.fit(X_train, y_train)
print(f"conv STDP features + logistic regression: test accuracy {pipe.score(X_test, y_test):.3f}")
pixels = LogisticRegression(max_iter=2000).fit(X_train, y_train)
print(f"logistic regression on the pixels:        test accuracy {pixels.score(X_test, y_test):.3f}")

# %%
# Learned filters
# ---------------
# Each filter is drawn as its ON weights minus its OFF weights: red where it
# prefers a pixel brighter than the patch mean, blue where darker. Competition
# spreads the filters over edges and stroke ends of different orientations.
conv = pipe["stdp"]
fig = plot_filters(conv, n_cols=16)
fig.suptitle(f"{conv.n_filters} filters, {conv.kernel_[0]}x{conv.kernel_[1]} pixels")
plt.show()

# %%
# Pooled feature maps
# -------------------
# The raw spike counts (``standardize=False``) of a few test digits: one
# small map per filter, each cell the mean count over the positions of one
# cell of the finest pooling grid (the first block of features; the coarser
# grids of the pyramid follow it). Only the four filters most active on each
# digit are shown.
counts = conv.set_params(standardize=False).transform(X_test[:4])
conv.set_params(standardize=True)
rows, cols = conv.grid_
maps = counts[:, :rows * cols * conv.n_filters].reshape(4, rows, cols, conv.n_filters)
fig, axes = plt.subplots(4, 5, figsize=(7, 6))
for i in range(4):
    axes[i, 0].imshow(X_test[i].reshape(8, 8), cmap="gray_r")
    axes[i, 0].set_title(f"digit {y_test[i]}", fontsize=8)
    top = np.argsort(-maps[i].sum(axis=(0, 1)))[:4]
    for j, k in enumerate(top, start=1):
        axes[i, j].imshow(maps[i, :, :, k], cmap="magma", vmin=0, vmax=maps[i].max())
        axes[i, j].set_title(f"filter {k}", fontsize=8)
for ax in axes.ravel():
    ax.set_axis_off()
fig.tight_layout()
plt.show()
