"""Learning that either completes or leaves the estimator as it was."""

from __future__ import annotations

import copy


class Rollback:
    """Put an estimator back as it was at entry, or at the last :meth:`commit`, on any
    exception, interrupts (Ctrl-C) included; the exception is re-raised after the restore.

    ``mutable`` names the attributes whose objects learning changes in place
    (numpy state updated by the fused kernels, a fitted sub-estimator): they
    are saved as copies. Every other attribute is only rebound by learning,
    and saving the reference is enough.
    """

    def __init__(self, estimator, mutable: tuple[str, ...] = ()):
        self._estimator = estimator
        self._mutable = mutable
        self.commit()

    def commit(self) -> None:
        saved = self._estimator.__dict__.copy()
        for name in self._mutable:
            if name in saved:
                saved[name] = copy.deepcopy(saved[name])
        self._saved = saved

    def __enter__(self) -> Rollback:
        return self

    def __exit__(self, kind, value, traceback) -> bool:
        if kind is not None:
            self._estimator.__dict__.clear()
            self._estimator.__dict__.update(self._saved)
        return False
