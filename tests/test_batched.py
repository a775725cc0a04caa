"""fit_batched: K networks trained as one computation equal their single fits."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
from hazumi_sk.model import MultitaskSequenceClassifier, batch_signature, fit_batched
from hazumi_sk.model._batched import _group, _Member
from hazumi_sk.model._batching import DialogueBatches
from hazumi_sk.persistence import load_model, save_model
from hazumi_sk.preprocessing import ModalitySelector, SequenceScaler

DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(
            not torch.cuda.is_available(), reason="CUDA is not available on this machine"
        ),
    ),
]
SMALL = {"A": 3, "L": 4, "B": 2, "V": 3}


@pytest.fixture(scope="module")
def data():
    bunch = make_synthetic_hazumi(
        n_dialogues=30, n_exchanges=(4, 12), feature_dims=SMALL, random_state=0
    )
    return to_xy(bunch, item="worthwhile")


def _folds(n: int) -> list[np.ndarray]:
    """Three training sets of different sizes, so the networks step different numbers of times."""
    rng = np.random.default_rng(0)
    return [np.sort(rng.choice(n, size, replace=False)) for size in (n - 3, n - 9, n)]


def _nets(device: str = "cpu", **common) -> list[MultitaskSequenceClassifier]:
    settings = [(0, 0.5, 8), (3, 1.0, 5), (7, 0.2, 8)]  # seed, alpha, batch size
    return [
        MultitaskSequenceClassifier(
            alpha=alpha,
            batch_size=batch,
            random_state=seed,
            hidden_size=4,
            head_size=3,
            lr=0.01,
            device=device,
            **common,
        )
        for seed, alpha, batch in settings
    ]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("cell, num_layers", [("lstm", 1), ("gru", 2)])
def test_one_step_loss_and_gradients_equal_single_fit(data, device, cell, num_layers):
    X, y = data
    folds = _folds(len(y))
    nets = _nets(device, cell=cell, num_layers=num_layers)
    members = [_Member(clone(n), X[i], y[i], None) for n, i in zip(nets, folds, strict=True)]
    group = _group(members)
    chosen = [next(iter(m.iterator._batches())) for m in members]
    losses = group.losses(*group.batch(chosen))
    losses.sum().backward()
    for k, (net, fold) in enumerate(zip(nets, folds, strict=True)):
        single = clone(net)
        dataset, _, seed, generator = single._prepare_fit(X[fold], y[fold], None)
        with single._seeded(seed):
            single.initialize()
        batch, targets = next(iter(DialogueBatches(dataset, net.batch_size, True, generator)))
        single.module_.train()
        loss = single.get_loss(single.infer(batch), targets)
        loss.backward()
        assert abs(loss.item() - losses[k].item()) < 1e-6
        n_checked = 0
        for name, param in single.module_.named_parameters():
            grad = group.params[name].grad[k]
            if param.grad is None:  # alpha=1: the exchange head gets no gradient
                assert net.alpha == 1 and name.startswith("exchange_head")
                assert torch.count_nonzero(grad) == 0
                continue
            torch.testing.assert_close(grad, param.grad, atol=1e-6, rtol=0)
            n_checked += 1
        assert n_checked >= 8


@pytest.mark.parametrize("device", DEVICES)
def test_full_fit_equals_single_fits(data, device):
    X, y = data
    folds = _folds(len(y))
    # Two shapes in one call: three LSTMs train together, the GRU alone.
    nets = _nets(device) + [
        MultitaskSequenceClassifier(
            cell="gru",
            num_layers=2,
            hidden_size=4,
            head_size=3,
            lr=0.01,
            random_state=2,
            device=device,
        )
    ]
    folds = [*folds, folds[0]]
    singles = [clone(n).fit(X[i], y[i]) for n, i in zip(nets, folds, strict=True)]
    batched = fit_batched([clone(n) for n in nets], [X[i] for i in folds], [y[i] for i in folds])
    for single, net in zip(singles, batched, strict=True):
        expected, got = single.predict_proba(X), net.predict_proba(X)
        assert np.abs(expected - got).max() <= 1e-3
        np.testing.assert_array_equal(single.predict(X), net.predict(X))
        assert len(net.history) == 60
        np.testing.assert_allclose(
            net.history[:, "train_loss"], single.history[:, "train_loss"], atol=1e-4
        )
    # The three LSTMs really moved apart from their initialisation, differently.
    assert len({round(float(n.predict_proba(X)[0, 1]), 6) for n in batched}) == 4


@pytest.fixture
def float64(monkeypatch):
    """Train in float64: networks and padded data."""
    from hazumi_sk.model import _batching

    pad = _batching.PaddedDialogues.from_ragged.__func__
    monkeypatch.setattr(
        _batching.PaddedDialogues,
        "from_ragged",
        classmethod(lambda cls, *a, **k: pad(cls, *a, **{**k, "dtype": torch.float64})),
    )
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def test_float32_differences_are_summation_order_only(data, float64):
    # In float32 this tiny network's 60-epoch fit drifts from the single fit (by 0.08;
    # the GRU alike by 0.18: Adam turns rounding-level gradients into full steps).
    # In float64 the same fits agree to rounding: the computation itself is the same.
    X, y = data
    fold = _folds(len(y))[0]
    net = MultitaskSequenceClassifier(hidden_size=3, head_size=3, lr=0.01, random_state=1)
    single = clone(net).fit(X[fold], y[fold])
    (batched,) = fit_batched([clone(net)], [X[fold]], [y[fold]])
    assert batched.module_.rnn.weight_hh_l0.dtype == torch.float64
    np.testing.assert_allclose(batched.predict_proba(X), single.predict_proba(X), atol=1e-7)


def test_batched_estimator_is_an_ordinary_fitted_estimator(data, tmp_path):
    X, y = data
    nets = fit_batched(
        [clone(n).set_params(max_epochs=3) for n in _nets()[:2]], [X, X[:20]], [y, y[:20]]
    )
    net = nets[0]
    assert net.n_features_in_ == X.n_features and list(net.classes_) == [0, 1]
    assert net.predict_exchange_proba(X).values.shape == (X.values.shape[0], 2)
    # Adam's state is the net's own, so warm start continues where the batched fit stopped.
    assert net.optimizer_.state and all(
        float(s["step"]) == 3 * 4 for s in net.optimizer_.state.values()
    )  # 27 dialogues, batch 8: 4 steps an epoch
    path = save_model(net, tmp_path / "net.hzm")
    loaded = load_model(path).model
    np.testing.assert_allclose(loaded.predict_proba(X), net.predict_proba(X), rtol=0, atol=1e-7)


def test_pipelines_fit_their_steps_then_batch(data):
    X, y = data

    def pipe(seed, alpha):
        model = MultitaskSequenceClassifier(
            alpha=alpha, hidden_size=3, head_size=3, max_epochs=4, random_state=seed
        )
        return Pipeline([("select", ModalitySelector("L+V")), ("scale", SequenceScaler()),
                         ("model", model)])  # fmt: skip

    pipes = [pipe(0, 0.7), pipe(1, 0.3)]
    singles = [clone(p).fit(X, y) for p in pipes]
    batched = fit_batched([clone(p) for p in pipes], [X, X], [y, y])
    for single, fitted in zip(singles, batched, strict=True):
        np.testing.assert_allclose(fitted.predict_proba(X), single.predict_proba(X), atol=1e-5)


def test_estimators_that_cannot_batch_fit_on_their_own(data):
    X, y = data
    plain = MultitaskSequenceClassifier(hidden_size=3, head_size=3, max_epochs=2, random_state=0)
    own = clone(plain).set_params(callbacks=[])  # callbacks run per batch: no batching
    assert batch_signature(own) is None
    assert batch_signature(clone(plain).set_params(warm_start=True)) is None
    assert batch_signature(clone(plain).set_params(optimizer=torch.optim.SGD)) is None
    assert batch_signature("not an estimator") is None
    (fitted,) = fit_batched([clone(own)], [X], [y])
    np.testing.assert_array_equal(fitted.predict_proba(X), clone(own).fit(X, y).predict_proba(X))


def test_signature_separates_shapes_not_settings():
    base = MultitaskSequenceClassifier(hidden_size=4)
    same = [base, clone(base).set_params(alpha=0.1, lr=0.1, batch_size=3, random_state=5)]
    assert len({batch_signature(e) for e in same}) == 1
    other = [clone(base).set_params(**p) for p in ({"cell": "gru"}, {"hidden_size": 5},
                                                   {"loss": "cross_entropy"})]  # fmt: skip
    assert len({batch_signature(e) for e in [base, *other]}) == 4


def test_fit_batched_needs_one_dataset_per_estimator(data):
    X, y = data
    with pytest.raises(ValueError, match="one X, y .* per estimator: got 2 estimators, 1 X"):
        fit_batched(_nets()[:2], [X], [y, y])


def test_networks_may_differ_in_epochs_batch_order_and_heads(data):
    X, y = data
    nets = [
        MultitaskSequenceClassifier(hidden_size=4, head_size=3, max_epochs=6, random_state=0),
        MultitaskSequenceClassifier(
            hidden_size=4, head_size=3, max_epochs=3, random_state=1, iterator_train__sort_pool=2
        ),
        MultitaskSequenceClassifier(
            alpha=1.0,
            hidden_size=4,
            head_size=3,
            max_epochs=4,
            random_state=2,
            module__exchange_head=False,
        ),  # fmt: skip
    ]
    assert batch_signature(nets[0]) == batch_signature(nets[1]) != batch_signature(nets[2])
    singles = [clone(n).fit(X, y) for n in nets]
    batched = fit_batched([clone(n) for n in nets], [X] * 3, [y] * 3)
    for single, net in zip(singles, batched, strict=True):
        assert len(net.history) == net.max_epochs
        np.testing.assert_allclose(net.predict_proba(X), single.predict_proba(X), atol=1e-5)
    assert batched[2].module_.exchange_head is None
