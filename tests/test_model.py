"""MultitaskSequenceClassifier: learning, targets, masking, reproducibility, outputs, errors."""

import itertools

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score

from hazumi_sk.model import (
    MultitaskLoss,
    MultitaskRNN,
    MultitaskSequenceClassifier,
    TrainingDivergedError,
)
from hazumi_sk.model._batching import DialogueBatches, PaddedDialogues
from hazumi_sk.model._toy import make_toy_sequences
from hazumi_sk.sequences import RaggedSequences


@pytest.fixture(scope="module")
def data():
    return make_toy_sequences(n_dialogues=24, lengths=(4, 12), random_state=0)


def small(**params):
    defaults = {
        "hidden_size": 8,
        "head_size": 8,
        "max_epochs": 15,
        "lr": 0.02,
        "random_state": 0,
        "torch_num_threads": 1,
    }
    defaults.update(params)
    return MultitaskSequenceClassifier(**defaults)


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return small().fit(X, y)


# ----------------------------------------------------------------- learning
def test_learns_dialogue_and_exchange_tasks(fitted, data):
    X, y = data
    assert fitted.score(X, y) >= 0.9
    proba = fitted.predict_exchange_proba(X)
    rated = ~np.isnan(X.exchange_labels)
    high = X.exchange_labels[rated] > 4
    assert roc_auc_score(high, proba.values[rated, 1]) > 0.8


def test_fitted_attributes(fitted, data):
    X, _ = data
    assert fitted.classes_.tolist() == [0, 1]
    assert fitted.n_features_in_ == X.n_features
    assert fitted.feature_names_in_.tolist() == X.feature_names.tolist()
    assert fitted.n_rated_exchanges_ == int((~np.isnan(X.exchange_labels)).sum())
    assert len(fitted.history) == 15
    assert fitted.history[-1, "train_loss"] < fitted.history[0, "train_loss"]


def test_paper_defaults():
    clf = MultitaskSequenceClassifier()
    assert (clf.cell, clf.hidden_size, clf.num_layers, clf.head_size) == ("lstm", 128, 1, 128)
    assert (clf.optimizer, clf.lr, clf.max_epochs) == (torch.optim.Adam, 0.001, 60)
    assert clf.train_split is None and clf.device == "cpu"
    assert clf.loss == "mse"  # chosen by benchmarks/bench_loss.py, see docs/model.rst


def test_arbitrary_class_labels(data):
    X, y = data
    labels = np.where(y == 1, "high", "low")
    clf = small().fit(X, labels)
    assert clf.classes_.tolist() == ["high", "low"]
    assert set(clf.predict(X)) <= {"high", "low"}
    assert clf.score(X, labels) >= 0.9


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_cells_and_losses_train(data, cell, loss):
    X, y = data
    clf = small(cell=cell, loss=loss, max_epochs=20).fit(X, y)
    assert isinstance(clf.module_.rnn, torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)
    assert clf.score(X, y) >= 0.85


# ----------------------------------------------------------- reproducibility
def test_same_seed_same_predictions_different_seed_differs(data, fitted):
    X, y = data
    again = small().fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))
    other = small(random_state=1).fit(X, y)
    assert not np.array_equal(other.predict_proba(X), fitted.predict_proba(X))


def test_fit_leaves_callers_torch_rng_alone(data):
    X, y = data
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    small(max_epochs=1).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


def test_alpha_one_equals_single_task_model(data):
    X, y = data
    multitask = small(alpha=1.0).fit(X, y)
    single = small(alpha=1.0, module__exchange_head=False).fit(X.replace(exchange_labels=None), y)
    assert single.module_.exchange_head is None
    np.testing.assert_array_equal(multitask.predict_proba(X), single.predict_proba(X))
    # ...and its exchange head never moved from its initial weights.
    initial = small(alpha=1.0, max_epochs=1, lr=0.0).fit(X, y).module_.exchange_head
    for trained, start in zip(
        multitask.module_.exchange_head.parameters(), initial.parameters(), strict=True
    ):
        torch.testing.assert_close(trained, start)


# ---------------------------------------------------------- exchange targets
def test_exchange_y_forms_are_equivalent(data, fitted):
    X, y = data
    bare = X.replace(exchange_labels=None)
    per_dialogue = [X.labels_of(i) for i in range(len(X))]
    as_ragged = RaggedSequences(X.exchange_labels[:, None], X.offsets)
    for exchange_y in (per_dialogue, as_ragged, X.exchange_labels):
        clf = small().fit(bare, y, exchange_y=exchange_y)
        np.testing.assert_array_equal(clf.predict_proba(X), fitted.predict_proba(X))


def test_binary_exchange_labels_with_threshold_none(data, fitted):
    X, y = data
    binary = np.where(np.isnan(X.exchange_labels), np.nan, X.exchange_labels > 4)
    clf = small(exchange_threshold=None).fit(X.replace(exchange_labels=binary), y)
    np.testing.assert_array_equal(clf.predict_proba(X), fitted.predict_proba(X))
    with pytest.raises(ValueError, match="already 0/1"):
        small(exchange_threshold=None).fit(X, y)


