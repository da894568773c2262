"""The loops of the fused CPU kernels: which inputs, neurons and weights a step visits.

These are templates, not code that runs as written: :func:`sk_stdp._numba.kernels`
compiles them with numba after binding the names of the model's equations
(the neuron's, imported below, and a rule's and weight dependence's, the
placeholders below) to the equations' scalar forms. They hold no arithmetic
of the model of their own.
"""

from __future__ import annotations

import numpy as np

from ._math import INF, ONE, ZERO
from ._neurons import (
    absolute_threshold,
    calibrated_leak,
    excess,
    inhibit,
    inhibition_unit,
    integrate,
    mean_potential,
    potential_spread,
    relative_threshold,
    running_mean,
)
from ._rules import normalising_scale, rescaled

#: Competition codes (``None``: 0).
WTA, LATERAL = 1, 2

#: A column counts as normalised when rescaling it would multiply it by 1
#: within this relative amount (4 units in the last place of float32).
NORMALISED = np.float32(2.0**-21)


def _unbound(*args):
    raise RuntimeError("a kernel template runs only as compiled by _numba.kernels()")


pre = post = ltp_pre = ltp_post = ltd_post = slow = synapse = potentiate = homeostasis = _unbound


def _fire(v, threshold, leak, current, lif, competition, spikes, spiking):
    """Integrate, threshold, compete and reset. Writes 0/1 into ``spikes`` and the indices
    of the spiking neurons into ``spiking``; returns their number."""
    n = v.shape[0]
    n_spikes = 0
    if competition == WTA:
        # Membranes first (a loop the compiler vectorises), then the first maximum.
        for j in range(n):
            v[j] = integrate(v[j], current[j], leak)
            spikes[j] = v[j] - threshold[j]  # the margin, for now
        winner = 0
        best = spikes[0]
        for j in range(1, n):
            if spikes[j] > best:
                best = spikes[j]
                winner = j
        for j in range(n):
            spikes[j] = ZERO
        if best >= 0:
            spikes[winner] = ONE
            spiking[0] = winner
            n_spikes = 1
            for j in range(n):
                v[j] = lif.v_reset
        return n_spikes
    for j in range(n):
        v[j] = integrate(v[j], current[j], leak)
        spikes[j] = ZERO
        if v[j] - threshold[j] >= 0:
            spiking[n_spikes] = j
            n_spikes += 1
    if competition == LATERAL and n_spikes > 1:
        n_spikes = _in_order(v, threshold, lif, spiking, n_spikes)
    for q in range(n_spikes):
        spikes[spiking[q]] = ONE
    others = np.float32(n_spikes)
    for j in range(n):
        if spikes[j] > 0:
            v[j] = lif.v_reset
        elif competition == LATERAL:
            v[j] = inhibit(v[j], others, inhibition_unit(threshold[j], lif), lif)
    return n_spikes


def _in_order(v, threshold, lif, spiking, n_crossed):
    """Of the ``n_crossed`` neurons in ``spiking`` (ascending) that crossed their
    thresholds, those that fire one after another under lateral inhibition
    (``_neurons.fire``), written back into ``spiking``; returns their number."""
    # The first to fire always does. When no other would survive even one spike
    # before it (the common case), it is the only one, and no sort is needed.
    first = 0
    first_excess = -INF
    for q in range(n_crossed):
        j = spiking[q]
        key = excess(v[j] - threshold[j], inhibition_unit(threshold[j], lif))
        if key > first_excess:
            first, first_excess = q, key
    alone = True
    for q in range(n_crossed):
        j = spiking[q]
        if q != first and inhibit(v[j] - threshold[j], ONE, inhibition_unit(threshold[j], lif),
                                  lif) >= 0:
            alone = False
            break
    if alone:
        spiking[0] = spiking[first]
        return 1
    crossed = spiking[:n_crossed].copy()
    margin = np.empty(n_crossed, np.float32)
    unit = np.empty(n_crossed, np.float32)
    key = np.empty(n_crossed, np.float32)
    for q in range(n_crossed):
        j = crossed[q]
        margin[q] = v[j] - threshold[j]
        unit[q] = inhibition_unit(threshold[j], lif)
        key[q] = -excess(margin[q], unit[q])
    order = np.argsort(key, kind="mergesort")  # stable: ties go to the lower index
    n_spikes = 0
    for r in range(n_crossed):
        q = order[r]
        if inhibit(margin[q], np.float32(r), unit[q], lif) >= 0:
            spiking[n_spikes] = crossed[q]
            n_spikes += 1
    return n_spikes


