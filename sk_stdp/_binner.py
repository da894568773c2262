"""Incremental binning for live sources: :class:`SpikeBinner` (public in :mod:`sk_stdp.events`)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._binning import (
    _array_in,
    _bin_of,
    _check_events,
    _check_layout,
    _check_time,
    _first_time,
    _n_bins_until,
    _no_rows,
    _raster,
    _scalar_in,
    _width_and_unit,
    _with_unit,
)


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
