"""Where the fits run: the device of every network and the joblib backend (local, Dask, Ray).

:func:`compute_options` sets, for the evaluation functions called inside it, the
device every network is put on and whether networks of one shape are trained
together (:func:`~hazumi_sk.model.fit_batched`). :func:`compute_backend` starts (or
connects to) a Dask or Ray cluster and routes joblib's parallel fits to it. Both
act in the calling process: :func:`run_cells` applies the options to each cell's
estimator before it leaves for a worker, and writes the fit cache as results come
back, so workers need neither the options nor a shared file system.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import joblib
from sklearn.base import clone

__all__ = ["BACKENDS", "compute_backend", "compute_options", "on_device"]

#: The joblib backends :func:`compute_backend` knows.
BACKENDS = ("local", "dask", "ray")
_BATCH = ("auto", True, False)


@dataclass(frozen=True)
class _Options:
    device: str | None = None
    batch: bool | str = "auto"


_OPTIONS: ContextVar[_Options | None] = ContextVar("hazumi_sk_compute_options", default=None)


def current_options() -> _Options:
    """The options of the innermost :func:`compute_options` (defaults outside any)."""
    return _OPTIONS.get() or _Options()


def _check_device(device: str | None) -> str | None:
    if device is None:
        return None
    import torch

    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be a torch device such as 'cpu' or 'cuda', got {device!r}."
        ) from None
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} asks for CUDA, but torch.cuda.is_available() is False here "
            f"(torch {torch.__version__}); use device='cpu'."
        )
    return device


@contextlib.contextmanager
def compute_options(device: str | None = None, batch: bool | str = "auto") -> Iterator[None]:
    """Device and batching of the networks fitted by the evaluation functions inside.

    Parameters
    ----------
    device : str or None, default=None
        Put every network (each estimator parameter named ``device`` or ending in
        ``__device``) on this torch device, e.g. ``"cuda"``; None leaves the
        estimators as built. The device is part of each fit's cache key (a CUDA
        fit is not the same computation as a CPU one).
    batch : {"auto", True, False}, default="auto"
        Train cells whose networks have the same shape as one batched computation
        (:func:`~hazumi_sk.model.fit_batched`). ``"auto"`` batches networks on
        CUDA only: on the CPU a batch measured no faster than one fit after
        another (``benchmarks/bench_batched.py``). Batching never changes a
        cell's cache key; its scores equal the unbatched ones up to float
        summation order.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from hazumi_sk.evaluation import compute_options, repeated_cv_scores
    >>> X, y = make_classification(n_samples=40, random_state=0)
    >>> with compute_options(device="cpu", batch=False):
    ...     scores = repeated_cv_scores(LogisticRegression(), X, y, progress=False)
    >>> len(scores)
    5
    """
    if batch not in _BATCH:
        raise ValueError(f"batch must be one of {list(_BATCH)}, got {batch!r}.")
    token = _OPTIONS.set(_Options(_check_device(device), batch))
    try:
        yield
    finally:
        _OPTIONS.reset(token)


def on_device(estimator: Any, device: str | None) -> Any:
    """A clone of ``estimator`` with every ``device`` parameter (nested too) set to ``device``.

    Parameters
    ----------
    estimator : estimator object
        Any scikit-learn estimator; skorch networks, pipelines and
        meta-estimators holding them.
    device : str or None
        None returns ``estimator`` itself.

    Returns
    -------
    estimator : estimator object

    Examples
    --------
    >>> from sklearn.pipeline import Pipeline
    >>> from hazumi_sk.evaluation import on_device
    >>> from hazumi_sk.model import MultitaskSequenceClassifier
    >>> pipe = Pipeline([("model", MultitaskSequenceClassifier())])
    >>> on_device(pipe, "meta").get_params()["model__device"]
    'meta'
    """
    if device is None or not hasattr(estimator, "get_params"):
        return estimator
    names = [n for n in estimator.get_params(deep=True) if n == "device" or n.endswith("__device")]
    if not names:
        return estimator
    return clone(estimator).set_params(**dict.fromkeys(names, device))


@contextlib.contextmanager
def compute_backend(
    backend: str = "local", address: str | None = None, n_workers: int | None = None
) -> Iterator[None]:
    """Route joblib's parallel fits to a local, Dask or Ray cluster for the duration.

    Parameters
    ----------
    backend : {"local", "dask", "ray"}, default="local"
        ``"local"``: joblib's own processes (nothing changes). ``"dask"``:
        ``dask.distributed`` (``pip install "hazumi-sk[dask]"``). ``"ray"``:
        Ray's joblib backend (``pip install "hazumi-sk[ray]"``).
    address : str or None, default=None
        An existing cluster: a Dask scheduler (``"tcp://host:8786"``) or a Ray
        cluster (``"auto"``, ``"ray://host:10001"``). None starts a local one on
        127.0.0.1 (no dashboard) with ``n_workers`` one-thread workers, and shuts
        it down at the end.
    n_workers : int or None, default=None
        Workers of a local cluster; None: every core.

    Examples
    --------
    >>> from hazumi_sk.evaluation import compute_backend
    >>> with compute_backend("local"):
    ...     pass
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {list(BACKENDS)}, got {backend!r}.")
    if backend == "local":
        if address is not None:
            raise ValueError("address is for backend='dask' or 'ray'; 'local' has no cluster.")
        yield
        return
    workers = n_workers or os.cpu_count() or 1
    starter = _dask if backend == "dask" else _ray
    with starter(address, workers), joblib.parallel_config(backend=backend, n_jobs=-1):
        yield


@contextlib.contextmanager
def _dask(address: str | None, n_workers: int) -> Iterator[None]:
    try:
        import distributed
    except ImportError as error:
        raise ImportError(
            'backend="dask" needs dask.distributed: pip install "hazumi-sk[dask]".'
        ) from error
    if address is not None:
        with distributed.Client(address):
            yield
        return
    cluster = distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        env={"OMP_NUM_THREADS": "1"},  # one torch thread per worker: no oversubscription
    )
    try:
        with distributed.Client(cluster):
            yield
    finally:
        cluster.close()


@contextlib.contextmanager
def _ray(address: str | None, n_workers: int) -> Iterator[None]:
    try:
        import ray
        from ray.util.joblib import register_ray
    except ImportError as error:
        raise ImportError('backend="ray" needs Ray: pip install "hazumi-sk[ray]".') from error
    if ray.is_initialized():
        raise RuntimeError("Ray is already initialised in this process; shut it down first.")
    if address is not None:
        ray.init(address=address, log_to_driver=False)
    else:
        ray.init(
            num_cpus=n_workers,
            include_dashboard=False,
            _node_ip_address="127.0.0.1",
            log_to_driver=False,
            runtime_env={"env_vars": {"OMP_NUM_THREADS": "1"}},
        )
    try:
        register_ray()
        yield
    finally:
        ray.shutdown()