def _thresholds(threshold, state, lif, relative, calibrated):
    """Each neuron's effective threshold into ``threshold``; returns the leak in use."""
    leak = lif.leak
    if calibrated:
        leak = calibrated_leak(state.input_rate[0], state.drive_weight[0], lif)
    if not relative:
        for j in range(threshold.shape[0]):
            threshold[j] = absolute_threshold(state.theta[j], lif)
        return leak
    seen = state.drive_weight[0] > 0
    potential = mean_potential(state.drive[0], state.drive_weight[0], leak)
    spread = potential_spread(potential, lif)
    for j in range(threshold.shape[0]):
        threshold[j] = INF
        if seen:
            threshold[j] = relative_threshold(state.theta[j], potential, spread, lif)
    return leak


def _track(state, current, x, indices, start, stop, lif):
    """The running input statistics after one step."""
    decay = lif.stat_decay
    total = ZERO
    for j in range(current.shape[0]):
        total += current[j]
    n_input = ZERO
    for k in range(start, stop):
        n_input += x[indices[k]]
    state.drive[0] = running_mean(state.drive[0], total / np.float32(current.shape[0]), decay)
    state.drive_weight[0] = running_mean(state.drive_weight[0], ONE, decay)
    state.input_rate[0] = running_mean(state.input_rate[0], n_input, decay)
    for i in range(x.shape[0]):
        state.input_mean[i] = running_mean(state.input_mean[i], x[i], decay)
        state.input_power[i] = running_mean(state.input_power[i], x[i] * x[i], decay)


def _normalise(weights, clean, bounds, sums):
    """Rescale each column not marked clean to sum to ``weight_total``, then clip."""
    n_features, n_neurons = weights.shape
    dirty = np.empty(n_neurons, np.int64)
    n_dirty = 0
    for j in range(n_neurons):
        if not clean[j]:
            dirty[n_dirty] = j
            n_dirty += 1
    if n_dirty == 0:
        return
    if n_dirty * 8 > n_neurons:  # many columns: row-wise passes, contiguous
        for j in range(n_neurons):
            sums[j] = 0.0
        for i in range(n_features):
            for j in range(n_neurons):
                sums[j] += weights[i, j]
    else:
        for q in range(n_dirty):
            j = dirty[q]
            acc = 0.0
            for i in range(n_features):
                acc += weights[i, j]
            sums[j] = acc
    scale = np.empty(n_dirty, np.float32)
    for q in range(n_dirty):
        j = dirty[q]
        s = normalising_scale(np.float32(sums[j]), bounds)
        scale[q] = s
        clean[j] = abs(s - ONE) <= NORMALISED
    for i in range(n_features):
        for q in range(n_dirty):
            j = dirty[q]
            weights[i, j] = rescaled(weights[i, j], scale[q], bounds)


def _update_row(weights, i, potentiation, x_i, ltp_post, ltd_post, bounds):
    """Every weight of input ``i`` takes its change."""
    for j in range(weights.shape[1]):
        weights[i, j] = synapse(weights[i, j], potentiation * ltp_post[j],
                                x_i * ltd_post[j], bounds)


def _potentiate_row(weights, i, potentiation, ltp_post, bounds):
    """Every weight of a silent input ``i`` takes its potentiation (no depression)."""
    for j in range(weights.shape[1]):
        weights[i, j] = potentiate(weights[i, j], potentiation * ltp_post[j], bounds)


def _decayed(trace, steps, powers):
    """A pre-synaptic trace after ``steps`` steps without input (``powers``: its decay over
    0, 1, ... steps; longer gaps in whole lengths of the table)."""
    longest = powers.shape[0] - 1
    while steps > longest:
        trace = trace * powers[longest]
        steps -= longest
    return trace * powers[steps]


#: Helpers called in the innermost loops, compiled into them (a call passes every
#: array argument through numba's reference counting).
INLINE = {"_update_row": "always", "_potentiate_row": "always", "_fire": "always",
          "_thresholds": "always", "_decayed": "always"}
HELPERS = {"_decayed": _decayed, "_in_order": _in_order, "_fire": _fire,
           "_thresholds": _thresholds, "_track": _track,
           "_normalise": _normalise, "_update_row": _update_row,
           "_potentiate_row": _potentiate_row}


