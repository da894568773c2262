"""
Grid search over the STDP amplitudes
====================================

:class:`~sk_stdp.STDPTransformer` is an ordinary scikit-learn estimator, so
its parameters can be tuned with :class:`~sklearn.model_selection.GridSearchCV`
through a pipeline. Here the potentiation and depression amplitudes
``A_plus`` and ``A_minus`` are searched on a grid, scored by the
cross-validated accuracy of a logistic regression on the learned features,
and shown as a heat map.

The rule's numbers are traced (not compiled in) by the JAX programs, so all
grid points share one compiled program per worker process. ``n_jobs=-1``
runs the fits in parallel with joblib's default ``loky`` backend; see
:doc:`/scaleout` for running the same search on a Dask cluster.
"""

# %%
# The search
# ----------
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sk_stdp import STDPTransformer

X, y = load_digits(return_X_y=True)
X, y = X[:900] / 16.0, y[:900]

pipe = Pipeline([
    ("stdp", STDPTransformer(n_neurons=100, random_state=0)),
    ("clf", LogisticRegression(max_iter=2000)),
])
A_plus = [0.001, 0.005, 0.02]
A_minus = [0.001, 0.005, 0.02]
search = GridSearchCV(pipe, {"stdp__A_plus": A_plus, "stdp__A_minus": A_minus},
                      cv=3, n_jobs=-1)
started = time.perf_counter()
search.fit(X, y)
print(f"{len(search.cv_results_['params']) * 3} fits in {time.perf_counter() - started:.1f} s")
print(f"best parameters: {search.best_params_}, "
      f"cross-validated accuracy {search.best_score_:.3f}")

# %%
# The score table, best first.
results = search.cv_results_
print(f"{'A_plus':>8} {'A_minus':>8} {'mean':>6} {'std':>6} {'rank':>4}")
for i in np.argsort(results["rank_test_score"], kind="stable"):
    params = results["params"][i]
    print(f"{params['stdp__A_plus']:>8} {params['stdp__A_minus']:>8} "
          f"{results['mean_test_score'][i]:>6.3f} {results['std_test_score'][i]:>6.3f} "
          f"{results['rank_test_score'][i]:>4}")

# %%
# Heat map
# --------
scores = np.empty((len(A_plus), len(A_minus)))
for params, score in zip(results["params"], results["mean_test_score"], strict=True):
    scores[A_plus.index(params["stdp__A_plus"]), A_minus.index(params["stdp__A_minus"])] = score

fig, ax = plt.subplots(figsize=(5, 4))
image = ax.imshow(scores, cmap="viridis", origin="lower")
ax.set_xticks(range(len(A_minus)), [str(a) for a in A_minus])
ax.set_yticks(range(len(A_plus)), [str(a) for a in A_plus])
ax.set_xlabel("A_minus (depression)")
ax.set_ylabel("A_plus (potentiation)")
for i in range(len(A_plus)):
    for j in range(len(A_minus)):
        ax.text(j, i, f"{scores[i, j]:.3f}", ha="center", va="center",
                color="w" if scores[i, j] < scores.mean() else "k")
fig.colorbar(image, ax=ax, label="mean CV accuracy")
ax.set_title("GridSearchCV over the STDP amplitudes")
fig.tight_layout()
plt.show()
