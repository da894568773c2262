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
- :class:`SpikeEvents`: the events of one recording together with its
  window (``t_start``, ``t_stop``) and time unit, as the adapters of
  :mod:`sk_stdp.sources` make them; its methods bin it.
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

Times may carry units (``quantities`` arrays, ``neo`` objects: anything with
``rescale``, ``magnitude`` and ``dimensionality``). Then the bin width must
be a quantity too, and the binning is done in the unit of the bin width; a
plain number among quantities (other than a zero ``t_start``) is refused
with an error that says what to pass, since its unit would be a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import scipy.sparse as sp

__all__ = ["SpikeBinner", "SpikeEvents", "bin_spikes", "iter_binned", "trains_to_events"]


from ._binner import SpikeBinner
from ._binning import (
    _array_in,
    _bin_of,
    _check_events,
    _check_layout,
    _check_time,
    _first_time,
    _is_quantity,
    _n_bins_until,
    _raster,
    _rescaled,
    _scalar_in,
    _unit_name,
    _width_and_unit,
)

SpikeBinner.__module__ = __name__  # documented and pickled as sk_stdp.events.SpikeBinner


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------
def _bins_in_window(times, channels, n_channels, bin_width, t_start, t_stop):
    """Validated events inside ``[t_start, t_stop)``: their bins, channels, and the bin count.

    Without ``t_start`` the window starts at the first spike; without ``t_stop`` it
    ends with the bin of the last spike.
    """
    width, unit = _width_and_unit(bin_width)
    if t_start is not None:
        t_start = _scalar_in(t_start, unit, "t_start")
    _check_layout(n_channels, width, t_start)
    if t_stop is not None:
        t_stop = _scalar_in(t_stop, unit, "t_stop")
        _check_time("t_stop", t_stop)
    times, channels = _check_events(_array_in(times, unit), channels, n_channels)
    if t_start is None:
        if not times.size:
            return np.zeros(0, np.int64), channels, 0
        t_start = _first_time(times)
    bins = _bin_of(times, t_start, width)
    keep = bins >= 0
    if t_stop is not None:
        n_bins = _n_bins_until(t_stop, t_start, width, partial=True)
        keep &= (times < t_stop) & (bins < n_bins)
    else:
        n_bins = int(bins[keep].max()) + 1 if np.any(keep) else 0
    return bins[keep], channels[keep], n_bins


