"""Units, validation and the binning formula shared by :mod:`sk_stdp.events`.

Bins are half-open: bin ``k`` holds the spikes with ``t_start + k * bin_width
<= t < t_start + (k + 1) * bin_width``, computed as ``floor((t - t_start) /
bin_width)``, exactly in integer arithmetic when every number is an integer.
Quantity-carrying values (neo / quantities) are converted to plain numbers in
the unit of the bin width.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp


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
