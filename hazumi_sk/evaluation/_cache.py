"""On-disk store of finished (configuration, train indices, test indices) fits.

Each finished fit is one small JSON file named by a hash of everything that
determines its score: the estimator class and parameters, the data, the fold
indices and the scoring. An interrupted run therefore resumes where it stopped,
and two runs that share cells (e.g. the paper protocol and nested CV) share fits.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import joblib
import numpy as np

__all__ = ["FitCache", "data_fingerprint", "estimator_fingerprint"]

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def estimator_fingerprint(estimator: Any) -> str:
    """Hash of an estimator's class and (deep) parameters.

    Parameter values are hashed through their ``repr`` so that nested
    estimators, callables and arrays all give a stable key. Memory addresses
    (``<... object at 0x7f...>``, e.g. skorch's default callbacks) are removed:
    they differ between processes and would defeat resuming; the objects'
    own parameters are part of the deep parameters anyway.
    """
    params = estimator.get_params(deep=True) if hasattr(estimator, "get_params") else {}
    described = sorted((name, _ADDRESS.sub("", repr(value))) for name, value in params.items())
    return joblib.hash((type(estimator).__module__, type(estimator).__qualname__, described))


def data_fingerprint(X: Any, y: Any) -> str:
    """Hash of the data a cross-validation runs on (features and target)."""
    return joblib.hash((X, np.asarray(y)))


class FitCache:
    """A folder of finished cross-validation cells, or a no-op when ``directory`` is None.

    Parameters
    ----------
    directory : str or pathlib.Path or None
        Where the cells are stored; created on first write.

    Examples
    --------
    >>> from hazumi_sk.evaluation import FitCache
    >>> cache = FitCache(None)
    >>> cache.get("abc") is None
    True
    """

    def __init__(self, directory: str | os.PathLike | None) -> None:
        self.directory = None if directory is None else Path(directory)

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        """The stored record for ``key``, or None when not finished yet."""
        if self.directory is None:
            return None
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text())
        except (json.JSONDecodeError, OSError):
            # A half-written file from a killed run: treat as not finished.
            return None

    def put(self, key: str, record: dict) -> None:
        """Store ``record`` under ``key`` atomically (write then rename)."""
        if self.directory is None:
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(record))
        tmp.replace(path)
