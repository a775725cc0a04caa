"""ExchangeClassifier: a 2-D classifier on the stacked, rated exchanges of the dialogues."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from hazumi_sk.model import ExchangeClassifier
from hazumi_sk.sequences import RaggedSequences
from hazumi_sk.utils import InvalidParameterError


def _separable():
    # Feature > 0 exactly when the label is high (> 4); one unrated exchange.
    return RaggedSequences.from_arrays(
        [[[-2.0], [2.0], [-1.0]], [[3.0], [-3.0]], [[1.0], [5.0]]],
        exchange_labels=[[2, 6, 1], [7, 3], [5, np.nan]],
    )


def test_learns_the_binarised_labels_of_rated_exchanges():
    X = _separable()
    model = ExchangeClassifier(LogisticRegression(C=100.0)).fit(X)
    proba = model.predict_exchange_proba(X)
    assert proba.feature_names.tolist() == ["exchange_low", "exchange_high"]
    np.testing.assert_array_equal(proba.offsets, X.offsets)
    np.testing.assert_allclose(proba.values.sum(axis=1), 1.0)
    assert (proba.values[:, 1] > 0.5).astype(int).tolist() == [0, 1, 0, 1, 0, 1, 1]
    np.testing.assert_array_equal(model.transform(X).values, proba.values)
    # The NaN label was left out: 6 training exchanges, labels > 4.
    assert model.estimator_.n_features_in_ == 1
    np.testing.assert_array_equal(model.classes_, [0, 1])


def test_prior_of_the_training_exchanges():
    X = _separable()  # 3 high of 6 rated with threshold 4; 2 of 6 with threshold 5
    high = ExchangeClassifier(DummyClassifier(strategy="prior")).fit(X).transform(X)
    np.testing.assert_allclose(high.values[:, 1], 0.5)
    stricter = ExchangeClassifier(DummyClassifier(strategy="prior"), threshold=5).fit(X)
    np.testing.assert_allclose(stricter.transform(X).values[:, 1], 2 / 6)


def test_one_class_gives_zero_or_one():
    X = RaggedSequences.from_arrays([[[0.0], [1.0]]], exchange_labels=[[1, 2]])
    model = ExchangeClassifier(DummyClassifier()).fit(X)
    np.testing.assert_array_equal(model.transform(X).values[:, 1], [0.0, 0.0])


def test_errors_name_the_problem():
    X = RaggedSequences.from_arrays([[[0.0], [1.0]]])
    with pytest.raises(ValueError, match="needs exchange labels"):
        ExchangeClassifier().fit(X)
    unrated = X.with_exchange_labels([np.array([np.nan, np.nan])])
    with pytest.raises(ValueError, match="no exchange of X is rated"):
        ExchangeClassifier().fit(unrated)
    with pytest.raises(InvalidParameterError, match="estimator"):
        ExchangeClassifier(estimator="lr").fit(_separable())
    with pytest.raises(TypeError, match="RaggedSequences"):
        ExchangeClassifier().fit(np.zeros((3, 1)))
    fitted = ExchangeClassifier().fit(_separable())
    with pytest.raises(ValueError, match="features"):
        fitted.transform(RaggedSequences.from_arrays([[[0.0, 1.0]]]))
