"""compute_options (device, batching) and compute_backend (local, Dask, Ray) of the evaluation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from hazumi_sk.cli import main
from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
from hazumi_sk.evaluation import (
    Cell,
    compute_backend,
    compute_options,
    on_device,
    repeated_splits,
    run_cells,
)
from hazumi_sk.evaluation._cells import cell_key
from hazumi_sk.evaluation._compute import current_options
from hazumi_sk.model import MultitaskSequenceClassifier

NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")


@pytest.fixture(scope="module")
def data():
    bunch = make_synthetic_hazumi(
        30, n_exchanges=(4, 10), feature_dims={"A": 3, "L": 4, "B": 2, "V": 3}, random_state=0
    )
    return to_xy(bunch, item="worthwhile")


def _cells(y):
    splits = repeated_splits(True, y, 3, 1, 0)
    nets = [
        MultitaskSequenceClassifier(
            alpha=alpha, hidden_size=4, head_size=3, max_epochs=4, lr=0.01, random_state=1
        )
        for alpha in (0.3, 1.0)
    ]
    return [Cell(net, train, test) for net in nets for _, _, train, test in splits]


def test_batched_cells_score_as_unbatched_and_share_the_cache(data, tmp_path):
    X, y = data
    cells = _cells(y)
    plain = run_cells(cells, X, y, scoring="neg_log_loss", progress=False, cache_dir=tmp_path)
    with compute_options(batch=True):
        batched = run_cells(cells, X, y, scoring="neg_log_loss", progress=False)
        cached = run_cells(cells, X, y, scoring="neg_log_loss", progress=False, cache_dir=tmp_path)
    np.testing.assert_allclose(
        [r["score"] for r in batched], [r["score"] for r in plain], rtol=0, atol=1e-5
    )
    assert not any(r["cached"] for r in batched)
    # The batched run found every cell in the cache the unbatched run wrote: same keys.
    assert all(r["cached"] for r in cached)
    assert len(list(tmp_path.rglob("*.json"))) == len(cells)


def test_auto_batches_on_cuda_only(data, monkeypatch):
    from hazumi_sk.evaluation import _cells as cells_module

    X, y = data
    seen = []
    real = cells_module._fit_and_score_batch

    def spy(cells, *args):
        seen.append(len(cells))
        return real(cells, *args)

    monkeypatch.setattr(cells_module, "_fit_and_score_batch", spy)
    run_cells(_cells(y), X, y, scoring="accuracy", progress=False)  # auto, on the CPU
    assert seen == []
    with compute_options(batch=True):
        run_cells(_cells(y), X, y, scoring="accuracy", progress=False)
    assert seen == [6]  # one shape: every cell in one batch (alpha is not part of the shape)


def test_device_option_reaches_every_network_and_the_cache_key(data):
    X, y = data
    cell = _cells(y)[0]
    pipe = Pipeline([("model", cell.estimator)])
    moved = on_device(pipe, "meta")
    assert moved.get_params()["model__device"] == "meta"
    assert pipe.get_params()["model__device"] == "cpu"  # a clone: the original is unchanged
    assert on_device(LogisticRegression(), "meta").get_params() == LogisticRegression().get_params()
    key = cell_key(Cell(pipe, cell.train, cell.test), "data", "accuracy")
    moved_key = cell_key(Cell(moved, cell.train, cell.test), "data", "accuracy")
    assert key != moved_key  # a fit on another device is another computation


@NO_CUDA
def test_cuda_is_refused_where_absent():
    match = r"device='cuda' asks for CUDA.*use device='cpu'"
    with pytest.raises(ValueError, match=match), compute_options(device="cuda"):
        pass  # pragma: no cover


@NO_CUDA
@pytest.mark.parametrize("command", ["reproduce", "leaderboard", "train"])
def test_cli_device_cuda_exits_2_naming_the_option(command, tmp_path, capsys):
    argv = {
        "reproduce": ["reproduce", "--data", str(tmp_path), "--out", str(tmp_path / "o")],
        "leaderboard": ["leaderboard", "--synthetic", "--tiny", "--out", str(tmp_path / "o")],
        "train": ["train", "--synthetic", "--tiny", "--item", "worthwhile",
                  "--model", str(tmp_path / "m.hzm")],
    }[command]  # fmt: skip
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--device", "cuda"])
    assert exit_info.value.code == 2
    assert "--device cuda: CUDA is not available here" in capsys.readouterr().err


def test_cli_address_needs_a_cluster_backend(tmp_path, capsys):
    argv = ["leaderboard", "--synthetic", "--tiny", "--out", str(tmp_path), "--address", "auto"]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "--address: needs --backend dask or --backend ray" in capsys.readouterr().err


def test_bad_options_name_the_parameter():
    bad = [
        ("batch must be one of", compute_options(batch="always")),
        ("device must be a torch device", compute_options(device="gpu0")),
        ("backend must be one of", compute_backend("spark")),
        ("address is for backend='dask' or 'ray'", compute_backend("local", address="auto")),
    ]
    for match, context in bad:
        with pytest.raises(ValueError, match=match), context:
            pass  # pragma: no cover


def test_options_are_restored_on_exit():
    assert current_options().device is None
    with compute_options(device="cpu", batch=False):
        assert (current_options().device, current_options().batch) == ("cpu", False)
    assert (current_options().device, current_options().batch) == (None, "auto")


def _leaderboard(out, *extra):
    methods = ["majority", "pooled-lr", "lstm-multitask"]
    argv = ["leaderboard", "--synthetic", "--tiny", "--items", "worthwhile", "--methods",
            *methods, "--out", str(out), "--no-progress"]  # fmt: skip
    assert main([*argv, *extra]) == 0
    return pd.read_csv(out / "fold_scores.csv")


@pytest.fixture(scope="module")
def local_board(tmp_path_factory):
    return _leaderboard(tmp_path_factory.mktemp("local"))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["dask", "ray"])
def test_leaderboard_on_a_cluster_equals_the_local_run(backend, local_board, tmp_path):
    pytest.importorskip({"dask": "distributed", "ray": "ray"}[backend])
    # A local cluster on 127.0.0.1 with one-thread workers, started and shut down
    # by the command; the fit cache is written here, by the client.
    workers = "2" if backend == "ray" else "1"  # Ray: the 2 CPUs asked; Dask: 1 starts faster
    board = _leaderboard(tmp_path, "--backend", backend, "--n-jobs", workers)
    assert len(board) == len(local_board) > 0
    assert set(board["method"]) == {"majority", "pooled-lr", "lstm-multitask"}
    np.testing.assert_array_equal(board["score"], local_board["score"])
    assert len(list((tmp_path / "cache").rglob("*.json"))) > 0
    if backend == "ray":
        import ray

        assert not ray.is_initialized()  # shut down at the end
