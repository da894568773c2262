"""An independent plain-numpy implementation of the learning rules.

Written from the equations in the user guide ("The learning rule", "Rules
beyond the pair rule") and the estimator's documented semantics, not from
``sk_stdp`` code, and importing nothing from it. Arithmetic is float32,
like the estimator, so that the two agree to rounding.
"""

from __future__ import annotations

import numpy as np

SEED_RULE = dict(
    A_plus=0.005,
    A_minus=0.00525,
    learning_rate=0.01,
    w_min=0.0,
    w_max=1.0,
    threshold=1.0,
    v_reset=0.0,
    leak=0.9,
    trace_decay=0.95,
)


def _normalize(W, total, w_min, w_max):
    sums = W.sum(axis=1, keepdims=True)
    one = W.dtype.type(1)
    scale = np.where(sums > 0, total / np.where(sums > 0, sums, one), one)
    return np.clip(W * scale, w_min, w_max).astype(W.dtype)


def lateral_spikes(margin, threshold, floor, inhibition):
    """Spikes under lateral inhibition. Each spike lowers the other membranes by
    ``inhibition`` times their thresholds (at least ``floor``, the threshold
    parameter). The neurons above threshold fire one by one, the largest margin
    relative to the threshold first (ties: the lower index); a neuron that the spikes
    before it pushed below threshold does not fire."""
    f = margin.dtype.type
    unit = np.maximum(threshold, floor).astype(margin.dtype)
    s = np.zeros_like(margin)
    above = [j for j in range(margin.size) if margin[j] >= 0]
    for rank, j in enumerate(sorted(above, key=lambda j: (-f(margin[j] / unit[j]), j))):
        if f(margin[j] - f(inhibition * unit[j]) * f(rank)) >= 0:
            s[j] = 1
    return s


def lateral_inhibition(v, s, threshold, floor, inhibition):
    """The membranes of the neurons that did not fire, lowered by every spike."""
    f = v.dtype.type
    others = f(s.sum())
    if others == 0:
        return v
    unit = np.maximum(threshold, floor).astype(v.dtype)
    return (v - inhibition * unit * others).astype(v.dtype)


