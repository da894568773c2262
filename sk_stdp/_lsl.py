"""A live source: spike events from a lab-streaming-layer stream (public in
:mod:`sk_stdp.sources`; ``pylsl`` is imported only when a source is made)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from numbers import Integral, Real

import numpy as np

#: liblsl settings that keep streams on this machine: resolved and connected over
#: 127.0.0.1 only (see :func:`lsl_loopback`).
LOOPBACK_CONFIG = """\
[ports]
IPv6 = disable
[multicast]
ResolveScope = machine
MachineAddresses = {FF31:113D:6FDD:2C17:A643:FFE2:1BD1:3CD2, 127.0.0.1}
[lab]
KnownPeers = {127.0.0.1}
"""


def lsl_loopback(directory: str | None = None) -> str:
    """Keep this process's lab-streaming-layer streams on this machine (127.0.0.1).

    Writes a liblsl configuration that resolves and connects streams over
    the loopback interface only, and points the ``LSLAPICFG`` environment
    variable at it: for tests and simulated sources. liblsl reads its
    configuration once, when ``pylsl`` is first imported, so call this before.

    Parameters
    ----------
    directory : str or None, default=None
        Where to write the file (``lsl_api.cfg``); None: a new temporary
        directory.

    Returns
    -------
    path : str
        The configuration file, now in ``LSLAPICFG``.

    Examples
    --------
    >>> import os
    >>> from sk_stdp.sources import lsl_loopback
    >>> path = lsl_loopback()
    >>> os.environ["LSLAPICFG"] == path
    True
    >>> del os.environ["LSLAPICFG"]
    """
    import os
    import tempfile

    path = os.path.join(directory or tempfile.mkdtemp(), "lsl_api.cfg")
    with open(path, "w") as f:
        f.write(LOOPBACK_CONFIG)
    os.environ["LSLAPICFG"] = path
    return path


def _import_pylsl():
    try:
        import pylsl
    except ImportError as exc:
        raise ImportError(
            "LSLSource needs pylsl: pip install 'sk_stdp[lsl]' (or pip install pylsl)."
        ) from exc
    return pylsl


def spike_stream_info(name: str, n_channels: int, *, source_id: str = "",
                      stream_type: str = "Spikes", width: int = 1):
    """Describe an LSL stream of spike events, for the sending side.

    The format :class:`LSLSource` reads: an irregular-rate stream of int32
    samples of ``width`` values; each value is the channel id of one spike
    at the sample's timestamp, negative values are padding. With
    ``width=1`` (the default) each sample is one spike; a wider sample
    carries up to ``width`` simultaneous spikes. The number of channels is
    written in the stream's description (``n_channels``), where
    :class:`LSLSource` reads it.

    Parameters
    ----------
    name : str
        Name of the stream.
    n_channels : int
        Number of spike channels (ids ``0 .. n_channels - 1``).
    source_id : str, default=""
        A unique id of the source, to resolve it unambiguously.
    stream_type : str, default="Spikes"
        Content type of the stream.
    width : int, default=1
        Values per sample.

    Returns
    -------
    info : pylsl.StreamInfo
        Pass it to ``pylsl.StreamOutlet``, then push samples with
        ``outlet.push_chunk(channel_ids[:, None], timestamps)``.

    Examples
    --------
    >>> from sk_stdp.sources import spike_stream_info
    >>> info = spike_stream_info("spikes", n_channels=384, source_id="rig-1")  # doctest: +SKIP
    >>> info.channel_count(), info.desc().child_value("n_channels")            # doctest: +SKIP
    (1, '384')
    """
    if not isinstance(n_channels, Integral) or isinstance(n_channels, bool) or n_channels < 1:
        raise ValueError(f"n_channels must be a positive integer, got {n_channels!r}.")
    if not isinstance(width, Integral) or isinstance(width, bool) or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}.")
    pylsl = _import_pylsl()
    info = pylsl.StreamInfo(name, stream_type, int(width), pylsl.IRREGULAR_RATE,
                            pylsl.cf_int32, source_id)
    info.desc().append_child_value("n_channels", str(int(n_channels)))
    return info


class LSLSource:
    """Spike events from a lab-streaming-layer (LSL) stream, as packets for ``SpikeBinner.push``.

    Resolves a stream on the network, connects to it, and yields what
    arrives as ``(times, channels, until)``: spike times in the stream's
    clock, channel ids, and a time up to which every spike has been
    received — the newest timestamp so far less ``latency``, or, while the
    stream is quiet, the sender's present time less ``latency``. The loop::

        from sk_stdp.events import SpikeBinner
        from sk_stdp.sources import LSLSource

        with LSLSource("spikes", timeout=5.0) as source:
            binner = SpikeBinner(source.n_channels, bin_width=0.001)
            for times, channels, until in source:
                stdp.partial_fit(binner.push(times, channels, until=until))
        stdp.partial_fit(binner.flush())

    **Sample format.** Each sample holds channel ids: every non-negative
    value is one spike of that channel at the sample's timestamp, negative
    values (and NaN in float streams) are padding. A one-value stream sends
    one spike per sample; a wider one up to that many spikes at one time.
    :func:`spike_stream_info` makes such a stream; the sender pushes each
    spike with its own timestamp
    (``outlet.push_chunk(channel_ids[:, None], timestamps)``).

    **Clock.** Timestamps are the sender's clock (``pylsl.local_clock()``
    there: seconds since its machine booted). ``SpikeBinner``'s default
    clock starts at the first spike, so no conversion is needed. A spike
    that arrives more than ``latency`` after its timestamp, or stamped more
    than ``latency`` before the newest timestamp received, comes after its
    bin was closed: the binner counts it in ``n_late_``.

    **Quiet periods.** With ``wall_clock=True`` (the default), bins close as
    time passes even when no spike comes: whenever a pull returns nothing,
    the packet is empty and ``until`` is the sender's present time, read
    from this machine's clock (``pylsl.local_clock()`` less the stream's
    ``time_correction()``, the offset between the two machines' clocks),
    less ``latency``. The silent bins of a pause then reach the layer while
    the stream is quiet, not when the next spike comes. ``latency`` must
    then cover the time from a spike's timestamp to its arrival here: the
    sender's buffering (a sender that pushes every 100 ms holds its spikes
    up to 100 ms) and the network. With ``wall_clock=False``, ``until``
    follows the timestamps received only; use it for a stream whose
    timestamps do not follow the sender's clock (a replay of old
    timestamps), which would otherwise have every spike late.

    Parameters
    ----------
    name : str or None, default=None
        Name of the stream to resolve.
    stream_type : str or None, default=None
        Content type of the stream (for example ``"Spikes"``).
    source_id : str or None, default=None
        Unique source id of the stream. At least one of ``name``,
        ``stream_type`` and ``source_id`` must be given; the first stream
        matching all those given is used.
    timeout : float, default=5.0
        Seconds to wait for the stream to be found and connected.
    latency : float, default=0.05
        Seconds, in the stream's clock, by which a spike may arrive after its
        timestamp or after a later-stamped spike: ``until`` trails the
        newest timestamp, and while the stream is quiet the sender's present
        time, by this much.
    wall_clock : bool, default=True
        Close bins as time passes while no spike comes (empty packets whose
        ``until`` follows the sender's clock). False: only the timestamps
        received move ``until``.
    max_chunk : int, default=4096
        Most samples pulled at a time (one packet).
    max_buffered : int, default=1000000
        Samples the connection buffers before dropping the oldest, when the
        reader falls behind.

    Attributes
    ----------
    n_channels : int or None
        Number of spike channels, from the stream's description (None if
        the sender did not write it).
    info : pylsl.StreamInfo
        The stream's full description.
    n_samples_ : int
        Samples received so far.
    n_events_ : int
        Spikes received so far.
    newest_ : float or None
        Newest timestamp received.
    until_ : float or None
        The latest ``until`` yielded.

    Examples
    --------
    >>> from sk_stdp.sources import LSLSource
    >>> source = LSLSource("spikes", timeout=5.0)                 # doctest: +SKIP
    >>> times, channels, until = next(iter(source))               # doctest: +SKIP
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        stream_type: str | None = None,
        source_id: str | None = None,
        timeout: float = 5.0,
        latency: float = 0.05,
        wall_clock: bool = True,
        max_chunk: int = 4096,
        max_buffered: int = 1_000_000,
    ):
        query = {"name": name, "type": stream_type, "source_id": source_id}
        query = {key: value for key, value in query.items() if value is not None}
        if not query:
            raise ValueError("give at least one of name, stream_type and source_id.")
        for key, value in query.items():
            if not isinstance(value, str) or "'" in value:
                raise ValueError(f"{key} must be a string without quotes, got {value!r}.")
        for key, value in (("timeout", timeout), ("latency", latency)):
            if not isinstance(value, Real) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{key} must be a non-negative number of seconds, got {value!r}.")
        for key, value in (("max_chunk", max_chunk), ("max_buffered", max_buffered)):
            if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{key} must be a positive integer, got {value!r}.")
        if not isinstance(wall_clock, bool):
            raise ValueError(f"wall_clock must be True or False, got {wall_clock!r}.")
        pylsl = _import_pylsl()
        self._pylsl = pylsl
        self.latency = float(latency)
        self.wall_clock = wall_clock
        self.max_chunk = int(max_chunk)
        predicate = " and ".join(f"{key}='{value}'" for key, value in query.items())
        found = pylsl.resolve_bypred(predicate, 1, timeout)
        if not found:
            raise TimeoutError(f"no LSL stream with {predicate} was found within {timeout} s.")
        dtypes = {
            pylsl.cf_int8: np.int8, pylsl.cf_int16: np.int16, pylsl.cf_int32: np.int32,
            pylsl.cf_int64: np.int64, pylsl.cf_float32: np.float32,
            pylsl.cf_double64: np.float64,
        }
        channel_format = found[0].channel_format()
        if channel_format not in dtypes:
            raise ValueError(
                f"the stream with {predicate} sends samples of format {channel_format}, not "
                f"numbers: send spike channel ids as integers (see spike_stream_info)."
            )
        self._dtype = dtypes[channel_format]
        self._width = found[0].channel_count()
        # Irregular-rate streams count their buffer in hundreds of samples.
        rate = found[0].nominal_srate()
        max_buflen = math.ceil(max_buffered / rate) if rate > 0 else math.ceil(max_buffered / 100)
        self._inlet = pylsl.StreamInlet(found[0], max_buflen=max_buflen, recover=False)
        self._inlet.open_stream(timeout)
        self.info = self._inlet.info(timeout)
        described = self.info.desc().child_value("n_channels")
        self.n_channels = int(described) if described.isdigit() else None
        self.n_samples_ = 0
        self.n_events_ = 0
        self.newest_ = None
        self.until_ = None
        self._next_correction = 0.0  # when to ask for the clock offset again after a timeout
        if wall_clock:  # the first estimate takes a few probes (some 0.1 s): get it now
            self._sender_now(timeout)

    def _sender_now(self, timeout: float = 0.1) -> float | None:
        """The sender's present time, from this machine's clock; None if not known yet."""
        if time.monotonic() < self._next_correction:
            return None
        try:
            # What must be added to the sender's timestamps to read them on this
            # machine's clock: the sender's clock is this one less the correction.
            correction = self._inlet.time_correction(timeout=timeout)
        except RuntimeError as exc:
            if type(exc).__name__ == "TimeoutError":  # no estimate yet: try again later
                self._next_correction = time.monotonic() + 1.0
                return None
            raise
        return self._pylsl.local_clock() - correction

    def _advance(self, until: float) -> bool:
        """Move ``until_`` forward to ``until``; whether it moved."""
        if self.until_ is not None and until <= self.until_:
            return False
        self.until_ = until
        return True

    def packets(self, *, idle_timeout: float | None = None,
                poll_interval: float = 0.005) -> Iterator[tuple[np.ndarray, np.ndarray, float]]:
        """Yield the spikes as they arrive, one packet per pull.

        With ``wall_clock=True``, a pull that returns nothing yields an empty
        packet whenever the sender's clock has moved ``until`` forward (at
        most one every ``poll_interval``), so that the binner closes the
        silent bins of a quiet period as it goes.

        Parameters
        ----------
        idle_timeout : float or None, default=None
            Stop after this many seconds without a sample. None: go on until
            the stream is lost (its sender closed it) or the loop stops.
        poll_interval : float, default=0.005
            Seconds to sleep when nothing has arrived.

        Yields
        ------
        times : ndarray of float64, shape (n_spikes,)
            Spike times, in the stream's clock (seconds).
        channels : ndarray of int64, shape (n_spikes,)
            Channel of each spike.
        until : float
            Every spike stamped before this time has been received (up to
            ``latency``): pass it to ``SpikeBinner.push``. It never goes
            back.

        Raises
        ------
        ValueError
            The stream sent a channel id that is not an integer.
        """
        buffer = np.empty((self.max_chunk, self._width), self._dtype)
        no_times, no_channels = np.zeros(0), np.zeros(0, np.int64)
        last_arrival = time.monotonic()
        while True:
            try:
                _, stamps = self._inlet.pull_chunk(timeout=0.0, max_samples=self.max_chunk,
                                                   dest_obj=buffer)
                now = self._sender_now() if self.wall_clock and not len(stamps) else None
            except RuntimeError as exc:
                if type(exc).__name__ == "LostError":  # the sender closed the stream
                    return
                raise
            if not len(stamps):
                if idle_timeout is not None and time.monotonic() - last_arrival >= idle_timeout:
                    return
                if now is not None and self._advance(now - self.latency):
                    yield no_times, no_channels, self.until_
                time.sleep(poll_interval)
                continue
            last_arrival = time.monotonic()
            stamps = np.asarray(stamps, np.float64)
            values = buffer[: stamps.size]
            spike = values >= 0  # False for padding, and for NaN
            channels = values[spike]
            if channels.dtype.kind == "f" and np.any(channels != np.round(channels)):
                raise ValueError("the stream sent a channel id that is not an integer.")
            channels = channels.astype(np.int64)
            times = np.broadcast_to(stamps[:, None], values.shape)[spike]
            newest = float(stamps.max())
            self.newest_ = newest if self.newest_ is None else max(self.newest_, newest)
            self.n_samples_ += stamps.size
            self.n_events_ += channels.size
            self._advance(self.newest_ - self.latency)
            yield times, channels, self.until_

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray, float]]:
        return self.packets()

    def close(self) -> None:
        """Disconnect from the stream."""
        self._inlet.close_stream()

    def __enter__(self) -> LSLSource:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