def bin_spikes(
    times,
    channels,
    n_channels: int,
    bin_width,
    *,
    t_start=0.0,
    t_stop=None,
    binary: bool = False,
) -> sp.csr_matrix:
    """Bin spike events into a sparse raster (rows: time bins, columns: channels).

    Parameters
    ----------
    times : array-like of shape (n_spikes,)
        Spike times, in any unit (seconds, milliseconds, sample indices), in
        any order; or a quantity array (``quantities``, ``neo``), with
        ``bin_width`` a quantity too.
    channels : array-like of int, shape (n_spikes,)
        Channel (unit, electrode) of each spike, in ``[0, n_channels)``.
    n_channels : int
        Number of columns of the raster.
    bin_width : float or quantity
        Width of a bin, in the unit of ``times``; or a quantity (such as
        ``quantities.Quantity(1, "ms")``) when the times carry units: the
        binning is then done in its unit.
    t_start : float, quantity or None, default=0.0
        Start of the first bin. Spikes before it are ignored. None: the time
        of the first spike. A quantity needs a quantity ``bin_width``.
    t_stop : float, quantity or None, default=None
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
        ``n_channels``, a non-positive ``bin_width``; times or window with
        units and a plain ``bin_width``, or the reverse.

    See Also
    --------
    SpikeEvents.bin : Bin the events of a recording within its own window.

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
    bin_width,
    chunk_bins: int,
    *,
    t_start=0.0,
    t_stop=None,
    binary: bool = False,
) -> Iterator[sp.csr_matrix]:
    """Bin spike events chunk by chunk: rasters of ``chunk_bins`` rows, in time order.

    Equivalent to cutting ``bin_spikes(...)`` into consecutive row blocks (the
    last one shorter), but only one chunk exists at a time. The events are
    sorted once if they are not in time order.

    Parameters
    ----------
    times : array-like of shape (n_spikes,)
        Spike times, in any unit, in any order; or a quantity array, with
        ``bin_width`` a quantity too.
    channels : array-like of int, shape (n_spikes,)
        Channel of each spike, in ``[0, n_channels)``.
    n_channels : int
        Number of columns of each chunk.
    bin_width : float or quantity
        Width of a bin, in the unit of ``times`` (see :func:`bin_spikes`).
    chunk_bins : int
        Rows (bins) per chunk.
    t_start : float, quantity or None, default=0.0
        Start of the first bin. Spikes before it are ignored. None: the time
        of the first spike.
    t_stop : float, quantity or None, default=None
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

    Only the spike times are kept; to keep the recording's window as well
    (``t_start``, ``t_stop`` of ``neo`` trains), use
    :func:`sk_stdp.sources.events_from_neo`.

    Parameters
    ----------
    trains : iterable of array-like
        ``trains[c]`` holds the spike times of channel ``c``: numpy arrays
        or lists, or all of them ``neo.SpikeTrain`` / ``quantities`` arrays.
    units : str or None, default=None
        Unit of the returned times when the trains carry units (e.g. ``"s"``
        or ``"ms"``). None: the unit of the first train. Ignored for plain
        arrays.

    Returns
    -------
    times : ndarray of shape (n_spikes,)
        All spike times, sorted (stable: ties keep channel order). A
        ``quantities`` array when the trains carry units, so that the
        binning functions can check the unit of the bin width against them.
    channels : ndarray of int64, shape (n_spikes,)
        The channel of each spike.

    Examples
    --------
    >>> from sk_stdp.events import trains_to_events
    >>> times, channels = trains_to_events([[0.5, 2.0], [], [1.0]])
    >>> times, channels
    (array([0.5, 1. , 2. ]), array([0, 2, 0]))
    """
    trains = list(trains)
    with_units = [_is_quantity(train) for train in trains]
    if any(with_units) and not all(with_units):
        raise ValueError(
            "some trains carry units and others do not: pass all of them as quantities "
            "(neo.SpikeTrain or quantities arrays) or all as plain numbers in one unit."
        )
    if any(with_units) and units is None:
        units = _unit_name(trains[0])
    all_times, all_channels = [], []
    for channel, train in enumerate(trains):
        if with_units[channel]:
            train = _rescaled(train, units, "the spike trains")
        train = np.asarray(train).ravel()
        all_times.append(train)
        all_channels.append(np.full(train.size, channel, np.int64))
    if not all_times:
        return np.zeros(0), np.zeros(0, np.int64)
    times = np.concatenate(all_times)
    channels = np.concatenate(all_channels)
    order = np.argsort(times, kind="stable")
    times, channels = times[order], channels[order]
    if any(with_units):
        import quantities  # the trains are quantities arrays: the package is there

        times = quantities.Quantity(times, units)
    return times, channels


# --------------------------------------------------------------------------
# The events of one recording
# --------------------------------------------------------------------------
@dataclass(frozen=True, eq=False, repr=False)
class SpikeEvents:
    """The spike events of one recording: times, channels, window and time unit.

    What the adapters of :mod:`sk_stdp.sources` return (from ``neo``,
    ``spikeinterface`` and event cameras), and what :meth:`bin` and
    :meth:`iter_binned` turn into rasters whose first row starts at
    ``t_start``. The events are kept sorted by time; the object is
    read-only.

    Parameters
    ----------
    times : array-like of shape (n_spikes,)
        Spike times, plain numbers in ``unit``.
    channels : array-like of int, shape (n_spikes,)
        Channel of each spike, in ``[0, n_channels)``.
    n_channels : int
        Number of channels (columns of the rasters).
    t_start : float or None, default=None
        Start of the recording, in ``unit``: the first bin starts there.
        None: at the first spike.
    t_stop : float or None, default=None
        End of the recording (exclusive), in ``unit``: the last bin ends
        there, silent ones included. None: with the bin of the last spike.
    unit : str or None, default=None
        Unit of the times (``"s"``, ``"ms"``, ``"us"``...), as ``quantities``
        names it; None when they have none (sample indices).
    channel_ids : array-like of shape (n_channels,) or None, default=None
        What each channel is in the source (unit ids of a sorting, names of
        spike trains), for reading the learned weights back.

    Attributes
    ----------
    n_spikes : int
        Number of events.

    See Also
    --------
    sk_stdp.sources.events_from_neo : Events of ``neo`` spike trains.
    sk_stdp.sources.events_from_sorting : Events of a ``spikeinterface`` sorting.
    sk_stdp.sources.events_from_sensor : Events of an event camera.

    Examples
    --------
    >>> from sk_stdp.events import SpikeEvents
    >>> events = SpikeEvents([5.0021, 5.0004, 5.0035], [1, 0, 1], n_channels=2,
    ...                      t_start=5.0, t_stop=5.005, unit="s")
    >>> events
    SpikeEvents(n_spikes=3, n_channels=2, t_start=5.0, t_stop=5.005, unit='s')
    >>> events.bin(0.001).toarray()     # five 1 ms bins from t_start to t_stop
    array([[1., 0.],
           [0., 0.],
           [0., 1.],
           [0., 1.],
           [0., 0.]], dtype=float32)
    """

    times: np.ndarray
    channels: np.ndarray
    n_channels: int
    t_start: float | None = None
    t_stop: float | None = None
    unit: str | None = None
    channel_ids: np.ndarray | None = None

    def __post_init__(self):
        if _is_quantity(self.times):
            raise ValueError(
                "SpikeEvents holds plain times with their unit apart: pass "
                f"times.magnitude and unit={_unit_name(self.times)!r}."
            )
        for name in ("t_start", "t_stop"):
            if _is_quantity(getattr(self, name)):
                raise ValueError(
                    f"SpikeEvents holds plain times with their unit apart: pass {name} as a "
                    f"plain number in the unit of the times."
                )
        _check_layout(self.n_channels, 1, self.t_start)
        times, channels = _check_events(self.times, self.channels, self.n_channels)
        if self.t_stop is not None:
            _check_time("t_stop", self.t_stop)
            if self.t_start is not None and self.t_stop <= self.t_start:
                raise ValueError(f"t_stop={self.t_stop} must be after t_start={self.t_start}.")
        if times.size:
            if self.t_start is not None and times.min() < self.t_start:
                raise ValueError(f"a spike at {times.min()} is before t_start={self.t_start}.")
            if self.t_stop is not None and times.max() > self.t_stop:
                raise ValueError(f"a spike at {times.max()} is after t_stop={self.t_stop}.")
        if self.unit is not None and not isinstance(self.unit, str):
            raise ValueError(f"unit must be a string such as 's' or None, got {self.unit!r}.")
        channel_ids = self.channel_ids
        if channel_ids is not None:
            channel_ids = np.asarray(channel_ids)
            if channel_ids.shape != (self.n_channels,):
                raise ValueError(
                    f"channel_ids must have one entry per channel ({self.n_channels}), got "
                    f"shape {channel_ids.shape}."
                )
        order = np.argsort(times, kind="stable")
        object.__setattr__(self, "times", times[order])
        object.__setattr__(self, "channels", channels[order])
        object.__setattr__(self, "n_channels", int(self.n_channels))
        object.__setattr__(self, "channel_ids", channel_ids)

    @property
    def n_spikes(self) -> int:
        """Number of events."""
        return int(self.times.size)

    def __len__(self) -> int:
        return self.n_spikes

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n_spikes={self.n_spikes}, n_channels={self.n_channels}, "
            f"t_start={self.t_start!r}, t_stop={self.t_stop!r}, unit={self.unit!r})"
        )

    def _width(self, bin_width):
        """``bin_width`` as a plain number in the unit of the times."""
        if not _is_quantity(bin_width):
            return bin_width
        if self.unit is None:
            raise ValueError(
                "these events have no time unit (unit=None): pass bin_width as a plain "
                "number in the unit of the times."
            )
        if np.ndim(bin_width) != 0:
            raise ValueError(f"bin_width must be a single number, got shape {np.shape(bin_width)}.")
        width = np.asarray(_rescaled(bin_width, self.unit, "bin_width")).item()
        # Integer times (microseconds, samples) stay exact with a width that is a whole
        # number of their unit to within the rounding of the conversion (1 ms is
        # 1000.0000000000001 us).
        if self.times.dtype.kind in "iu" and abs(width - round(width)) <= 1e-9 * abs(width):
            width = int(round(width))
        return width

    def bin(self, bin_width, *, binary: bool = False) -> sp.csr_matrix:
        """Bin the events within the recording's window.

        Parameters
        ----------
        bin_width : float or quantity
            Width of a bin: a plain number in :attr:`unit`, or a quantity
            (``quantities.Quantity(1, "ms")``), converted to it.
        binary : bool, default=False
            Clip the count of a channel in a bin to 1 (see :func:`bin_spikes`).

        Returns
        -------
        raster : scipy.sparse.csr_matrix of shape (n_bins, n_channels), dtype float32
            Row 0 starts at ``t_start`` (at the first spike if it is None);
            with ``t_stop`` the rows cover the window up to it.
        """
        return bin_spikes(
            self.times, self.channels, self.n_channels, self._width(bin_width),
            t_start=self.t_start, t_stop=self.t_stop, binary=binary,
        )

    def iter_binned(self, bin_width, chunk_bins: int, *, binary: bool = False
                    ) -> Iterator[sp.csr_matrix]:
        """Bin the events chunk by chunk within the recording's window.

        Parameters
        ----------
        bin_width : float or quantity
            Width of a bin, as in :meth:`bin`.
        chunk_bins : int
            Rows (bins) per chunk.
        binary : bool, default=False
            Clip the count of a channel in a bin to 1 (see :func:`bin_spikes`).

        Returns
        -------
        chunks : iterator of scipy.sparse.csr_matrix of shape (n_rows, n_channels)
            Consecutive row blocks of :meth:`bin` (float32), ``chunk_bins`` rows
            each but the last.
        """
        return iter_binned(
            self.times, self.channels, self.n_channels, self._width(bin_width), chunk_bins,
            t_start=self.t_start, t_stop=self.t_stop, binary=binary,
        )
