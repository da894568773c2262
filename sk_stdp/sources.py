"""Spike data as recordings, sorters, event cameras and live streams hold it.

Adapters from the containers spike data lives in to
:class:`~sk_stdp.events.SpikeEvents` (times in seconds, channels, the
recording's window), ready to be binned:

- :func:`events_from_neo`: a list of ``neo.SpikeTrain`` or a ``neo.Segment``
  (channel = index of the train), keeping the trains' ``t_start`` and
  ``t_stop``;
- :func:`events_from_sorting`: a ``spikeinterface`` sorting (channel = index
  of the unit id), sample indices converted to seconds;
- :func:`events_from_sensor`: the structured event arrays of event cameras
  (fields ``t``, ``x``, ``y``, ``p``, as ``tonic`` and AEDAT readers give
  them), one channel per pixel and polarity (:func:`sensor_channels`,
  :func:`sensor_coordinates`).

And a live source: :class:`LSLSource` receives spike events from a
lab-streaming-layer stream as packets for :meth:`SpikeBinner.push
<sk_stdp.events.SpikeBinner.push>`; :func:`spike_stream_info` describes
such a stream for the sending side.

:func:`container_hint` recognises these containers when one is passed where
a raster is expected, and says which adapter to use.

The optional packages (``neo``, ``spikeinterface``, ``tonic``, ``pylsl``)
are never imported by this module: the adapters read the objects they are
given, and only :class:`LSLSource` and :func:`spike_stream_info` import
``pylsl`` when called (extra ``sk_stdp[lsl]``).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from ._binning import _is_quantity, _rescaled
from ._lsl import LSLSource, lsl_loopback, spike_stream_info
from .events import SpikeEvents

__all__ = [
    "LSLSource",
    "container_hint",
    "events_from_neo",
    "events_from_sensor",
    "events_from_sorting",
    "lsl_loopback",
    "sensor_channels",
    "sensor_coordinates",
    "spike_stream_info",
]

LSLSource.__module__ = spike_stream_info.__module__ = lsl_loopback.__module__ = __name__


# --------------------------------------------------------------------------
# neo
# --------------------------------------------------------------------------
def _type_names(obj) -> set[str]:
    return {cls.__name__ for cls in type(obj).__mro__}


def _from_package(obj, package: str) -> bool:
    return type(obj).__module__.split(".")[0] == package


def _is_neo_train(obj) -> bool:
    return _from_package(obj, "neo") and "SpikeTrain" in _type_names(obj)


def events_from_neo(data, *, unit: str = "s") -> SpikeEvents:
    """Spike events of ``neo`` spike trains, within their own window.

    Parameters
    ----------
    data : neo.Segment or list of neo.SpikeTrain
        The spike trains, one per channel: channel ``c`` is ``data[c]`` (or
        ``segment.spiketrains[c]``).
    unit : str, default="s"
        Unit of the returned times (``"s"``, ``"ms"``...): the unit that a
        plain-number bin width will be read in.

    Returns
    -------
    events : SpikeEvents
        All spikes in time order; ``t_start`` and ``t_stop`` the earliest
        start and latest stop of the trains (a recording that starts at 5 s
        is binned from 5 s); ``channel_ids`` the trains' names when every
        train has one.

    Raises
    ------
    ValueError
        No trains, or an item that is not a spike train with ``t_start`` and
        ``t_stop`` (use :func:`~sk_stdp.events.trains_to_events` for plain
        arrays).

    Examples
    --------
    >>> import neo, quantities as pq                          # doctest: +SKIP
    >>> from sk_stdp.sources import events_from_neo
    >>> trains = [                                            # doctest: +SKIP
    ...     neo.SpikeTrain([5.2, 5.9] * pq.s, t_start=5 * pq.s, t_stop=6 * pq.s),
    ...     neo.SpikeTrain([5400] * pq.ms, t_start=5 * pq.s, t_stop=6 * pq.s)]
    >>> events_from_neo(trains).bin(0.25).toarray()           # doctest: +SKIP
    array([[1., 0.],
           [0., 1.],
           [0., 0.],
           [1., 0.]], dtype=float32)
    """
    if _is_neo_train(data):
        raise ValueError("events_from_neo takes the trains of all channels: pass a list, [train].")
    if hasattr(data, "segments") and not hasattr(data, "spiketrains"):
        raise ValueError("events_from_neo reads one segment: pass block.segments[i].")
    trains = list(data.spiketrains) if hasattr(data, "spiketrains") else list(data)
    if not trains:
        raise ValueError("events_from_neo got no spike trains.")
    for train in trains:
        if not (_is_quantity(train) and hasattr(train, "t_start") and hasattr(train, "t_stop")):
            raise ValueError(
                "events_from_neo takes neo.SpikeTrain objects (with units, t_start and t_stop), "
                f"got {type(train).__name__}; for plain arrays of spike times use "
                "sk_stdp.events.trains_to_events."
            )
    times = [np.asarray(_rescaled(train, unit, "the spike trains"), float).ravel()
             for train in trains]
    channels = [np.full(t.size, c, np.int64) for c, t in enumerate(times)]
    t_start = min(np.asarray(_rescaled(t.t_start, unit, "t_start")).item() for t in trains)
    t_stop = max(np.asarray(_rescaled(t.t_stop, unit, "t_stop")).item() for t in trains)
    names = [getattr(train, "name", None) for train in trains]
    return SpikeEvents(
        np.concatenate(times), np.concatenate(channels), n_channels=len(trains),
        t_start=t_start, t_stop=t_stop, unit=unit,
        channel_ids=None if any(n is None for n in names) else np.asarray(names),
    )


# --------------------------------------------------------------------------
# spikeinterface
# --------------------------------------------------------------------------
def events_from_sorting(sorting, *, segment_index: int = 0) -> SpikeEvents:
    """Spike events of a ``spikeinterface`` sorting (one segment), in seconds.

    Parameters
    ----------
    sorting : spikeinterface BaseSorting
        A sorter's result (``NumpySorting``, a sorter's output, a loaded
        sorting...). Channel ``c`` is the unit ``sorting.unit_ids[c]``.
    segment_index : int, default=0
        The segment to read.

    Returns
    -------
    events : SpikeEvents
        Spike times in seconds (sample index over the sampling frequency,
        from the segment's start; the recording's time vector if one is
        registered); ``t_start`` the time of the segment's first sample;
        ``t_stop`` the end of its last sample when a recording is registered
        (otherwise None: the raster ends with the last spike);
        ``channel_ids`` the unit ids.

    Examples
    --------
    >>> import numpy as np
    >>> import spikeinterface.core as si  # doctest: +SKIP
    >>> from sk_stdp.sources import events_from_sorting
    >>> sorting = si.NumpySorting.from_samples_and_labels(   # doctest: +SKIP
    ...     [np.array([30, 95, 160])], [np.array(["b", "a", "b"])], sampling_frequency=1000.0)
    >>> events = events_from_sorting(sorting)                 # doctest: +SKIP
    >>> events.channel_ids, events.bin(0.05).toarray()        # doctest: +SKIP
    (array(['a', 'b'], dtype='<U1'), array([[0., 1.],
           [1., 0.],
           [0., 0.],
           [0., 1.]], dtype=float32))
    """
    for name in ("get_num_segments", "get_sampling_frequency", "unit_ids"):
        if not hasattr(sorting, name):
            raise ValueError(
                f"events_from_sorting takes a spikeinterface sorting (BaseSorting), got "
                f"{type(sorting).__name__}."
            )
    if not hasattr(sorting, "sample_index_to_time"):
        raise ValueError("events_from_sorting needs spikeinterface 0.103 or later.")
    n_segments = sorting.get_num_segments()
    if (not isinstance(segment_index, Integral) or isinstance(segment_index, bool)
            or not 0 <= segment_index < n_segments):
        raise ValueError(
            f"segment_index must be an integer in [0, {n_segments}), got {segment_index!r}."
        )
    segment_index = int(segment_index)
    unit_ids = np.asarray(sorting.unit_ids)
    if unit_ids.size == 0:
        raise ValueError("the sorting has no units.")
    spikes = sorting.to_spike_vector(concatenated=False)[segment_index]
    samples, channels = spikes["sample_index"], spikes["unit_index"].astype(np.int64)
    fs = float(sorting.get_sampling_frequency())

    def seconds(sample_index):
        return np.asarray(sorting.sample_index_to_time(sample_index, segment_index=segment_index),
                          float)

    t_start = seconds(np.zeros(1, np.int64))[0]
    t_stop = None
    if sorting.has_recording():
        last = sorting.get_num_samples(segment_index=segment_index) - 1
        t_stop = float(seconds(np.array([last]))[0] + 1.0 / fs)
    return SpikeEvents(
        seconds(samples), channels, n_channels=unit_ids.size, t_start=float(t_start),
        t_stop=t_stop, unit="s", channel_ids=unit_ids,
    )


# --------------------------------------------------------------------------
# Event cameras
# --------------------------------------------------------------------------
_SECONDS_PER = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def _check_sensor_size(sensor_size) -> tuple[int, int, int]:
    size = tuple(sensor_size) if np.ndim(sensor_size) == 1 else ()
    if len(size) != 3 or not all(
        isinstance(n, Integral) and not isinstance(n, bool) and n >= 1 for n in size
    ):
        raise ValueError(
            f"sensor_size must be (width, height, n_polarities), three positive integers, got "
            f"{sensor_size!r}."
        )
    return tuple(int(n) for n in size)


def _check_coordinate(name: str, values, bound: int) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype == bool:
        values = values.astype(np.int64)
    if values.size and (values.dtype.kind not in "iu" or values.min() < 0
                        or values.max() >= bound):
        raise ValueError(
            f"{name} must hold integers in [0, {bound}) for this sensor_size, got "
            f"{values.dtype} values from {values.min()} to {values.max()}."
            + (" Map polarities to 0 and 1 first (for example p > 0)." if name == "p" else "")
        )
    return values.astype(np.int64)


def sensor_channels(x, y, p, sensor_size) -> np.ndarray:
    """Channel of each pixel and polarity: ``(p * height + y) * width + x``.

    The layout of :func:`events_from_sensor`: the channels of one polarity
    are the pixels row by row, so a neuron's weights reshaped to
    ``(n_polarities, height, width)`` are one image per polarity, as
    ``tonic.transforms.ToFrame`` lays out its frames.

    Parameters
    ----------
    x, y : array-like of int
        Pixel column in ``[0, width)`` and row in ``[0, height)``.
    p : array-like of int or bool, or None
        Polarity in ``[0, n_polarities)``; ignored (may be None) when
        ``n_polarities`` is 1.
    sensor_size : tuple of int
        ``(width, height, n_polarities)``, as ``tonic`` gives it.

    Returns
    -------
    channels : ndarray of int64
        Channel indices in ``[0, width * height * n_polarities)``.

    Examples
    --------
    >>> from sk_stdp.sources import sensor_channels
    >>> sensor_channels([0, 3, 3], [0, 0, 1], [0, 0, 1], sensor_size=(4, 2, 2))
    array([ 0,  3, 15])
    """
    width, height, n_polarities = _check_sensor_size(sensor_size)
    x = _check_coordinate("x", x, width)
    y = _check_coordinate("y", y, height)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}.")
    if n_polarities == 1:
        p = np.zeros_like(x)
    else:
        p = _check_coordinate("p", p, n_polarities)
        if p.shape != x.shape:
            raise ValueError(f"p must have the shape of x, got {p.shape} and {x.shape}.")
    return (p * height + y) * width + x


def sensor_coordinates(channels, sensor_size) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pixel and polarity of each channel: the inverse of :func:`sensor_channels`.

    Parameters
    ----------
    channels : array-like of int
        Channel indices in ``[0, width * height * n_polarities)``.
    sensor_size : tuple of int
        ``(width, height, n_polarities)``.

    Returns
    -------
    x, y, p : ndarray of int64
        Column, row and polarity of each channel.

    Examples
    --------
    >>> from sk_stdp.sources import sensor_coordinates
    >>> x, y, p = sensor_coordinates([0, 3, 15], sensor_size=(4, 2, 2))
    >>> x, y, p
    (array([0, 3, 3]), array([0, 0, 1]), array([0, 0, 1]))
    """
    width, height, n_polarities = _check_sensor_size(sensor_size)
    channels = _check_coordinate("channels", channels, width * height * n_polarities)
    pixel, x = np.divmod(channels, width)
    p, y = np.divmod(pixel, height)
    return x, y, p


