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
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp

__all__ = ["SpikeBinner", "SpikeEvents", "bin_spikes", "iter_binned", "trains_to_events"]


# --------------------------------------------------------------------------
# Units: quantities are converted to plain numbers in the unit of the bin width
# --------------------------------------------------------------------------
def _is_quantity(value) -> bool:
    """Whether ``value`` carries a unit (a ``quantities`` array or a ``neo`` object)."""
    return all(hasattr(value, name) for name in ("rescale", "magnitude", "dimensionality"))


def _unit_name(quantity) -> str:
    return quantity.dimensionality.string


def _width_and_unit(bin_width):
    """The bin width as a plain number, and its unit (None for a plain number)."""
    if not _is_quantity(bin_width):
        return bin_width, None
    if np.ndim(bin_width) != 0:
        raise ValueError(f"bin_width must be a single number, got shape {np.shape(bin_width)}.")
    return np.asarray(bin_width.magnitude).item(), _unit_name(bin_width)


def _rescaled(value, unit: str, name: str):
    try:
        return value.rescale(unit).magnitude
    except ValueError as exc:
        raise ValueError(
            f"{name} is in {_unit_name(value)}, which does not convert to {unit}, the unit of "
            f"bin_width; pass {name} as a time."
        ) from exc


def _scalar_in(value, unit: str | None, name: str):
    """A time (``t_start``, ``t_stop``, ``until``) as a plain number in ``unit``."""
    if _is_quantity(value):
        if np.ndim(value) != 0:
            raise ValueError(f"{name} must be a single time, got shape {np.shape(value)}.")
        if unit is None:
            raise ValueError(
                f"{name}={value!s} carries a unit but bin_width is a plain number: pass "
                f"bin_width as a quantity too (for example bin_width=quantities.Quantity(1, "
                f"'ms')), or {name} as a plain number in the unit of the spike times "
                f"({name}.rescale('s').magnitude for times in seconds)."
            )
        return np.asarray(_rescaled(value, unit, name)).item()
    if unit is not None and not (isinstance(value, Real) and value == 0):
        raise ValueError(
            f"bin_width is a quantity (in {unit}) but {name}={value!r} is a plain number: pass "
            f"{name} as a quantity (for example quantities.Quantity({value!r}, 's') for "
            f"seconds), or bin_width as a plain number in the unit of the spike times."
        )
    return value


def _array_in(times, unit: str | None):
    """Spike times as a plain array in ``unit``."""
    if _is_quantity(times):
        if unit is None:
            raise ValueError(
                f"times carry a unit ({_unit_name(times)}) but bin_width is a plain number: "
                f"pass bin_width as a quantity (for example bin_width=quantities.Quantity(1, "
                f"'ms')), or times as plain numbers in the unit of bin_width "
                f"(times.rescale('s').magnitude with bin_width in seconds)."
            )
        return np.asarray(_rescaled(times, unit, "times"))
    times = np.asarray(times)
    if unit is not None and times.size:
        raise ValueError(
            f"bin_width is a quantity (in {unit}) but times are plain numbers: pass times as "
            f"a quantity (for example quantities.Quantity(times, 's') for times in seconds), "
            f"or bin_width as a plain number in the unit of the times "
            f"(bin_width.rescale('s').magnitude for times in seconds)."
        )
    return times


def _with_unit(value, like):
    """``value`` (a plain number in the unit of ``like``) as ``like`` carries it."""
    if value is None or not _is_quantity(like):
        return value
    return like.units * value


# --------------------------------------------------------------------------
# Validation and the binning formula, shared by every entry point
# --------------------------------------------------------------------------
def _check_time(name: str, value) -> None:
    if not isinstance(value, Real) or isinstance(value, bool) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")


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
    if t_start is not None:
        _check_time("t_start", t_start)


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


def _first_time(times: np.ndarray):
    """The earliest time, as a Python int or float (exact arithmetic stays exact)."""
    return times.min().item()


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


def _no_rows(n_channels: int) -> sp.csr_matrix:
    empty = np.zeros(0, np.int64)
    return _raster(empty, empty, 0, n_channels, False)


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