def run(
    X,
    W0,
    *,
    A_plus,
    A_minus,
    learning_rate,
    w_min,
    w_max,
    threshold,
    v_reset,
    leak,
    trace_decay,
    stream=True,
    n_steps=1,
    competition=None,
    inhibition=1.0,
    theta_plus=0.0,
    theta_decay=1.0,
    weight_norm=None,
    rule="pair",
    weight_dependence="additive",
    A3_plus=0.0,
    trace_decay_slow=0.0,
    trace_decay_post=None,
    relative=None,
):
    """Run the rule over the rows of ``X`` from rest with initial weights ``W0``.

    ``W0`` has the estimator's ``components_`` layout (n_neurons, n_features).
    ``trace_decay_post`` is the post-synaptic trace's decay (None: ``trace_decay``).
    ``rule="nearest"``: each trace is set to the value of its latest event instead of
    summing events. ``weight_dependence="multiplicative"``: potentiation is scaled by
    ``w_max - W`` and depression by ``W - w_min`` before the clip.
    ``relative``: None for fixed thresholds, or a dict with ``relative_threshold``,
    ``threshold_noise``, ``threshold_window`` and ``membrane_spikes`` (None: a
    fixed leak) for the stream-mode thresholds of ``threshold="auto"``: each
    step fires against ``(relative_threshold + theta) * V + threshold_noise *
    sqrt(w_max * V) + threshold``, ``V`` the running mean input current
    (averaged over the neurons, over about ``threshold_window`` steps,
    corrected for its start from zero) divided by ``1 - leak``; with
    ``membrane_spikes``, the leak of each step is ``1 - r / membrane_spikes``
    within ``[leak, 0.99]``, ``r`` the running mean input per step (summed
    over the inputs). Both means are those of the steps before; on the first
    step, with no mean yet, no neuron fires (and the leak is ``leak``). With
    ``readout_floor`` in ``relative`` (None: no floor), the returned
    ``readout_thresholds`` are the final thresholds, each raised to at least
    ``m @ W / (1 - leak) + readout_floor * sqrt(s2 @ W**2 / (1 - leak**2))``,
    ``m`` and ``s2`` the running mean and variance of each input.
    Returns a dict with the final ``weights`` (same layout), ``theta``, ``v``,
    ``trace_pre``, ``trace_post``, ``trace_slow`` (triplet rule; zeros for the
    pair rule) and the total ``spikes`` per neuron.
    """
    f = np.float32
    A_plus, A_minus, lr = f(A_plus), f(A_minus), f(learning_rate)
    w_min, w_max, thr, v_reset = f(w_min), f(w_max), f(threshold), f(v_reset)
    leak, td, inh = f(leak), f(trace_decay), f(inhibition)
    theta_plus, theta_decay = f(theta_plus), f(theta_decay)
    A3_plus, td_slow = f(A3_plus), f(trace_decay_slow)
    td_post = td if trace_decay_post is None else f(trace_decay_post)
    assert rule in ("pair", "triplet", "nearest")
    assert weight_dependence in ("additive", "multiplicative")
    X = np.asarray(X, dtype=f)
    n_features = X.shape[1]
    total = None if weight_norm is None else f(weight_norm * n_features)

    # Initial weights: clipped to the bounds, then normalised (in float64, once).
    W = np.clip(np.asarray(W0, dtype=np.float64), float(w_min), float(w_max))
    if total is not None:
        W = _normalize(W, float(total), float(w_min), float(w_max))
    W = W.astype(f)
    n_neurons = W.shape[0]
    theta = np.zeros(n_neurons, f)
    v = np.zeros(n_neurons, f)
    trace_pre = np.zeros(n_features, f)
    trace_post = np.zeros(n_neurons, f)
    slow = np.zeros(n_neurons, f)
    spikes_total = np.zeros(n_neurons, np.int64)
    if relative is not None:
        rel, noise = f(relative["relative_threshold"]), f(relative["threshold_noise"])
        stat = f(1.0 - 1.0 / relative["threshold_window"])
        spikes_per_tau = relative.get("membrane_spikes")
        spikes_per_tau = None if spikes_per_tau is None else f(spikes_per_tau)
    means = dict(current=f(0), rate=f(0), weight=f(0), input=np.zeros(n_features, f),
                 power=np.zeros(n_features, f))
    leaks = []  # the leak of each step

    def leak_now():
        if relative is None or spikes_per_tau is None or means["weight"] == 0:
            return leak
        per_step = means["rate"] / means["weight"]
        return f(min(max(f(1) - per_step / spikes_per_tau, leak), f(0.99)))

    def step(x):
        nonlocal W, theta, v, trace_pre, trace_post, slow
        if rule == "nearest":  # the latest event sets the trace
            trace_pre = np.where(x > 0, x, td * trace_pre).astype(f)
        else:
            trace_pre = td * trace_pre + x
        current = W @ x
        step_leak, threshold_now = leak_now(), thr + theta
        if relative is not None:
            if means["weight"] == 0:  # the first step: nothing to be relative to
                threshold_now = np.full(n_neurons, np.inf, f)
            else:
                V = means["current"] / means["weight"] / max(f(1) - step_leak, f(1e-3))
                threshold_now = ((rel + theta) * V + noise * np.sqrt(max(w_max, f(0)) * V)
                                 + thr).astype(f)
            means["current"] = stat * means["current"] + (f(1) - stat) * f(current.mean())
            means["rate"] = stat * means["rate"] + (f(1) - stat) * f(x.sum())
            means["input"] = (stat * means["input"] + (f(1) - stat) * x).astype(f)
            means["power"] = (stat * means["power"] + (f(1) - stat) * x * x).astype(f)
            means["weight"] = stat * means["weight"] + (f(1) - stat)
        leaks.append(step_leak)
        v = step_leak * v + current
        margin = v - threshold_now
        crossed = margin >= 0
        if competition == "wta":
            winner = int(np.argmax(margin))
            s = np.zeros(n_neurons, f)
            if crossed[winner]:
                s[winner] = 1
                v = np.full(n_neurons, v_reset, f)
        elif competition == "lateral":
            s = lateral_spikes(margin, threshold_now, thr, inh)
            v = np.where(s > 0, v_reset, lateral_inhibition(v, s, threshold_now, thr, inh))
            v = v.astype(f)
        else:
            s = crossed.astype(f)
            v = np.where(crossed, v_reset, v).astype(f)
        if rule == "nearest":
            trace_post = np.where(s > 0, s, td_post * trace_post).astype(f)
        else:
            trace_post = td_post * trace_post + s
        if rule == "triplet":
            # The triplet term reads the slow trace from before this spike.
            ltp = np.outer(s * (A_plus + A3_plus * slow), trace_pre)
        else:
            ltp = A_plus * np.outer(s, trace_pre)
        ltd = A_minus * np.outer(trace_post, x)
        if weight_dependence == "multiplicative":  # soft bounds
            W = np.clip(W + lr * ltp * (w_max - W) - lr * ltd * (W - w_min), w_min, w_max)
        else:
            W = np.clip(W + lr * (ltp - ltd), w_min, w_max)
        slow = td_slow * slow + s
        theta = theta_decay * theta + theta_plus * s
        return s

    for x in X:
        if stream:
            spikes_total += step(x).astype(np.int64)
            if total is not None:
                W = _normalize(W, total, w_min, w_max)
        else:
            v = np.zeros(n_neurons, f)
            trace_pre = np.zeros(n_features, f)
            trace_post = np.zeros(n_neurons, f)
            slow = np.zeros(n_neurons, f)
            for _ in range(n_steps):
                spikes_total += step(x).astype(np.int64)
            if total is not None:
                W = _normalize(W, total, w_min, w_max)
    if not stream:
        v = np.zeros(n_neurons, f)
        trace_pre = np.zeros(n_features, f)
        trace_post = np.zeros(n_neurons, f)
        slow = np.zeros(n_neurons, f)
    readout_thresholds = None
    if relative is not None and means["weight"] > 0:
        final_leak = leak_now()
        V = means["current"] / means["weight"] / max(f(1) - final_leak, f(1e-3))
        readout_thresholds = (rel + theta) * V + noise * np.sqrt(max(w_max, f(0)) * V) + thr
        if relative.get("readout_floor") is not None:
            mean = means["input"].astype(np.float64) / means["weight"]
            variance = np.maximum(means["power"] / means["weight"] - mean**2, 0)
            floor = (W @ mean / (1 - final_leak) + relative["readout_floor"]
                     * np.sqrt((W**2) @ variance / (1 - final_leak**2)))
            readout_thresholds = np.maximum(readout_thresholds, floor)
    return dict(
        readout_thresholds=readout_thresholds,
        weights=W,
        theta=theta,
        v=v,
        trace_pre=trace_pre,
        trace_post=trace_post,
        trace_slow=slow,
        spikes=spikes_total,
        leaks=np.array(leaks, f),
        leak=leak_now(),
    )


