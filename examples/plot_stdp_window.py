"""
The STDP window, measured
=========================

The classic picture of spike-timing-dependent plasticity (Bi & Poo, 1998):
a synapse whose input spike comes shortly *before* the neuron's spike is
strengthened, one whose input comes shortly *after* is weakened, and the
effect fades with the delay.

Here the window is not drawn from a formula: it is measured by running
:class:`~sk_stdp.STDPTransformer` on paired spikes. One neuron has two
inputs: the synapse under test (too weak to fire the neuron alone) spikes
once, and a strong driver input spikes once, ``d`` steps later, forcing the
neuron to fire. The change of the tested weight is recorded for each delay
``d``. :func:`sk_stdp.plotting.stdp_window` does exactly this, with the plain
rule (``stream=True``, ``n_steps=1``, ``competition=None``,
``theta_plus=0``, ``weight_norm=None``, ``init`` an array).
"""

# %%
# Measure with the seed rule's parameters
# ---------------------------------------
import matplotlib.pyplot as plt
import numpy as np

from sk_stdp import STDPTransformer
from sk_stdp.plotting import plot_stdp_window, stdp_window

delays = np.arange(-40, 41)
params = dict(A_plus=0.005, A_minus=0.00525, learning_rate=0.01, trace_decay=0.95)
dw = stdp_window(delays, **params)
for d in (-10, -1, 0, 1, 10):
    print(f"delay {d:+3d} steps: weight change {dw[delays == d][0]:+.3e}")

# %%
# Compare with the trace rule's prediction
# ----------------------------------------
# Both traces decay by ``trace_decay`` per step, so the window is a pair of
# exponentials: ``learning_rate * A_plus * trace_decay**d`` for ``d > 0`` and
# ``-learning_rate * A_minus * trace_decay**|d|`` for ``d < 0``. At ``d = 0``
# both terms apply (the rule reads both traces after the step's update), and
# the slightly larger ``A_minus`` wins.
lr, a_plus, a_minus, decay = (params[k] for k in ("learning_rate", "A_plus", "A_minus",
                                                   "trace_decay"))
t = np.linspace(-40, 40, 801)
predicted = np.where(t > 0, lr * a_plus * decay**t, -lr * a_minus * decay ** np.abs(t))
zero_lag = lr * (a_plus - a_minus)
print(f"largest deviation from the prediction: "
      f"{np.abs(dw[delays != 0] - np.interp(delays[delays != 0], t, predicted)).max():.1e}; "
      f"at d = 0: measured {dw[delays == 0][0]:+.2e}, predicted {zero_lag:+.2e}")

ax = plot_stdp_window(delays, dw, label="measured (estimator)",
                      title="STDP window of the trace rule")
ax.plot(t[t > 0], predicted[t > 0], color="C3", lw=1, label="prediction")
ax.plot(t[t < 0], predicted[t < 0], color="C3", lw=1)
ax.legend()

# %%
# Shaping the window
# ------------------
# ``trace_decay`` sets the width of the window and ``A_plus``/``A_minus``
# its two amplitudes.
fig, ax = plt.subplots()
for decay_value, colour in ((0.8, "C0"), (0.95, "C1"), (0.99, "C2")):
    dw_k = stdp_window(delays, **{**params, "trace_decay": decay_value})
    plot_stdp_window(delays, dw_k, ax=ax, color=colour, label=f"trace_decay={decay_value}")
ax.set_title("Window width follows trace_decay")

# %%
# An estimator's own window
# -------------------------
# ``stdp_window(delays, estimator=...)`` measures the window of an estimator
# as it resolves its ``"auto"`` parameters for its mode. In sample mode both
# traces decay by ``0.95``; in stream mode potentiation reaches about 10 steps
# back and depression about 20 forward, with ``A_minus`` at 0.85 ``A_plus``
# (see the streaming guide).
fig, ax = plt.subplots()
for stream, colour in ((False, "C0"), (True, "C3")):
    dw_mode = stdp_window(delays, estimator=STDPTransformer(stream=stream))
    plot_stdp_window(delays, dw_mode, ax=ax, color=colour,
                     label="stream mode" if stream else "sample mode")
ax.set_title("The default window in each mode")
plt.show()