def test_mismatched_exchange_labels_name_the_dialogue(data):
    X, y = data
    labels = [X.labels_of(i) for i in range(len(X))]
    labels[3] = labels[3][:-1]
    with pytest.raises(ValueError, match="Dialogue 'd003'"):
        small().fit(X, y, exchange_y=labels)
    with pytest.raises(ValueError, match="exchange_y has shape"):
        small().fit(X, y, exchange_y=X.exchange_labels[:-1])


def test_alpha_below_one_needs_exchange_labels(data):
    X, y = data
    bare = X.replace(exchange_labels=None)
    with pytest.raises(ValueError, match="no exchange labels"):
        small(alpha=0.5).fit(bare, y)
    with pytest.raises(ValueError, match="no exchange labels"):
        small(alpha=0.5).fit(X.replace(exchange_labels=np.full(X.n_exchanges, np.nan)), y)
    small(alpha=1.0, max_epochs=1).fit(bare, y)


def test_loss_masks_unrated_and_padding():
    dialogue = torch.log(torch.tensor([[0.8, 0.2], [0.3, 0.7]]))
    exchange = torch.log(
        torch.tensor([[[0.9, 0.1], [0.4, 0.6], [0.5, 0.5]], [[0.2, 0.8], [0.5, 0.5], [0.5, 0.5]]])
    )
    y = torch.tensor([0, 1])
    ex_y = torch.tensor([[0, 1, -1], [1, -1, -1]])  # [0, 2] unrated, [1, 1:] padding
    mask = (ex_y >= 0).float()
    loss = MultitaskLoss(alpha=0.25, loss="cross_entropy")((dialogue, exchange), (y, ex_y, mask))
    l_dialogue = -(np.log(0.8) + np.log(0.7)) / 2
    l_exchange = -(np.log(0.9) + np.log(0.6) + np.log(0.8)) / 3
    assert float(loss) == pytest.approx(0.25 * l_dialogue + 0.75 * l_exchange, rel=1e-6)
    mse = MultitaskLoss(alpha=0.25, loss="mse")((dialogue, exchange), (y, ex_y, mask))
    m_dialogue = (0.2**2 + 0.3**2) / 2
    m_exchange = (0.1**2 + 0.4**2 + 0.2**2) / 3
    assert float(mse) == pytest.approx(0.25 * m_dialogue + 0.75 * m_exchange, rel=1e-6)


def test_padding_does_not_change_states():
    torch.manual_seed(0)
    net = MultitaskRNN(input_size=3, hidden_size=4, head_size=4)
    short = torch.randn(1, 2, 3)
    padded = torch.cat([short, torch.zeros(1, 3, 3)], dim=1)
    alone, _ = net(short, torch.tensor([2]))
    batched, _ = net(padded, torch.tensor([2]))
    torch.testing.assert_close(alone, batched)


def test_batches_are_trimmed_and_cover_every_dialogue_once(data):
    X, y = data
    padded = PaddedDialogues.from_ragged(X, y)
    batches = DialogueBatches(padded, 5, shuffle=True, generator=torch.Generator().manual_seed(0))
    seen = []
    for inputs, (yi, _, _) in batches:
        assert inputs["x"].shape[1] == int(inputs["lengths"].max())
        seen.extend(yi.tolist())
    assert len(batches) == 5 and len(seen) == len(X)
    assert sorted(seen) == sorted(y.tolist())


# ------------------------------------------------------------------ outputs
def test_running_estimate_ends_at_predict_proba(fitted, data):
    X, _ = data
    running = fitted.predict_running_proba(X)
    np.testing.assert_array_equal(running.offsets, X.offsets)
    assert running.feature_names.tolist() == ["proba_0", "proba_1"]
    last_rows = X.offsets[1:] - 1
    np.testing.assert_allclose(running.values[last_rows], fitted.predict_proba(X), atol=1e-6)


def test_exchange_probabilities_are_ragged_and_normalised(fitted, data):
    X, _ = data
    proba = fitted.predict_exchange_proba(X)
    assert proba.dialogue_ids.tolist() == X.dialogue_ids.tolist()
    assert proba.feature_names.tolist() == ["exchange_low", "exchange_high"]
    np.testing.assert_allclose(proba.values.sum(axis=1), 1.0, atol=1e-6)
    assert len(proba.to_list()[0]) == X.lengths[0]


def test_prediction_order_is_independent_of_batching(fitted, data):
    X, _ = data
    reverse = np.arange(len(X))[::-1]
    np.testing.assert_allclose(
        fitted.predict_proba(X[reverse]), fitted.predict_proba(X)[reverse], atol=1e-6
    )


