"""Tests for the ragged exchange-sequence container."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _num_samples

from hazumi_sk.sequences import RaggedSequences

# ---------------------------------------------------------------- strategies


@st.composite
def ragged(draw, min_dialogues: int = 1, max_dialogues: int = 8, with_labels: bool | None = None):
    n = draw(st.integers(min_dialogues, max_dialogues))
    n_features = draw(st.integers(1, 4))
    lengths = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    total = sum(lengths)
    values = draw(
        st.lists(
            st.floats(-1e6, 1e6, allow_nan=False, width=32),
            min_size=total * n_features,
            max_size=total * n_features,
        )
    )
    values = np.array(values, dtype=np.float64).reshape(total, n_features)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    if with_labels is None:
        with_labels = draw(st.booleans())
    labels = None
    if with_labels:
        labels = np.array(
            draw(
                st.lists(
                    st.one_of(st.integers(1, 7).map(float), st.just(np.nan)),
                    min_size=total,
                    max_size=total,
                )
            ),
            dtype=np.float64,
        )
    tags = draw(
        st.lists(st.sampled_from(["A", "L", "B", "V"]), min_size=n_features, max_size=n_features)
    )
    return RaggedSequences(
        values,
        offsets,
        feature_names=[f"f{j}" for j in range(n_features)],
        modalities=tags,
        dialogue_ids=[f"d{i}" for i in range(n)],
        exchange_labels=labels,
    )


def reference_list(X: RaggedSequences) -> list[np.ndarray]:
    """Per-dialogue arrays computed the slow, obvious way."""
    return [X.values[X.offsets[i] : X.offsets[i + 1]] for i in range(len(X))]


def assert_matches_list(X: RaggedSequences, arrays: list[np.ndarray]) -> None:
    assert len(X) == len(arrays)
    for got, want in zip(X, arrays, strict=True):
        np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------ property tests


@settings(max_examples=60, deadline=None)
@given(ragged(), st.data())
def test_fancy_indexing_matches_list_indexing(X, data):
    index = data.draw(st.lists(st.integers(0, len(X) - 1), max_size=10))
    sub = X[np.array(index, dtype=int)]
    assert isinstance(sub, RaggedSequences)
    assert_matches_list(sub, [reference_list(X)[i] for i in index])
    assert sub.dialogue_ids.tolist() == [X.dialogue_ids[i] for i in index]
    if X.exchange_labels is not None:
        want = [X.labels_of(i) for i in index]
        got = [sub.labels_of(k) for k in range(len(sub))]
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)


@settings(max_examples=60, deadline=None)
@given(ragged(), st.data())
def test_boolean_and_slice_indexing(X, data):
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=len(X), max_size=len(X))))
    assert_matches_list(
        X[mask], [a for a, keep in zip(reference_list(X), mask, strict=True) if keep]
    )
    start = data.draw(st.integers(-len(X), len(X)))
    step = data.draw(st.sampled_from([1, 2, -1]))
    assert_matches_list(X[start::step], reference_list(X)[start::step])


@settings(max_examples=40, deadline=None)
@given(ragged())
def test_integer_indexing_returns_same_type(X):
    for i in (0, len(X) - 1, -1):
        sub = X[i]
        assert isinstance(sub, RaggedSequences)
        assert len(sub) == 1
        np.testing.assert_array_equal(sub.sequence(0), reference_list(X)[i])


@settings(max_examples=60, deadline=None)
@given(ragged())
def test_list_round_trip(X):
    back = RaggedSequences.from_arrays(
        X.to_list(),
        feature_names=X.feature_names,
        modalities=X.modalities,
        dialogue_ids=X.dialogue_ids,
        exchange_labels=None
        if X.exchange_labels is None
        else [X.labels_of(i) for i in range(len(X))],
    )
    assert back.equals(X)


@settings(max_examples=60, deadline=None)
@given(ragged())
def test_padded_round_trip(X):
    padded, lengths = X.to_padded(pad_value=-7.0)
    assert padded.shape == (len(X), max(int(X.lengths.max()), 0), X.n_features)
    np.testing.assert_array_equal(lengths, X.lengths)
    for i, seq in enumerate(reference_list(X)):
        np.testing.assert_array_equal(padded[i, : len(seq)], seq)
        assert np.all(padded[i, len(seq) :] == -7.0)
    back = RaggedSequences.from_padded(
        padded,
        lengths,
        feature_names=X.feature_names,
        modalities=X.modalities,
        dialogue_ids=X.dialogue_ids,
        exchange_labels=X.exchange_labels,
    )
    assert back.equals(X)


@settings(max_examples=40, deadline=None)
@given(ragged())
def test_sklearn_safe_indexing_and_num_samples(X):
    assert _num_samples(X) == len(X)
    index = np.arange(len(X))[::-1]
    sub = _safe_indexing(X, index)
    assert isinstance(sub, RaggedSequences)
    assert_matches_list(sub, reference_list(X)[::-1])


@settings(max_examples=40, deadline=None)
@given(ragged(), st.data())
def test_modality_selection_keeps_tagged_columns(X, data):
    tags = data.draw(st.lists(st.sampled_from(X.modality_set), min_size=1, unique=True))
    sub = X.select_modalities(tags)
    keep = np.isin(X.modalities, tags)
    np.testing.assert_array_equal(sub.values, X.values[:, keep])
    assert set(sub.modalities) == set(tags)
    np.testing.assert_array_equal(sub.offsets, X.offsets)


# ------------------------------------------------------------ example tests


def make_example() -> RaggedSequences:
    return RaggedSequences.from_arrays(
        [np.arange(6.0).reshape(3, 2), np.array([[10.0, 11.0]]), np.zeros((2, 2))],
        feature_names=["pitch", "noun"],
        modalities=["A", "L"],
        dialogue_ids=["a", "b", "c"],
        exchange_labels=[[1, 5, np.nan], [7], [4, 6]],
    )


def test_basic_attributes():
    X = make_example()
    assert X.shape == (3, 2)
    assert X.n_exchanges == 6
    assert X.lengths.tolist() == [3, 1, 2]
    assert X.dialogue_index.tolist() == [0, 0, 0, 1, 2, 2]
    assert X.modality_set == ["A", "L"]
    assert "n_dialogues=3" in repr(X)


def test_pickle_and_clone_preserve_content():
    X = make_example()
    assert pickle.loads(pickle.dumps(X)).equals(X)
    # clone treats non-estimator params by deep copy (safe=False).
    assert clone(X, safe=False).equals(X)


def test_train_test_split_and_stratified_kfold():
    rng = np.random.default_rng(0)
    X = RaggedSequences.from_arrays([rng.normal(size=(rng.integers(1, 6), 3)) for _ in range(20)])
    y = np.array([0, 1] * 10)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    assert isinstance(X_train, RaggedSequences) and len(X_train) == 15 and len(X_test) == 5
    for train, test in StratifiedKFold(5).split(X, y):
        assert len(X[train]) + len(X[test]) == 20


def test_hstack_and_select_columns_by_name():
    X = make_example()
    other = X.replace(feature_names=np.array(["smile", "hand"]), modalities=np.array(["V", "B"]))
    both = RaggedSequences.hstack([X, other])
    assert both.feature_names.tolist() == ["pitch", "noun", "smile", "hand"]
    assert both.select_modalities(["L", "V"]).feature_names.tolist() == ["noun", "smile"]
    assert both.select_columns(["hand", "pitch"]).values[0].tolist() == [1.0, 0.0]


def test_with_exchange_labels_from_list_and_errors():
    X = make_example().with_exchange_labels(None)
    assert X.exchange_labels is None
    labelled = X.with_exchange_labels([[1, 2, 3], [4], [5, 6]])
    assert labelled.exchange_labels.tolist() == [1, 2, 3, 4, 5, 6]
    with pytest.raises(ValueError, match="'b': 2 exchange labels for 1"):
        X.with_exchange_labels([[1, 2, 3], [4, 4], [5, 6]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"offsets": [0, 2]}, "end at the number of rows"),
        ({"offsets": [0, 3, 2, 6]}, "non-decreasing"),
        ({"feature_names": ["a"]}, "feature_names must have length 2"),
        ({"modalities": ["A", "L+V"]}, "contain no '\\+'"),
        ({"exchange_labels": [1.0, 2.0]}, "one entry per exchange"),
    ],
)
def test_constructor_validation(kwargs, message):
    base = {"values": np.zeros((6, 2)), "offsets": [0, 3, 4, 6]}
    base.update(kwargs)
    with pytest.raises(ValueError, match=message):
        RaggedSequences(**base)


def test_indexing_errors_are_clear():
    X = make_example()
    with pytest.raises(IndexError, match="out of range"):
        X[5]
    with pytest.raises(IndexError, match="Boolean index must have shape"):
        X[np.array([True, False])]
    with pytest.raises(IndexError, match="select_columns"):
        X[0, 1]
    with pytest.raises(ValueError, match="Unknown modality tag"):
        X.select_modalities(["Q"])
    with pytest.raises(KeyError, match="Unknown feature names"):
        X.select_columns(["nope"])


def test_from_arrays_rejects_bad_input():
    with pytest.raises(ValueError, match="empty list"):
        RaggedSequences.from_arrays([])
    with pytest.raises(ValueError, match="same number of features"):
        RaggedSequences.from_arrays([np.zeros((2, 2)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="Dialogue 1: 1 exchange labels for 2"):
        RaggedSequences.from_arrays(
            [np.zeros((1, 2)), np.zeros((2, 2))], exchange_labels=[[1], [1]]
        )


def test_non_numeric_input_names_the_argument_and_the_entry():
    text = np.array([["1", "2"], ["3", "abc"]])
    with pytest.raises(ValueError, match=r"^values must be numeric: row 1 \(dialogue 1\), column 1 "
                       r"is 'abc' \(str\), not a number\.$"):  # fmt: skip
        RaggedSequences(text, [0, 1, 2])
    with pytest.raises(ValueError, match=r"^arrays\[1\] \(dialogue 'b'\) must be numeric: row 0, "
                       r"column 1 is 'x' \(str\)"):  # fmt: skip
        RaggedSequences.from_arrays(
            [np.ones((2, 2)), np.array([["1", "x"]])], dialogue_ids=["a", "b"]
        )
    with pytest.raises(ValueError, match=r"^arrays\[0\] must be numeric: row 0, column 0 is \{\}"):
        RaggedSequences.from_arrays([np.array([[{}]], dtype=object)])
    with pytest.raises(ValueError, match=r"^exchange_labels must be numeric: exchange 1 "
                       r"\(dialogue 0\) is 'high'"):  # fmt: skip
        RaggedSequences(np.ones((2, 1)), [0, 2], exchange_labels=["3", "high"])
    with pytest.raises(ValueError, match=r"^exchange_labels\[1\] must be numeric: entry \(0,\)"):
        RaggedSequences.from_arrays([np.ones((1, 1))] * 2, exchange_labels=[[1], ["lo"]])
    with pytest.raises(ValueError, match=r"^exchange_labels of dialogue 'b' must be numeric"):
        make_example().with_exchange_labels([[1, 2, 3], ["x"], [5, 6]])
    # Numbers written as text still convert, as numpy converts them.
    X = RaggedSequences.from_arrays([np.array([["1", "2.5"]])], exchange_labels=[["4"]])
    assert X.values.tolist() == [[1.0, 2.5]] and X.exchange_labels.tolist() == [4.0]


def test_padded_tensor():
    torch = pytest.importorskip("torch")
    X = make_example()
    padded, lengths = X.to_padded_tensor(dtype=torch.float32)
    assert padded.shape == (3, 3, 2) and padded.dtype == torch.float32
    assert lengths.tolist() == [3, 1, 2]
    assert padded[1, 0].tolist() == [10.0, 11.0]
    assert padded[1, 1:].abs().sum().item() == 0.0