def stream_template(state, clean, indptr, indices, data, params, competition, normalize,
                     dense_from, relative, calibrated, present_for, counts, stamps, first_step,
                     powers):
    """Consecutive time steps (CSR rows ``indptr, indices, data``) from the current state.

    A step with at least ``dense_from`` spiking neurons updates the weights
    row by row over every column; the value of each weight is the same.
    ``present_for=0``: stream mode, normalisation after every step.
    ``present_for=n``: every ``n`` rows are the steps of one presentation
    (sample mode with input that changes from step to step), after which the
    weights are normalised and membranes and traces return to rest.
    ``stamps``: the step at which each pre-synaptic trace was last brought up
    to date (the rows are steps ``first_step``, ``first_step + 1``, ...);
    ``powers``: the traces' decay over 0, 1, 2, ... steps (:func:`decay_powers`).
    """
    rule, lif, bounds = params.rule, params.neuron, params.bounds
    weights, trace_pre = state.weights, state.trace_pre
    n_features, n_neurons = weights.shape
    x = np.zeros(n_features, np.float32)
    threshold = np.empty(n_neurons, np.float32)
    current = np.empty(n_neurons, np.float32)
    spikes = np.zeros(n_neurons, np.float32)
    spiking = np.empty(n_neurons, np.int64)
    ltp_factor = np.empty(n_neurons, np.float32)
    ltd_factor = np.empty(n_neurons, np.float32)
    sums = np.empty(n_neurons, np.float64)
    for r in range(indptr.shape[0] - 1):
        t = first_step + r
        start, stop = indptr[r], indptr[r + 1]
        for k in range(start, stop):
            i = indices[k]
            x[i] = data[k]
            trace_pre[i] = pre(_decayed(trace_pre[i], t - stamps[i] - 1, powers), x[i], rule)
            stamps[i] = t
        for j in range(n_neurons):
            current[j] = ZERO
        for k in range(start, stop):
            i = indices[k]
            x_i = x[i]
            for j in range(n_neurons):
                current[j] += x_i * weights[i, j]
        leak = _thresholds(threshold, state, lif, relative, calibrated)
        n_spikes = _fire(state.v, threshold, leak, current, lif, competition, spikes, spiking)
        if relative:
            _track(state, current, x, indices, start, stop, lif)
        for j in range(n_neurons):
            state.trace_post[j] = post(state.trace_post[j], spikes[j], rule)
            ltp_factor[j] = ltp_post(spikes[j], state.trace_slow[j], rule)
            ltd_factor[j] = ltd_post(state.trace_post[j], rule)
        if n_spikes >= dense_from:
            for i in range(n_features):
                if x[i] == 0 and trace_pre[i] != 0:
                    trace_pre[i] = _decayed(trace_pre[i], t - stamps[i], powers)
                    stamps[i] = t
                potentiation = ltp_pre(trace_pre[i], rule)
                if x[i] != 0:
                    _update_row(weights, i, potentiation, x[i], ltp_factor, ltd_factor, bounds)
                elif potentiation != 0:
                    _potentiate_row(weights, i, potentiation, ltp_factor, bounds)
        else:
            for k in range(start, stop):
                i = indices[k]
                potentiation = ltp_pre(trace_pre[i], rule)
                _update_row(weights, i, potentiation, x[i], ltp_factor, ltd_factor, bounds)
            if n_spikes > 0:
                for i in range(n_features):
                    if x[i] != 0 or trace_pre[i] == 0:
                        continue
                    trace_pre[i] = _decayed(trace_pre[i], t - stamps[i], powers)
                    stamps[i] = t
                    potentiation = ltp_pre(trace_pre[i], rule)
                    if potentiation == 0:
                        continue
                    for q in range(n_spikes):
                        j = spiking[q]
                        weights[i, j] = potentiate(weights[i, j], potentiation * ltp_factor[j],
                                                   bounds)
        for j in range(n_neurons):
            state.trace_slow[j] = slow(state.trace_slow[j], spikes[j], rule)
        if n_spikes > 0 or params.homeostasis.theta_decay != 1:
            for j in range(n_neurons):
                state.theta[j] = homeostasis(state.theta[j], spikes[j], params.homeostasis)
        for q in range(n_spikes):
            counts[spiking[q]] += 1.0
        if normalize:
            if stop > start:
                for j in range(n_neurons):
                    if ltd_factor[j] != 0 or spikes[j] != 0:
                        clean[j] = False
            else:
                for q in range(n_spikes):
                    clean[spiking[q]] = False
        for k in range(start, stop):
            x[indices[k]] = ZERO
        if present_for == 0:
            if normalize:
                _normalise(weights, clean, bounds, sums)
        elif (r + 1) % present_for == 0:
            if normalize:
                _normalise(weights, clean, bounds, sums)
            for i in range(n_features):
                trace_pre[i] = ZERO
                stamps[i] = t
            for j in range(n_neurons):
                state.v[j] = ZERO
                state.trace_post[j] = ZERO
                state.trace_slow[j] = ZERO


