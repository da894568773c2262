"""The image side of :class:`~sk_stdp.ConvSTDPTransformer`: pure functions on patches.

The geometry of a layer of shared filters (image shape, kernel, pooling
grids), the contrast-normalised ON/OFF patches the filters learn from, and
the pooled spike counts of the frozen filters at every position (jitted at
the boundary).
"""

from __future__ import annotations

from functools import partial
from numbers import Integral

import jax
import jax.numpy as jnp
import numpy as np

from . import _dynamics as dyn

#: Patches handed to one compiled read-out call (rows of the frozen layer).
PATCHES_PER_CALL = 32768

#: Images at least this many pixels on each side get 5x5 filters from ``kernel_size="auto"``.
LARGE_IMAGE = 16


def pair(value, name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, Integral) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, Integral) and v >= 1 for v in pair):
        raise ValueError(f"{name} must be a positive int or a pair of them; got {value!r}.")
    return int(pair[0]), int(pair[1])


def grid_edges(size: int, cells: int) -> tuple[int, ...]:
    """Boundaries of ``cells`` near-equal pooling cells over ``size`` positions."""
    return tuple(int(round(e)) for e in np.linspace(0, size, cells + 1))


# --------------------------------------------------------------------------
# Pure functions of the patch pipeline (jitted at the boundary below)
# --------------------------------------------------------------------------
def image_patches(images: jax.Array, kernel: tuple[int, int], stride: int) -> jax.Array:
    """Every ``kernel`` patch of a batch of images, shape (batch, rows, cols, patch size).

    ``images`` has shape (batch, height, width, channels).
    """
    return jax.lax.conv_general_dilated_patches(
        images,
        filter_shape=kernel,
        window_strides=(stride, stride),
        padding="VALID",
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
    )


def on_off(patches: jax.Array, contrast_floor: float) -> tuple[jax.Array, jax.Array]:
    """Contrast-normalised patches split into ON and OFF channels.

    Each patch is centred on its mean and divided by its norm (or by
    ``contrast_floor`` when its norm is smaller, so that faint patches stay
    faint); its positive part feeds the ON inputs, its negative part the OFF
    inputs. Returns the non-negative inputs (twice the patch size, norm at
    most 1) and the norm of each centred patch.
    """
    centred = patches - patches.mean(axis=-1, keepdims=True)
    norm = jnp.sqrt(jnp.sum(centred * centred, axis=-1, keepdims=True))
    unit = centred / jnp.maximum(norm, contrast_floor)
    return jnp.concatenate([jnp.maximum(unit, 0), jnp.maximum(-unit, 0)], axis=-1), norm[..., 0]


@partial(jax.jit, static_argnames=("kernel", "stride"))
def inputs(images, contrast_floor, *, kernel, stride):
    return on_off(image_patches(images, kernel, stride), contrast_floor)


@partial(jax.jit, static_argnames=("kernel", "stride", "grids", "n_steps"))
def pooled_counts(
    images, weights, threshold, params, seed, contrast_floor, *, kernel, stride, grids, n_steps
):
    """Spike counts of every filter at every position, averaged over each pooling cell.

    ``grids`` holds one ``(rows, cols)`` pair per pooling grid: the boundaries
    of its cells along each axis of the map of positions. Returns shape
    (batch, total cells * filters), grid by grid.
    """
    x, _ = on_off(image_patches(images, kernel, stride), contrast_floor)
    batch, n_rows, n_cols, n_inputs = x.shape
    flat = x.reshape(-1, n_inputs)
    counts = dyn.respond_samples(
        weights, threshold, flat, jnp.zeros(flat.shape[0], jnp.uint32), params, seed,
        competition=None, encoding="direct", n_steps=n_steps,
    ).reshape(batch, n_rows, n_cols, -1)
    cells = [
        counts[:, r0:r1, c0:c1].mean(axis=(1, 2))
        for rows, cols in grids
        for r0, r1 in zip(rows[:-1], rows[1:], strict=True)
        for c0, c1 in zip(cols[:-1], cols[1:], strict=True)
    ]
    return jnp.stack(cells, axis=1).reshape(batch, -1)


def geometry(image_shape, kernel_size, stride: int, pooling, pyramid: bool, n_features: int
             ) -> tuple[tuple[int, int, int], tuple[int, int], tuple]:
    """Image shape, kernel and pooling-cell boundaries for ``n_features`` columns."""
    shape = list(image_shape)
    if len(shape) not in (2, 3) or not all(isinstance(s, Integral) for s in shape):
        raise ValueError(f"image_shape must be 2 or 3 ints; got {image_shape!r}.")
    if len(shape) == 2:
        shape.append(1)
    if shape.count(-1) > 1 or any(s < 1 and s != -1 for s in shape):
        raise ValueError(
            f"image_shape entries must be positive (one may be -1); got {image_shape!r}."
        )
    if -1 in shape:
        known = int(np.prod([s for s in shape if s != -1]))
        if n_features % known:
            raise ValueError(
                f"image_shape {image_shape!r} cannot hold n_features={n_features}."
            )
        shape[shape.index(-1)] = n_features // known
    height, width, channels = (int(s) for s in shape)
    if height * width * channels != n_features:
        raise ValueError(
            f"image_shape {image_shape!r} holds {height * width * channels} values "
            f"but X has n_features={n_features} columns."
        )
    if kernel_size == "auto":
        side = 5 if min(height, width) >= LARGE_IMAGE else 3
        kernel = (min(side, height), min(side, width))
    else:
        kernel = pair(kernel_size, "kernel_size")
    if kernel[0] > height or kernel[1] > width:
        raise ValueError(
            f"kernel_size {kernel} is larger than the image ({height}, {width}) "
            f"(n_features={n_features})."
        )
    map_rows = (height - kernel[0]) // stride + 1
    map_cols = (width - kernel[1]) // stride + 1
    cells = pair(pooling, "pooling")
    finest = (min(cells[0], map_rows), min(cells[1], map_cols))
    shapes = [finest]
    if pyramid:
        for side in range(max(finest) - 1, 0, -1):
            coarser = (min(side, finest[0]), min(side, finest[1]))
            if coarser != shapes[-1]:
                shapes.append(coarser)
    grids = tuple((grid_edges(map_rows, r), grid_edges(map_cols, c)) for r, c in shapes)
    return (height, width, channels), kernel, grids


def pow2_floor(n: int) -> int:
    return 1 << (int(n).bit_length() - 1)
