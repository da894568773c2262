"""Spike events to binned rasters, in one go or chunk by chunk.

A spike sorter, a neuromorphic sensor or a simulator reports spikes as
*events*: a time and a channel (unit, electrode, pixel) for each spike. The
estimator in stream mode (``STDPTransformer(stream=True)``) reads *rasters*:
rows are consecutive time bins, columns are channels. This module turns the
first into the second without ever building a dense array: every raster is a
:class:`scipy.sparse.csr_matrix` whose memory follows the number of spikes.

- :func:`bin_spikes`: all events at once, one raster.
- :func:`iter_binned`: all events at once, the raster cut into chunks of
  ``chunk_bins`` rows (to feed :meth:`~sk_stdp.STDPTransformer.partial_fit`).
- :class:`SpikeBinner`: events arriving piece by piece (a live source, a file
  read in blocks); emits complete bins as they close and carries the rest.
- :func:`trains_to_events`: one spike train per channel (a list of arrays,
  or ``neo.SpikeTrain`` objects) to ``(times, channels)``.

Bins are half-open: bin ``k`` holds the spikes with
``t_start + k * bin_width <= t < t_start + (k + 1) * bin_width``, computed as
``floor((t - t_start) / bin_width)``. When the times, ``t_start`` and
``bin_width`` are all integers (for example sample indices from a sorter and
a bin width in samples), the arithmetic is exact integer arithmetic; with
floating-point times a spike lying on a bin edge to within rounding may land
in either neighbour. Every function here uses the same formula, so chunked and
one-shot binning always agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp

__all__ = ["SpikeBinner", "bin_spikes", "iter_binned", "trains_to_events"]


# --------------------------------------------------------------------------
# Validation and the binning formula, shared by every entry point
# --------------------------------------------------------------------------
def _check_layout(n_channels, bin_width, t_start) -> None:
    if not isinstance(n_channels, Integral) or isinstance(n_channels, bool) or n_channels < 1:
        raise ValueError(f"n_channels must be a positive integer, got {n_channels!r}.")
    if (
        not isinstance(bin_width, Real)
        or isinstance(bin_width, bool)
        or not np.isfinite(bin_width)
        or bin_width <= 0
    ):
        raise ValueError(f"bin_width must be a positive finite number, got {bin_width!r}.")
    if not isinstance(t_start, Real) or isinstance(t_start, bool) or not np.isfinite(t_start):
        raise ValueError(f"t_start must be a finite number, got {t_start!r}.")


def _check_events(times, channels, n_channels: int) -> tuple[np.ndarray, np.ndarray]:
    """1-D numeric finite times and integer channels in ``[0, n_channels)``."""
    times = np.asarray(times)
    channels = np.asarray(channels)
    if times.ndim != 1 or channels.ndim != 1:
        raise ValueError(
            "times and channels must be 1-D arrays (one entry per spike), got shapes "
            f"{times.shape} and {channels.shape}."
        )
    if times.shape != channels.shape:
        raise ValueError(
            f"times and channels must have the same length, got {times.size} times and "
            f"{channels.size} channels."
        )
    if times.size and not (np.issubdtype(times.dtype, np.number) and times.dtype.kind != "c"):
        raise ValueError(f"times must be real numbers, got dtype {times.dtype}.")
    if times.dtype.kind == "f" and not np.all(np.isfinite(times)):
        raise ValueError("times contains NaN or inf.")
    if channels.size:
        if channels.dtype.kind == "f":
            if not np.all(np.isfinite(channels)) or np.any(channels != np.round(channels)):
                raise ValueError("channels must be integers (channel indices).")
        elif channels.dtype.kind not in "iu":
            raise ValueError(f"channels must be integers, got dtype {channels.dtype}.")
        low, high = channels.min(), channels.max()
        if low < 0:
            raise ValueError(f"channels must be non-negative, got channel {low}.")
        if high >= n_channels:
            raise ValueError(
                f"channel {high} is out of range for n_channels={n_channels} "
                f"(channels are 0-based indices below n_channels)."
            )
    return times, channels.astype(np.int64, copy=False)


def _exact(times: np.ndarray, *numbers) -> bool:
    """Whether the binning can be done in integer arithmetic."""
    return times.dtype.kind in "iu" and all(
        isinstance(x, Integral) and not isinstance(x, bool) for x in numbers
    )


def _bin_of(times: np.ndarray, t_start, bin_width) -> np.ndarray:
    """``floor((t - t_start) / bin_width)`` as int64, exact for integer inputs."""
    if _exact(times, t_start, bin_width):
        return (times.astype(np.int64) - int(t_start)) // int(bin_width)
    return np.floor((times.astype(np.float64) - float(t_start)) / float(bin_width)).astype(
        np.int64
    )


def _n_bins_until(t, t_start, bin_width, *, partial: bool) -> int:
    """Bins that end at or before ``t`` (``partial=False``) or start before it (``True``)."""
    if t <= t_start:
        return 0
    if all(isinstance(x, Integral) for x in (t, t_start, bin_width)):
        span = int(t) - int(t_start)
        return -(-span // int(bin_width)) if partial else span // int(bin_width)
    span = (float(t) - float(t_start)) / float(bin_width)
    # The same formula as _bin_of, so that a spike at t lies in bin n_bins_until(t) or later.
    whole = int(np.floor(span))
    return whole + 1 if partial and whole < span else whole


def _raster(bins: np.ndarray, channels: np.ndarray, n_bins: int, n_channels: int,
            binary: bool) -> sp.csr_matrix:
    """CSR raster (float32) of spikes at 0-based ``bins`` (all in ``[0, n_bins)``)."""
    data = np.ones(bins.size, np.float32)
    X = sp.csr_matrix((data, (bins, channels)), shape=(n_bins, n_channels), dtype=np.float32)
    X.sum_duplicates()  # counts of repeated (bin, channel) pairs; sorted indices
    if binary:
        X.data[:] = 1.0
    return X


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------
def _bins_in_window(times, channels, n_channels, bin_width, t_start, t_stop):
    """Validated events inside ``[t_start, t_stop)``: their bins, channels, and the bin count.

    Without ``t_stop`` the window ends with the bin of the last spike.
    """
    _check_layout(n_channels, bin_width, t_start)
    times, channels = _check_events(times, channels, n_channels)
    bins = _bin_of(times, t_start, bin_width)
    keep = bins >= 0
    if t_stop is not None:
        n_bins = _n_bins_until(t_stop, t_start, bin_width, partial=True)
        keep &= (times < t_stop) & (bins < n_bins)
    else:
        n_bins = int(bins[keep].max()) + 1 if np.any(keep) else 0
    return bins[keep], channels[keep], n_bins


def bin_spikes(
    times,
    channels,
    n_channels: int,
    bin_width: float,
    *,
    t_start: float = 0.0,
    t_stop: float | None = None,
    binary: bool = False,
) -> sp.csr_matrix:
    """Bin spike events into a sparse raster (rows: time bins, columns: channels).

    Parameters
    ----------
    times : array-like of shape (n_spikes,)
        Spike times, in any unit (seconds, milliseconds, sample indices), in
        any order.
    channels : array-like of int, shape (n_spikes,)
        Channel (unit, electrode) of each spike, in ``[0, n_channels)``.
    n_channels : int
        Number of columns of the raster.
    bin_width : float
        Width of a bin, in the unit of ``times``.
    t_start : float, default=0.0
        Start of the first bin. Spikes before it are ignored.
    t_stop : float or None, default=None
        End of the binned window: spikes at or after it are ignored and the
        raster has ``ceil((t_stop - t_start) / bin_width)`` rows (the last bin
        is shorter when the window is not a whole number of bins). None: up to
        and including the bin of the last spike.
    binary : bool, default=False
        What a bin holds when a channel spiked more than once in it. False:
        the spike count (a graded input: with ``encoding="direct"`` two
        spikes inject twice the current and add 2 to the trace). True: 1
        (clipped), a pure 0/1 raster; choose a bin width below the
        refractory period to lose nothing.

    Returns
    -------
    raster : scipy.sparse.csr_matrix of shape (n_bins, n_channels), dtype float32
        Spike counts (or 0/1) per bin and channel, with sorted indices.

    Raises
    ------
    ValueError
        Times and channels of different lengths or not 1-D, NaN or infinite
        times, non-integer or negative channels, a channel at or above
        ``n_channels``, a non-positive ``bin_width``.

    Examples
    --------
    >>> from sk_stdp.events import bin_spikes
    >>> X = bin_spikes([0.1, 0.25, 0.26, 0.9], [0, 2, 2, 1], n_channels=3, bin_width=0.5)
    >>> X.toarray()
    array([[1., 0., 2.],
           [0., 1., 0.]], dtype=float32)
    >>> bin_spikes([0.1, 0.25, 0.26, 0.9], [0, 2, 2, 1], 3, 0.5, binary=True).toarray()[0]
    array([1., 0., 1.], dtype=float32)
    """
    bins, channels, n_bins = _bins_in_window(
        times, channels, n_channels, bin_width, t_start, t_stop
    )
    return _raster(bins, channels, n_bins, n_channels, binary)


def iter_binned(
    times,
    channels,
    n_channels: int,
    bin_width: float,
    chunk_bins: int,
    *,
    t_start: float = 0.0,
    t_stop: float | None = None,
    binary: bool = False,
) -> Iterator[sp.csr_matrix]:
    """Bin spike events chunk by chunk: rasters of ``chunk_bins`` rows, in time order.

    Equivalent to cutting ``bin_spikes(...)`` into consecutive row blocks (the
    last one shorter), but only one chunk exists at a time. The events are
    sorted once if they are not in time order.

    Parameters
    ----------
    times : array-like of shape (n_spikes,)
        Spike times, in any unit, in any order.
    channels : array-like of int, shape (n_spikes,)
        Channel of each spike, in ``[0, n_channels)``.
    n_channels : int
        Number of columns of each chunk.
    bin_width : float
        Width of a bin, in the unit of ``times``.
    chunk_bins : int
        Rows (bins) per chunk.
    t_start : float, default=0.0
        Start of the first bin. Spikes before it are ignored.
    t_stop : float or None, default=None
        End of the binned window (exclusive), as in :func:`bin_spikes`. None:
        up to and including the bin of the last spike.
    binary : bool, default=False
        Clip the count of a channel in a bin to 1 (see :func:`bin_spikes`).

    Yields
    ------
    chunk : scipy.sparse.csr_matrix of shape (n_rows, n_channels), dtype float32
        ``n_rows == chunk_bins`` except for the last chunk.

    Examples
    --------
    >>> from sk_stdp.events import iter_binned
    >>> chunks = iter_binned([0, 3, 4, 9], [0, 1, 1, 0], n_channels=2, bin_width=1,
    ...                      chunk_bins=4)
    >>> [c.shape for c in chunks]
    [(4, 2), (4, 2), (2, 2)]
    """
    if not isinstance(chunk_bins, Integral) or isinstance(chunk_bins, bool) or chunk_bins < 1:
        raise ValueError(f"chunk_bins must be a positive integer, got {chunk_bins!r}.")
    bins, channels, n_bins = _bins_in_window(
        times, channels, n_channels, bin_width, t_start, t_stop
    )
    if np.any(np.diff(bins) < 0):
        order = np.argsort(bins, kind="stable")
        bins, channels = bins[order], channels[order]
    edges = np.searchsorted(bins, np.arange(0, n_bins + chunk_bins, chunk_bins))
    for i, first in enumerate(range(0, n_bins, chunk_bins)):
        rows = min(chunk_bins, n_bins - first)
        lo, hi = edges[i], edges[i + 1]
        yield _raster(bins[lo:hi] - first, channels[lo:hi], rows, n_channels, binary)


def trains_to_events(trains: Iterable, *, units=None) -> tuple[np.ndarray, np.ndarray]:
    """Spike trains, one per channel, to ``(times, channels)`` events in time order.

    Parameters
    ----------
    trains : iterable of array-like
        ``trains[c]`` holds the spike times of channel ``c``: numpy arrays,
        lists, or ``neo.SpikeTrain`` / ``quantities`` arrays (anything with a
        ``rescale`` method, converted to ``units``).
    units : str or None, default=None
        Unit to express quantity-carrying trains in (e.g. ``"s"``, ``"ms"``).
        Required when the trains carry units, so that the bin width has a
        meaning; ignored for plain arrays.

    Returns
    -------
    times : ndarray of shape (n_spikes,)
        All spike times, sorted (stable: ties keep channel order).
    channels : ndarray of int64, shape (n_spikes,)
        The channel of each spike.

    Examples
    --------
    >>> from sk_stdp.events import trains_to_events
    >>> times, channels = trains_to_events([[0.5, 2.0], [], [1.0]])
    >>> times, channels
    (array([0.5, 1. , 2. ]), array([0, 2, 0]))
    """
    all_times, all_channels = [], []
    for channel, train in enumerate(trains):
        if hasattr(train, "rescale"):
            if units is None:
                raise ValueError(
                    "trains carry physical units (e.g. neo.SpikeTrain); pass units='s' or "
                    "units='ms' to say which unit the bin width is in."
                )
            train = train.rescale(units).magnitude
        train = np.asarray(train).ravel()
        all_times.append(train)
        all_channels.append(np.full(train.size, channel, np.int64))
    if not all_times:
        return np.zeros(0), np.zeros(0, np.int64)
    times = np.concatenate(all_times)
    channels = np.concatenate(all_channels)
    order = np.argsort(times, kind="stable")
    return times[order], channels[order]


# --------------------------------------------------------------------------
# Incremental binning
# --------------------------------------------------------------------------
class SpikeBinner:
    """Bin spike events that arrive piece by piece; emit bins as they close.

    Feed events with :meth:`push` in time order (split anywhere: a bin's
    spikes may come in several pushes, and spikes within a push need not be
    sorted). Each call returns the bins that are complete as a CSR raster;
    spikes of the still-open bins are kept for later. :meth:`flush` closes
    the stream. Concatenating every returned raster gives exactly
    :func:`bin_spikes` of all the events, so the rasters can go straight to
    ``STDPTransformer(stream=True).partial_fit``.

    A bin is complete once a later time is known to have been reached: by
    default the time of the latest spike pushed so far (bins strictly before
    its bin close), or explicitly with ``push(..., until=t)`` when the source
    knows that it has delivered every spike before ``t`` (the end of a block
    read from a recording, a sensor timestamp) — which also emits the silent
    bins of a quiet period.

    The binner is a small picklable object; checkpoint it together with the
    estimator to resume a stream.

    Parameters
    ----------
    n_channels : int
        Number of channels (columns).
    bin_width : float
        Width of a bin, in the unit of the spike times.
    t_start : float, default=0.0
        Start of the first bin. Spikes before it are ignored.
    binary : bool, default=False
        Clip the count of a channel in a bin to 1 (see :func:`bin_spikes`).

    Attributes
    ----------
    n_bins_emitted_ : int
        Bins returned so far.
    t_emitted_ : float
        Time up to which bins have been returned (start of the first open bin).

    Examples
    --------
    >>> from sk_stdp.events import SpikeBinner
    >>> binner = SpikeBinner(n_channels=2, bin_width=1.0)
    >>> binner.push([0.2, 1.5], [0, 1]).toarray()    # bin 0 is complete, bin 1 still open
    array([[1., 0.]], dtype=float32)
    >>> binner.push([1.7], [1], until=3.0).toarray()  # bins 1 and 2 end by t=3
    array([[0., 2.],
           [0., 0.]], dtype=float32)
    >>> binner.flush().shape                          # nothing pending
    (0, 2)
    """

    def __init__(
        self, n_channels: int, bin_width: float, *, t_start: float = 0.0, binary: bool = False
    ):
        _check_layout(n_channels, bin_width, t_start)
        self.n_channels = int(n_channels)
        self.bin_width = bin_width
        self.t_start = t_start
        self.binary = bool(binary)
        self.n_bins_emitted_ = 0
        # Pending spikes (in bins not returned yet): absolute bin, channel, time.
        self._bins = np.zeros(0, np.int64)
        self._channels = np.zeros(0, np.int64)
        self._times = np.zeros(0)

    @property
    def t_emitted_(self) -> float:
        return self.t_start + self.n_bins_emitted_ * self.bin_width

    def push(self, times, channels, *, until: float | None = None) -> sp.csr_matrix:
        """Add spike events; return the bins completed so far.

        Parameters
        ----------
        times : array-like of shape (n_spikes,)
            Spike times, none of them in a bin already returned.
        channels : array-like of int, shape (n_spikes,)
            Channel of each spike, in ``[0, n_channels)``.
        until : float or None, default=None
            Every spike before this time has now been pushed: the bins that end
            at or before it are complete. None: only the bins before the bin
            of the latest spike pushed so far are known to be complete.

        Returns
        -------
        raster : scipy.sparse.csr_matrix of shape (n_new_bins, n_channels), dtype float32
            The newly completed bins (possibly zero rows).

        Raises
        ------
        ValueError
            Invalid events (see :func:`bin_spikes`), or a spike in a bin
            already returned (events out of time order). The binner is left
            unchanged.
        """
        times, channels = _check_events(times, channels, self.n_channels)
        bins = _bin_of(times, self.t_start, self.bin_width)
        keep = bins >= 0  # before t_start: ignored, as in bin_spikes
        bins, channels, times = bins[keep], channels[keep], times[keep]
        if bins.size and bins.min() < self.n_bins_emitted_:
            late = times[np.argmin(bins)]
            raise ValueError(
                f"spike at time {late} falls in a bin that was already returned (bins up to "
                f"t={self.t_emitted_} are closed): push events in time order, and never "
                f"before an earlier `until`."
            )
        pending_bins = np.concatenate([self._bins, bins])
        if until is not None:
            if not isinstance(until, Real) or not np.isfinite(until):
                raise ValueError(f"until must be a finite number, got {until!r}.")
            n_done = _n_bins_until(until, self.t_start, self.bin_width, partial=False)
        else:
            n_done = int(pending_bins.max()) if pending_bins.size else 0
        n_done = max(n_done, self.n_bins_emitted_)
        self._bins = pending_bins
        self._channels = np.concatenate([self._channels, channels])
        self._times = np.concatenate([self._times, times])
        return self._emit(n_done)

    def flush(self, t_stop: float | None = None) -> sp.csr_matrix:
        """Close the open bins: return everything pending.

        Parameters
        ----------
        t_stop : float or None, default=None
            End of the recording, as in :func:`bin_spikes`: bins are emitted
            until ``ceil((t_stop - t_start) / bin_width)`` bins have been
            returned in all, silent ones included. None: up to and including
            the bin of the last pending spike.

        Returns
        -------
        raster : scipy.sparse.csr_matrix of shape (n_new_bins, n_channels), dtype float32
            The remaining bins. The binner can go on after a flush, with
            spikes after the bins it returned.
        """
        if t_stop is not None:
            if not isinstance(t_stop, Real) or not np.isfinite(t_stop):
                raise ValueError(f"t_stop must be a finite number, got {t_stop!r}.")
            n_done = _n_bins_until(t_stop, self.t_start, self.bin_width, partial=True)
            if n_done < self.n_bins_emitted_ or np.any(self._times >= t_stop):
                raise ValueError(
                    f"t_stop={t_stop} is before spikes or bins already pushed (bins up to "
                    f"t={self.t_emitted_} returned); flush with a later t_stop or None."
                )
        else:
            n_done = int(self._bins.max()) + 1 if self._bins.size else 0
        X = self._emit(max(n_done, self.n_bins_emitted_))
        if t_stop is not None:  # spikes just below t_stop that round into bin n_done: dropped,
            self._bins = self._bins[:0]  # as bin_spikes drops them
            self._channels, self._times = self._channels[:0], self._times[:0]
        return X

    def _emit(self, n_done: int) -> sp.csr_matrix:
        """Return bins ``[n_bins_emitted_, n_done)`` and drop their spikes."""
        first = self.n_bins_emitted_
        ready = self._bins < n_done
        X = _raster(
            self._bins[ready] - first, self._channels[ready], n_done - first,
            self.n_channels, self.binary,
        )
        self._bins, self._channels = self._bins[~ready], self._channels[~ready]
        self._times = self._times[~ready]
        self.n_bins_emitted_ = n_done
        return X

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n_channels={self.n_channels}, bin_width={self.bin_width!r}, "
            f"t_start={self.t_start!r}, binary={self.binary}) "
            f"[{self.n_bins_emitted_} bins emitted, {self._bins.size} spikes pending]"
        )