# --------------------------------------------------------------------------
# Incremental binning
# --------------------------------------------------------------------------
class SpikeBinner:
    """Bin spike events that arrive piece by piece; emit bins as they close.

    Feed events with :meth:`push` (split anywhere: a bin's spikes may come
    in several pushes, and spikes within a push need not be sorted). Each
    call returns the bins that are complete as a CSR raster; spikes of the
    still-open bins are kept for later. :meth:`flush` closes the stream.
    Concatenating every returned raster gives exactly :func:`bin_spikes` of
    all the events that were not late, with ``t_start=binner.t_start_``, so
    the rasters can go straight to ``STDPTransformer(stream=True).partial_fit``.

    **The clock.** A live source stamps spikes with its own clock — seconds
    since the acquisition started, since the machine booted, since 1970.
    By default (``t_start=None``) the first bin starts at the first event
    pushed, whatever that clock reads: a first spike at t = 1426.3 s gives a
    raster whose row 0 holds it, not 1.4 million rows of silence. Give
    ``t_start`` to start the bins at a known time instead (the start of a
    recording, or 0).

    **When bins close.** A bin is complete once a later time is known to
    have been reached: by default the time of the latest spike pushed so far
    (bins strictly before its bin close), or explicitly with
    ``push(..., until=t)`` when the source knows that it has delivered
    every spike before ``t`` (the end of a block read from a file, the
    newest timestamp of a network stream less its latency) — which also
    emits the silent bins of a quiet period. Before the clock has started
    (``t_start=None`` and no event yet) there are no bins to close, and an
    ``until`` is ignored.

    **Late events.** An event before the clock's first open bin
    (``t < t_emitted_``: in a bin already returned, or before ``t_start``)
    is *late*. With ``late="drop"`` it is dropped and counted in
    ``n_late_``; with ``late="raise"`` the whole push is refused with a
    ``ValueError`` and the binner is left exactly as it was. Malformed events
    (NaN times, channels out of range, mismatched lengths) always raise, and
    leave the binner unchanged.

    A loop for a live source (``source`` yields packets of spike times,
    channels, and the time up to which everything has been received)::

        binner = SpikeBinner(n_channels, bin_width=0.001)
        for times, channels, until in source:
            stdp.partial_fit(binner.push(times, channels, until=until))
        stdp.partial_fit(binner.flush())
        print(binner.n_late_, "events came too late")

    The binner is a small picklable object; checkpoint it together with the
    estimator to resume a stream.

    Parameters
    ----------
    n_channels : int
        Number of channels (columns).
    bin_width : float or quantity
        Width of a bin, in the unit of the spike times; or a quantity
        (``quantities.Quantity(1, "ms")``), and then the times, ``t_start``,
        ``until`` and ``t_stop`` must be quantities too (of any time unit).
    t_start : float, quantity or None, default=None
        Start of the first bin. None: the time of the first event pushed.
        Events before it are late.
    late : {"drop", "raise"}, default="drop"
        What to do with late events: drop and count them, or refuse the
        push that holds them.
    binary : bool, default=False
        Clip the count of a channel in a bin to 1 (see :func:`bin_spikes`).

    Attributes
    ----------
    t_start_ : float, quantity or None
        Start of the first bin: ``t_start``, or the time of the first event
        (None until one is pushed). A quantity when ``bin_width`` is one.
    t_emitted_ : float, quantity or None
        Time up to which bins have been returned (start of the first open
        bin); events before it are late.
    n_bins_emitted_ : int
        Bins returned so far.
    n_late_ : int
        Late events dropped so far (``late="drop"``).

    Examples
    --------
    >>> from sk_stdp.events import SpikeBinner
    >>> binner = SpikeBinner(n_channels=2, bin_width=1.0)
    >>> binner.push([1426.2, 1427.5], [0, 1]).toarray()   # the clock starts at t=1426.2
    array([[1., 0.]], dtype=float32)
    >>> binner.push([1427.7], [1], until=1429.2).toarray()   # bins 1 and 2 end by t=1429.2
    array([[0., 2.],
           [0., 0.]], dtype=float32)
    >>> binner.push([1427.9], [0]).shape, binner.n_late_     # in a bin already returned
    ((0, 2), 1)
    >>> binner.flush().shape                                 # nothing pending
    (0, 2)
    """

    def __init__(
        self,
        n_channels: int,
        bin_width,
        *,
        t_start=None,
        late: str = "drop",
        binary: bool = False,
    ):
        width, unit = _width_and_unit(bin_width)
        t0 = None if t_start is None else _scalar_in(t_start, unit, "t_start")
        _check_layout(n_channels, width, t0)
        if late not in ("drop", "raise"):
            raise ValueError(f"late must be 'drop' or 'raise', got {late!r}.")
        self.n_channels = int(n_channels)
        self.bin_width = bin_width
        self.t_start = t_start
        self.late = late
        self.binary = bool(binary)
        self.n_bins_emitted_ = 0
        self.n_late_ = 0
        self._width, self._unit, self._t0 = width, unit, t0
        # Pending spikes (in bins not returned yet): absolute bin, channel, time.
        self._bins = np.zeros(0, np.int64)
        self._channels = np.zeros(0, np.int64)
        self._times = np.zeros(0)

    @property
    def t_start_(self):
        return _with_unit(self._t0, self.bin_width)

    @property
    def t_emitted_(self):
        if self._t0 is None:
            return None
        return _with_unit(self._t0 + self.n_bins_emitted_ * self._width, self.bin_width)

    def _show(self, value) -> str:
        return f"{value} {self._unit}" if self._unit else f"{value}"

    def push(self, times, channels, *, until=None) -> sp.csr_matrix:
        """Add spike events; return the bins completed so far.

        Parameters
        ----------
        times : array-like or quantity of shape (n_spikes,)
            Spike times, in any order. Those before ``t_emitted_`` are late
            (see ``late``).
        channels : array-like of int, shape (n_spikes,)
            Channel of each spike, in ``[0, n_channels)``.
        until : float, quantity or None, default=None
            Every spike before this time has now been pushed: the bins that end
            at or before it are complete, silent ones included. None: only the
            bins before the bin of the latest spike pushed so far are known to
            be complete. Ignored before the clock has started (``t_start=None``
            and no event yet); an ``until`` earlier than an earlier one closes
            nothing.

        Returns
        -------
        raster : scipy.sparse.csr_matrix of shape (n_new_bins, n_channels), dtype float32
            The newly completed bins (possibly zero rows).

        Raises
        ------
        ValueError
            Invalid events (see :func:`bin_spikes`), a plain number where
            quantities are expected or the reverse, or with ``late="raise"``
            a late event. The binner is then left unchanged.
        """
        times, channels = _check_events(_array_in(times, self._unit), channels, self.n_channels)
        if until is not None:
            until = _scalar_in(until, self._unit, "until")
            _check_time("until", until)
        t0 = self._t0
        if t0 is None:
            if not times.size:
                return _no_rows(self.n_channels)
            t0 = _first_time(times)
        bins = _bin_of(times, t0, self._width)
        late = bins < self.n_bins_emitted_
        n_late = int(np.count_nonzero(late))
        if n_late and self.late == "raise":
            open_from = self._show(t0 + self.n_bins_emitted_ * self._width)
            raise ValueError(
                f"{n_late} of {times.size} events are late: the earliest, at "
                f"t={self._show(times[late].min())}, is before t={open_from}, the start of the "
                f"first open bin (the bins before it were returned, or lie before t_start). The "
                f"push was refused, nothing of it was kept. Push events in time order and never "
                f"before an earlier `until`, or use late='drop' to drop late events and count "
                f"them in n_late_."
            )
        # Nothing can fail from here on: the push is taken.
        self._t0 = t0
        self.n_late_ += n_late
        if n_late:
            bins, channels, times = bins[~late], channels[~late], times[~late]
        pending_bins = np.concatenate([self._bins, bins])
        if until is not None:
            n_done = _n_bins_until(until, t0, self._width, partial=False)
        else:
            n_done = int(pending_bins.max()) if pending_bins.size else 0
        self._bins = pending_bins
        self._channels = np.concatenate([self._channels, channels])
        self._times = np.concatenate([self._times, times])
        return self._emit(max(n_done, self.n_bins_emitted_))

    def flush(self, t_stop=None) -> sp.csr_matrix:
        """Close the open bins: return everything pending.

        Parameters
        ----------
        t_stop : float, quantity or None, default=None
            End of the recording, as in :func:`bin_spikes`: bins are emitted
            until ``ceil((t_stop - t_start_) / bin_width)`` bins have been
            returned in all, silent ones included. None: up to and including
            the bin of the last pending spike. Before the clock has started
            there are no bins: nothing is returned.

        Returns
        -------
        raster : scipy.sparse.csr_matrix of shape (n_new_bins, n_channels), dtype float32
            The remaining bins. The binner can go on after a flush, with
            spikes after the bins it returned.
        """
        if t_stop is not None:
            t_stop = _scalar_in(t_stop, self._unit, "t_stop")
            _check_time("t_stop", t_stop)
        if self._t0 is None:
            return _no_rows(self.n_channels)
        if t_stop is not None:
            n_done = _n_bins_until(t_stop, self._t0, self._width, partial=True)
            if n_done < self.n_bins_emitted_ or np.any(self._times >= t_stop):
                emitted = self._show(self._t0 + self.n_bins_emitted_ * self._width)
                raise ValueError(
                    f"t_stop={self._show(t_stop)} is before spikes or bins already pushed (bins "
                    f"up to t={emitted} returned); flush with a later t_stop or None."
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
            f"t_start={self.t_start!r}, late={self.late!r}, binary={self.binary}) "
            f"[clock from {self.t_start_!r}, {self.n_bins_emitted_} bins emitted, "
            f"{self._bins.size} spikes pending, {self.n_late_} late]"
        )
