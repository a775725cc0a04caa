"""PersonalOffsetCalibrator: one logit offset per dialogue from its first k labels only."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import expit
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from hazumi_sk.model import ExchangeClassifier, PersonalOffsetCalibrator, personal_offset
from hazumi_sk.sequences import RaggedSequences
from hazumi_sk.utils import InvalidParameterError


def test_offset_known_answers():
    assert personal_offset([0.0, 0.0], [1, 0], strength=1.0) == 0.0  # balanced: no shift
    assert personal_offset([], [], strength=1.0) == 0.0
    # All four high at logit 0: 4 * (1 - sigmoid(b)) = b.
    expected = brentq(lambda b: 4 * (1 - expit(b)) - b, 0.0, 4.0)
    assert personal_offset([0.0] * 4, [1] * 4, strength=1.0) == pytest.approx(expected, abs=1e-9)
    # The offset moves logits that already agree less: sigmoid(2 + b) is near 1.
    assert 0 < personal_offset([2.0] * 4, [1] * 4, 1.0) < expected
    # A strong prior keeps the shared model; symmetric labels give symmetric offsets.
    assert abs(personal_offset([0.0] * 4, [1] * 4, strength=1e6)) < 1e-5
    assert personal_offset([0.0] * 3, [0] * 3, 1.0) == pytest.approx(
        -personal_offset([0.0] * 3, [1] * 3, 1.0)
    )
    with pytest.raises(ValueError, match="strength"):
        personal_offset([0.0], [1], strength=0.0)
    with pytest.raises(ValueError, match="differ in length"):
        personal_offset([0.0, 1.0], [1], strength=1.0)


def _two_participants():
    # One feature, all zero: the shared prior is 4 high of 8 = 0.5 for every exchange.
    return RaggedSequences.from_arrays(
        [[[0.0]] * 4, [[0.0]] * 4], exchange_labels=[[6, 6, 6, 2], [2, 2, 2, 6]]
    )


def test_calibrates_each_dialogue_on_its_first_labels():
    X = _two_participants()
    prior = ExchangeClassifier(DummyClassifier(strategy="prior"))
    calibrated = PersonalOffsetCalibrator(prior, n_labels=2).fit(X)
    b = brentq(lambda v: 2 * (1 - expit(v)) - v, 0.0, 2.0)
    np.testing.assert_allclose(calibrated.personal_offsets(X), [b, -b])
    high = calibrated.transform(X).values[:, 1]
    np.testing.assert_allclose(high, np.repeat([expit(b), expit(-b)], 4))
    np.testing.assert_array_equal(
        calibrated.predict_exchange_proba(X).values, calibrated.transform(X).values
    )


def test_zero_labels_leave_the_model_unchanged():
    rng = np.random.default_rng(0)
    X = RaggedSequences.from_arrays(
        [rng.normal(size=(5, 2)) for _ in range(6)],
        exchange_labels=[rng.integers(1, 8, 5).astype(float) for _ in range(6)],
    )
    base = ExchangeClassifier(LogisticRegression())
    calibrated = PersonalOffsetCalibrator(base, n_labels=0).fit(X)
    np.testing.assert_allclose(
        calibrated.transform(X).values, base.fit(X).transform(X).values, atol=1e-12
    )
    # Without labels in X it still works at k = 0, and says what it needs at k > 0.
    unlabelled = X.replace(exchange_labels=None)
    calibrated.transform(unlabelled)
    with pytest.raises(ValueError, match="first exchange labels"):
        calibrated.set_params(n_labels=2).transform(unlabelled)


def test_never_reads_a_label_after_the_first_k():
    rng = np.random.default_rng(1)
    lengths = [7, 5, 9, 6]
    X = RaggedSequences.from_arrays(
        [rng.normal(size=(n, 3)) for n in lengths],
        exchange_labels=[rng.integers(1, 8, n).astype(float) for n in lengths],
    )
    calibrated = PersonalOffsetCalibrator(ExchangeClassifier(LogisticRegression()), n_labels=3)
    calibrated.fit(X)
    labels = X.exchange_labels.copy()
    position = np.concatenate([np.arange(n) for n in lengths])
    labels[position >= 3] = rng.permutation(labels[position >= 3])
    labels[position >= 4] = np.nan
    scrambled = X.replace(exchange_labels=labels)
    np.testing.assert_array_equal(
        calibrated.transform(X).values, calibrated.transform(scrambled).values
    )
    # ... while changing one of the first three labels changes that dialogue.
    flipped = X.exchange_labels.copy()
    flipped[0] = 8.0 - flipped[0]
    changed = calibrated.transform(X.replace(exchange_labels=flipped)).values
    assert not np.allclose(changed[:7], calibrated.transform(X).values[:7])
    np.testing.assert_array_equal(changed[7:], calibrated.transform(X).values[7:])


def test_parameters_and_estimator_checked_in_fit():
    X = _two_participants()
    prior = ExchangeClassifier(DummyClassifier(strategy="prior"))
    with pytest.raises(InvalidParameterError, match="n_labels"):
        PersonalOffsetCalibrator(prior, n_labels=-1).fit(X)
    with pytest.raises(InvalidParameterError, match="strength"):
        PersonalOffsetCalibrator(prior, strength=0).fit(X)
    with pytest.raises(InvalidParameterError, match="estimator"):
        PersonalOffsetCalibrator(LogisticRegression()).fit(X)


def test_estimator_must_output_exchange_probabilities():
    from hazumi_sk.preprocessing import SequenceScaler

    X = _two_participants()
    calibrated = PersonalOffsetCalibrator(SequenceScaler()).fit(X)
    with pytest.raises(ValueError, match="exchange_high"):
        calibrated.transform(X)
