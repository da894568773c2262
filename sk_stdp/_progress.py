"""What a long fit shows while it runs: a progress bar per pass, a line per pass."""

from __future__ import annotations

import sys

import numpy as np


def progress(verbose: int, n_rows: int, epoch: int, n_epochs: int):
    """A progress display over the rows of one pass (tqdm), or a no-op.

    ``verbose=1``: a bar appears only when a pass lasts over 2 s and output
    goes to a terminal or a notebook; it is cleared at the end of the pass.
    ``verbose>=2``: progress for every pass, kept: a bar on a terminal or in
    a notebook, otherwise (a log file, a pipe) plain lines at most every
    10 s, with no carriage returns.
    """
    if not verbose:
        return _NoProgress()
    import tqdm.auto
    import tqdm.notebook

    interactive = issubclass(tqdm.auto.tqdm, tqdm.notebook.tqdm) or sys.stderr.isatty()
    always = verbose >= 2
    if not (always or interactive):
        return _NoProgress()
    return tqdm.auto.tqdm(
        total=n_rows,
        desc=f"epoch {epoch + 1}/{n_epochs}",
        unit="row",
        delay=0 if always else 2.0,
        leave=always,
        disable=False if always else None,
        mininterval=0.5 if interactive else 10.0,
        file=None if interactive else _Lines(sys.stderr),
        dynamic_ncols=False,
        ncols=None if interactive else 100,
    )


def report(name: str, epoch: int, counts: np.ndarray, n_rows: int, weights: np.ndarray,
           seconds: float, per: str) -> None:
    """One line on the pass just completed."""
    print(
        f"[{name}] Iteration {epoch + 1}, "
        f"spikes per neuron per {per} = {counts.mean() / max(n_rows, 1):.3f}, "
        f"silent neurons = {int(np.sum(counts == 0))}, "
        f"weights mean = {weights.mean():.4f} std = {weights.std():.4f}, "
        f"time = {seconds:.2f}s"
    )


class _Lines:
    """A text stream that turns each progress-bar refresh into one plain line."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> None:
        text = text.replace("\r", "").strip()
        if text:
            self._stream.write(text + "\n")

    def flush(self) -> None:
        self._stream.flush()


class _NoProgress:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False
