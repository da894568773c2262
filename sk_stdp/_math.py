"""The arithmetic the model's equations are written in.

Each rule (:mod:`sk_stdp._rules`) and the neuron (:mod:`sk_stdp._neurons`)
are small functions of plain arithmetic and of the few operations below. The
same functions run in every kernel: the JAX kernels call them on arrays,
where these operations broadcast; the fused CPU kernels (:mod:`sk_stdp._numba`)
compile them into their loops, after replacing these operations by their
scalar twins. An equation may call another equation (:func:`flushed` among
them), these operations, Python's arithmetic operators and ``abs``, and the
constants below, and nothing else.

The constants are float32, so that numba keeps float32 arithmetic (a Python
float would promote it to float64, and the kernels would round differently).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

ZERO = np.float32(0.0)
ONE = np.float32(1.0)
INF = np.float32(np.inf)
#: The largest float32: factors capped there keep every product finite or a signed inf.
FLOAT_MAX = np.float32(np.finfo(np.float32).max)
#: The smallest normal float32; :func:`flushed` sets anything closer to zero to zero.
SMALLEST_NORMAL = np.float32(np.finfo(np.float32).tiny)


def where(condition, if_true, if_false):
    """``if_true`` where ``condition`` holds, else ``if_false`` (both are evaluated)."""
    return jnp.where(condition, if_true, if_false)


def minimum(a, b):
    return jnp.minimum(a, b)


def maximum(a, b):
    return jnp.maximum(a, b)


def clip(value, low, high):
    """``value`` within ``[low, high]``."""
    return jnp.minimum(jnp.maximum(value, low), high)


def sqrt(value):
    return jnp.sqrt(value)


def flushed(value):
    """``value``, or zero where it is subnormal.

    A quantity that decays step by step (a trace, a membrane) would otherwise
    end on the smallest subnormal float32 for good (``0.95 * 2**-149`` rounds
    back to ``2**-149``), and every product with a subnormal costs the CPU a
    hundred times a normal one. Traces, membranes, thresholds and the
    factors of the weight change are flushed; below ``1.2e-38`` none of them
    changes anything the layer computes.
    """
    return where(abs(value) < SMALLEST_NORMAL, ZERO, value)


#: The operations an equation may use, by name (their scalar twins live in ``_numba``).
OPERATIONS = ("where", "minimum", "maximum", "clip", "sqrt")