# ------------------------------------------------------------ skorch-ness
def test_set_params_module_reinitialises(fitted, data):
    X, y = data
    clf = small(max_epochs=2).fit(X, y)
    clf.set_params(module__head_size=5)
    assert clf.module_.dialogue_head[0].out_features == 5
    clf.fit(X, y)
    assert clf.predict_proba(X).shape == (len(X), 2)


def test_verbose_and_progress_bar(data, capsys):
    X, y = data
    small(max_epochs=2, verbose=1, progress_bar=True).fit(X, y)
    captured = capsys.readouterr()
    assert "train_loss" in captured.out
    assert "2/2" in captured.err


def test_warm_start_continues_history(data):
    X, y = data
    clf = small(max_epochs=2, warm_start=True).fit(X, y)
    clf.fit(X, y)
    assert len(clf.history) == 4


# ------------------------------------------------------------------- errors
def test_unfitted_raises_not_fitted(data):
    X, _ = data
    with pytest.raises(NotFittedError):
        small().predict(X)


def test_divergence_stops_with_clear_error(data):
    X, y = data

    class ExplodingLoss(MultitaskLoss):
        calls = 0

        def forward(self, y_pred, y_true):
            ExplodingLoss.calls += 1
            loss = super().forward(y_pred, y_true)
            return loss * float("inf") if ExplodingLoss.calls > 3 else loss

    with pytest.raises(TrainingDivergedError, match="diverged.*epoch"):
        small(criterion=ExplodingLoss).fit(X, y)


def test_huge_learning_rate_diverges(data):
    X, y = data
    scaled = X.replace(values=X.values * 1e30)
    with pytest.raises(TrainingDivergedError):
        small(lr=1e30, max_epochs=5).fit(scaled, y)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"alpha": 1.5}, "alpha"),
        ({"loss": "hinge"}, "loss"),
        ({"cell": "rnn"}, "cell"),
        ({"hidden_size": 0}, "hidden_size"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_bad_parameters_raise_in_fit(data, params, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        small(**params).fit(X, y)


def test_bad_inputs_raise_clear_errors(data, fitted):
    X, y = data
    with pytest.raises(TypeError, match="RaggedSequences"):
        small().fit(np.zeros((5, 3)), y[:5])
    with pytest.raises(ValueError, match="y has shape"):
        small().fit(X, y[:-1])
    with pytest.raises(ValueError, match="single class"):
        small().fit(X, np.zeros(len(X)))
    bad = X.values.copy()
    bad[X.offsets[2] + 1, 4] = np.nan
    with pytest.raises(ValueError, match="dialogue 'd002', feature 'L4'"):
        small().fit(X.replace(values=bad), y)
    with pytest.raises(ValueError, match="features"):
        fitted.predict(X.select_columns([0, 1]))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_fit_and_predict(data):
    X, y = data
    clf = small(device="cuda").fit(X, y)
    assert next(clf.module_.parameters()).is_cuda
    assert clf.score(X, y) >= 0.9
    assert clf.predict_running_proba(X).values.shape == (X.n_exchanges, 2)


def test_set_params_between_fits_takes_effect(data):
    X, y = data
    clf = small(alpha=1.0, max_epochs=1).fit(X, y)
    assert clf.n_rated_exchanges_ == 0
    clf.set_params(alpha=0.5, loss="cross_entropy").fit(X, y)
    assert (clf.criterion_.alpha, clf.criterion_.loss) == (0.5, "cross_entropy")
    assert clf.n_rated_exchanges_ > 0


def test_exchange_outputs_need_a_trained_exchange_head(data):
    X, y = data
    with pytest.warns(UserWarning, match="untrained"):
        small(alpha=1.0, max_epochs=1).fit(X, y).predict_exchange_proba(X)
    no_head = small(alpha=1.0, max_epochs=1, module__exchange_head=False).fit(X, y)
    with pytest.raises(ValueError, match="without an exchange head"):
        no_head.predict_exchange_proba(X)
    assert no_head.predict_running_proba(X).values.shape == (X.n_exchanges, 2)


def test_sort_pool_batches_similar_lengths_and_still_covers_all(data):
    X, y = data
    padded = PaddedDialogues.from_ragged(X, y)
    generator = torch.Generator().manual_seed(0)
    batches = DialogueBatches(padded, 4, shuffle=True, generator=generator, sort_pool=6)
    lengths = [inputs["lengths"].numpy() for inputs, _ in batches]
    assert sorted(np.concatenate(lengths).tolist()) == sorted(X.lengths.tolist())
    # One pool covers all 24 dialogues here, so batches are runs of the sorted lengths.
    spans = sorted((int(b.min()), int(b.max())) for b in lengths)
    assert all(high <= next_low for (_, high), (next_low, _) in itertools.pairwise(spans))
    clf = small(max_epochs=3, iterator_train__sort_pool=2).fit(X, y)
    assert clf.predict_proba(X).shape == (len(X), 2)