def sample_template(state, clean, indptr, indices, data, n_steps, params, competition,
                     normalize, counts):
    """Rows as samples, each presented for ``n_steps`` steps from rest (direct code).

    Per presentation, only the columns of neurons that fired during it change,
    and only on the row's active inputs; the current of every other neuron is
    the one computed at the first step.
    """
    rule, lif, bounds = params.rule, params.neuron, params.bounds
    weights, theta = state.weights, state.theta
    n_features, n_neurons = weights.shape
    v = np.empty(n_neurons, np.float32)
    trace_post = np.zeros(n_neurons, np.float32)
    trace_slow = np.zeros(n_neurons, np.float32)
    current = np.empty(n_neurons, np.float32)
    spikes = np.zeros(n_neurons, np.float32)
    spiking = np.empty(n_neurons, np.int64)
    active = np.empty(n_neurons, np.int64)  # neurons that fired in this presentation
    is_active = np.zeros(n_neurons, np.bool_)
    sums = np.empty(n_neurons, np.float64)
    max_nnz = 0
    for r in range(indptr.shape[0] - 1):
        max_nnz = max(max_nnz, indptr[r + 1] - indptr[r])
    trace_pre = np.empty(max_nnz, np.float32)
    potentiation = np.empty(max_nnz, np.float32)
    threshold = np.empty(n_neurons, np.float32)
    for r in range(indptr.shape[0] - 1):
        start, stop = indptr[r], indptr[r + 1]
        nnz = stop - start
        for k in range(nnz):
            trace_pre[k] = ZERO
        for j in range(n_neurons):
            v[j] = ZERO
            current[j] = ZERO
        for k in range(start, stop):
            i = indices[k]
            x_i = data[k]
            for j in range(n_neurons):
                current[j] += x_i * weights[i, j]
        n_active = 0
        for _ in range(n_steps):
            for k in range(nnz):
                trace_pre[k] = pre(trace_pre[k], data[start + k], rule)
                potentiation[k] = ltp_pre(trace_pre[k], rule)
            for j in range(n_neurons):
                threshold[j] = absolute_threshold(theta[j], lif)
            n_spikes = _fire(v, threshold, lif.leak, current, lif, competition, spikes, spiking)
            for q in range(n_spikes):
                j = spiking[q]
                counts[j] += 1.0
                if not is_active[j]:
                    is_active[j] = True
                    active[n_active] = j
                    n_active += 1
            for q in range(n_active):
                j = active[q]
                trace_post[j] = post(trace_post[j], spikes[j], rule)
                depression = ltd_post(trace_post[j], rule)
                ltp_factor = ltp_post(spikes[j], trace_slow[j], rule)
                acc = ZERO
                for k in range(nnz):
                    i = indices[start + k]
                    x_i = data[start + k]
                    w = synapse(weights[i, j], potentiation[k] * ltp_factor,
                                x_i * depression, bounds)
                    weights[i, j] = w
                    acc += x_i * w
                current[j] = acc  # same terms in the same order as the first step's sum
                trace_slow[j] = slow(trace_slow[j], spikes[j], rule)
            if params.homeostasis.theta_decay != 1:
                for j in range(n_neurons):
                    theta[j] = homeostasis(theta[j], spikes[j], params.homeostasis)
            else:
                for q in range(n_spikes):
                    j = spiking[q]
                    theta[j] = homeostasis(theta[j], spikes[j], params.homeostasis)
        for q in range(n_active):
            j = active[q]
            trace_post[j] = ZERO
            trace_slow[j] = ZERO
            is_active[j] = False
            if normalize:
                clean[j] = False
        if normalize:
            _normalise(weights, clean, bounds, sums)