def events_from_sensor(events, sensor_size, *, time_unit: str = "us") -> SpikeEvents:
    """Spike events of an event camera (or cochlea): one channel per pixel and polarity.

    Parameters
    ----------
    events : numpy structured array
        One event per element, with integer fields ``t`` (time), ``x``,
        ``y`` (pixel) and ``p`` (polarity: integers in
        ``[0, n_polarities)`` or booleans), as ``tonic`` datasets and AEDAT
        readers give them. ``p`` may be missing when ``n_polarities`` is 1,
        and ``y`` when ``height`` is 1.
    sensor_size : tuple of int
        ``(width, height, n_polarities)``, as ``tonic`` gives it
        (``tonic.datasets.NMNIST.sensor_size`` is ``(34, 34, 2)``).
        ``n_polarities=1`` merges the polarities.
    time_unit : {"us", "ns", "ms", "s"}, default="us"
        Unit of the field ``t``.

    Returns
    -------
    events : SpikeEvents
        Times in seconds; ``width * height * n_polarities`` channels laid
        out as :func:`sensor_channels` says (reshape a neuron's weights to
        ``(n_polarities, height, width)`` to see them as images);
        ``t_start`` None: the first bin starts at the first event.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stdp.sources import events_from_sensor
    >>> dvs = np.array([(10, 0, 1, 1), (250, 1, 1, 0), (1900, 1, 0, 1)],
    ...                dtype=[("t", "<i8"), ("x", "<i2"), ("y", "<i2"), ("p", "?")])
    >>> events = events_from_sensor(dvs, sensor_size=(2, 2, 2))
    >>> events.bin(0.001).toarray()              # 1 ms bins from the first event
    array([[0., 0., 0., 1., 0., 0., 1., 0.],
           [0., 0., 0., 0., 0., 1., 0., 0.]], dtype=float32)
    """
    names = getattr(getattr(events, "dtype", None), "names", None)
    if not isinstance(events, np.ndarray) or names is None:
        raise ValueError(
            "events_from_sensor takes a numpy structured array with fields t, x, y and p, got "
            f"{type(events).__name__}."
        )
    width, height, n_polarities = _check_sensor_size(sensor_size)
    needed = {"t", "x"} | ({"y"} if height > 1 else set()) | ({"p"} if n_polarities > 1 else set())
    if not needed <= set(names):
        raise ValueError(
            f"events must have the fields {sorted(needed)} for sensor_size={sensor_size!r}; "
            f"they have {list(names)}."
        )
    if time_unit not in _SECONDS_PER:
        raise ValueError(f"time_unit must be one of {sorted(_SECONDS_PER)}, got {time_unit!r}.")
    events = events.ravel()
    x = events["x"]
    y = events["y"] if "y" in names else np.zeros_like(x)
    p = events["p"] if "p" in names else None
    channels = sensor_channels(x, y, p, (width, height, n_polarities))
    t = np.asarray(events["t"])
    if t.size and not (np.issubdtype(t.dtype, np.number) and t.dtype.kind != "c"):
        raise ValueError(f"the field t must hold numbers, got dtype {t.dtype}.")
    times = t.astype(np.float64) * _SECONDS_PER[time_unit]
    return SpikeEvents(times, channels, n_channels=width * height * n_polarities, unit="s")