def respond(X, W, theta, *, threshold, v_reset, leak, stream, n_steps=1, competition=None,
            inhibition=1.0, readout="lif", readout_inhibition=0.5, readout_threshold=0.2):
    """Read-out with frozen weights ``W`` (n_neurons, n_features) and thresholds ``theta``.

    Sample mode (``stream=False``): each row presented for ``n_steps`` steps
    from rest; returns the spike count of each neuron per row. Stream mode:
    the rows are consecutive steps of one run from rest; returns the 0/1
    spikes of each step. Thresholds do not adapt and weights do not learn.
    ``readout="rate"`` (sample mode, no competition): neurons without leak
    whose input is ``W @ x`` less ``readout_inhibition`` times its mean over
    the neurons, reset by subtracting their threshold. ``readout="cosine"``:
    the same neurons with ``W @ x`` divided by the norms of ``x`` and of each
    neuron's weights, and ``readout_threshold`` as their threshold.
    """
    f = np.float32
    X = np.asarray(X, dtype=f)
    W = np.asarray(W, dtype=f)
    thr, v_reset, leak, inh = f(threshold), f(v_reset), f(leak), f(inhibition)
    theta = np.asarray(theta, dtype=f)
    n_neurons = W.shape[0]

    weight_norms = np.sqrt((W * W).sum(axis=1, dtype=f))

    def step(v, x):
        if readout in ("rate", "cosine"):
            current = W @ x
            fire_at = thr + theta
            if readout == "cosine":
                current = current / (np.sqrt((x * x).sum(dtype=f)) * weight_norms)
                fire_at = np.full(n_neurons, readout_threshold, f)
            v = v + (current - f(readout_inhibition) * current.mean(dtype=f))
            crossed = v >= fire_at
            return np.where(crossed, v - fire_at, v).astype(f), crossed.astype(f)
        v = leak * v + W @ x
        margin = v - (thr + theta)
        crossed = margin >= 0
        if competition == "wta":
            s = np.zeros(n_neurons, f)
            winner = int(np.argmax(margin))
            if crossed[winner]:
                s[winner] = 1
                v = np.full(n_neurons, v_reset, f)
            return v, s
        if competition == "lateral":
            s = lateral_spikes(margin, thr + theta, thr, inh)
            v = np.where(s > 0, v_reset, lateral_inhibition(v, s, thr + theta, thr, inh))
            return v.astype(f), s
        s = crossed.astype(f)
        return np.where(crossed, v_reset, v).astype(f), s

    out = np.zeros((X.shape[0], n_neurons), f)
    v = np.zeros(n_neurons, f)
    for i, x in enumerate(X):
        if stream:
            v, out[i] = step(v, x)
        else:
            v = np.zeros(n_neurons, f)
            for _ in range(n_steps):
                v, s = step(v, x)
                out[i] += s
    return out
