"""Host-side preparation of input blocks for the compiled drivers.

The compiled drivers take fixed-shape blocks. These helpers cut X into blocks
whose lengths come from a small fixed set (so that no new chunk length ever
compiles a new program), and turn a block into the padded ``(index, value)``
event lists the event-driven kernel reads.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp

#: The largest block of rows handed to one compiled call.
MAX_BLOCK = 1024


def block_sizes(n_rows: int, max_block: int = MAX_BLOCK) -> Iterator[tuple[int, int]]:
    """Yield ``(start, stop)`` of consecutive blocks covering ``n_rows`` rows.

    Full blocks of ``max_block`` rows come first, then the remainder split into
    powers of two, largest first. Every block length is therefore a power of
    two not above ``max_block``: at most ``log2(max_block) + 1`` distinct shapes.
    """
    start = 0
    while n_rows - start >= max_block:
        yield start, start + max_block
        start += max_block
    size = max_block // 2
    while start < n_rows:
        while size > n_rows - start:
            size //= 2
        yield start, start + size
        start += size


def nonzeros_per_row(X) -> np.ndarray:
    """Number of non-zero entries in each row (dense array or CSR)."""
    if sp.issparse(X):
        return np.diff(X.indptr)
    return np.count_nonzero(X, axis=1)


def to_events(X, min_slots: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Padded event lists ``(index, value)`` of shape ``(n_rows, n_slots)``.

    Padding uses index ``n_features`` (out of range, dropped by the kernel)
    and value 0. ``n_slots`` is ``min_slots`` if the busiest row fits in it;
    otherwise 25% above the busiest row, rounded up to a multiple of 8. Each
    width is a new compiled program, so a caller passes the width it used
    last: the width then grows only when a row is busier than the headroom
    allows, which for spike data at a steady rate is rare.
    """
    n_rows, n_features = X.shape
    if sp.issparse(X):
        X = X.tocsr()
        X.sum_duplicates()
        X.eliminate_zeros()
        counts = np.diff(X.indptr)
        starts, columns, values = X.indptr[:-1], X.indices, X.data
    else:  # straight from the dense block: no sparse matrix for a few rows
        X = np.asarray(X)
        rows_hit, columns = np.nonzero(X)
        counts = np.bincount(rows_hit, minlength=n_rows)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        values = X[rows_hit, columns]
    busiest = int(counts.max(initial=0))
    if 0 < min_slots and busiest <= min_slots:
        n_slots = min_slots
    else:
        with_headroom = -(-busiest * 5 // 4)  # ceil(1.25 * busiest)
        n_slots = max(8, -(-with_headroom // 8) * 8)
    index = np.full((n_rows, n_slots), n_features, dtype=np.int32)
    value = np.zeros((n_rows, n_slots), dtype=np.float32)
    slot = np.arange(counts.sum()) - np.repeat(starts, counts)
    row = np.repeat(np.arange(n_rows), counts)
    index[row, slot] = columns
    value[row, slot] = values
    return index, value


def to_dense(X, out: np.ndarray | None = None) -> np.ndarray:
    """A float32 C-contiguous dense copy (or view) of a block.

    A sparse block is written into ``out`` when given (float32, C-contiguous,
    of the block's shape), so that a caller can reuse its buffers.
    """
    if sp.issparse(X):
        if out is None:
            return np.ascontiguousarray(X.toarray(), dtype=np.float32)
        out.fill(0.0)
        return X.toarray(out=out)
    return np.ascontiguousarray(X, dtype=np.float32)


_HASH_MULTIPLIERS: dict[int, np.ndarray] = {}


def row_seeds(X: np.ndarray) -> np.ndarray:
    """A 32-bit fingerprint of each row's float32 values.

    Used to seed the rate code in ``transform``: a row's random draws then
    depend on the row itself, not on its position or on the other rows.
    """
    n_features = X.shape[1]
    if n_features not in _HASH_MULTIPLIERS:
        rng = np.random.default_rng(n_features)
        _HASH_MULTIPLIERS[n_features] = rng.integers(1, 2**32, n_features, np.uint64) | 1
    bits = np.ascontiguousarray(X, dtype=np.float32).view(np.uint32).astype(np.uint64)
    mixed = (bits * _HASH_MULTIPLIERS[n_features]) & 0xFFFFFFFF
    return (mixed.sum(axis=1) & 0xFFFFFFFF).astype(np.uint32)