# --------------------------------------------------------------------------
# What to do with a container that is not a raster
# --------------------------------------------------------------------------
def container_hint(X) -> str | None:
    """The adapter to use when ``X`` holds spike events rather than a raster.

    Recognises, without importing any optional package, the containers of
    :mod:`sk_stdp.sources` (a ``neo.SpikeTrain``, a list of them, a
    ``neo.Segment`` or ``Block``, a ``spikeinterface`` sorting, an event
    camera's structured array, :class:`~sk_stdp.events.SpikeEvents`).
    ``STDPTransformer`` raises this message as a ``ValueError``.

    Parameters
    ----------
    X : object
        What was passed as input.

    Returns
    -------
    hint : str or None
        What ``X`` is and how to bin it; None when it is none of these.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_stdp.sources import container_hint
    >>> dvs = np.zeros(3, dtype=[("t", "<i8"), ("x", "<i2"), ("y", "<i2"), ("p", "?")])
    >>> print(container_hint(dvs))  # doctest: +ELLIPSIS
    X is a structured array of camera events (fields t, x, y, p), not a raster of time bins: ...
    >>> container_hint(np.zeros((3, 4))) is None
    True
    """
    raster = "not a raster of time bins"
    then = "then pass X to fit or partial_fit (stream=True)"
    if isinstance(X, SpikeEvents):
        return f"X is a SpikeEvents, {raster}: bin it first, X = events.bin(bin_width); {then}."
    if isinstance(X, (list, tuple)) and X and _is_neo_train(X[0]):
        return (
            f"X is a list of neo.SpikeTrain, {raster}: bin it first, "
            f"X = sk_stdp.sources.events_from_neo(trains).bin(bin_width) (bin_width in "
            f"seconds); {then}."
        )
    if _is_neo_train(X):
        return (
            f"X is one neo.SpikeTrain, {raster}: put the trains of all channels in a list and "
            f"bin them, X = sk_stdp.sources.events_from_neo([train, ...]).bin(bin_width); {then}."
        )
    if _from_package(X, "neo") and hasattr(X, "spiketrains"):
        return (
            f"X is a neo {type(X).__name__}, {raster}: bin its spike trains first, "
            f"X = sk_stdp.sources.events_from_neo(segment).bin(bin_width) (bin_width in seconds)"
            f"; {then}."
        )
    if _from_package(X, "neo") and hasattr(X, "segments"):
        return (
            f"X is a neo {type(X).__name__}, {raster}: bin the spike trains of one segment, "
            f"X = sk_stdp.sources.events_from_neo(block.segments[0]).bin(bin_width); {then}."
        )
    if _from_package(X, "spikeinterface") and "BaseSorting" in _type_names(X):
        return (
            f"X is a spikeinterface sorting, {raster}: bin one segment first, "
            f"X = sk_stdp.sources.events_from_sorting(sorting, segment_index=0).bin(bin_width) "
            f"(bin_width in seconds); {then}."
        )
    names = getattr(getattr(X, "dtype", None), "names", None) if isinstance(X, np.ndarray) else None
    if names and {"t", "x"} <= set(names):
        return (
            f"X is a structured array of camera events (fields {', '.join(names)}), {raster}: "
            f"bin it first, X = sk_stdp.sources.events_from_sensor(events, sensor_size=(width, "
            f"height, n_polarities)).bin(bin_width) (t in microseconds, bin_width in seconds); "
            f"{then}."
        )
    return None
