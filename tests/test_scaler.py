"""SequenceScaler: statistics over training exchanges, constant columns, non-finite policy."""

import numpy as np
import pytest

from hazumi_sk.preprocessing import SequenceScaler
from hazumi_sk.sequences import RaggedSequences


def ragged(arrays, **kwargs):
    return RaggedSequences.from_arrays(
        [np.asarray(a, dtype=float) for a in arrays],
        feature_names=["f", "g"],
        dialogue_ids=[f"s{i}" for i in range(len(arrays))],
        **kwargs,
    )


@pytest.fixture
def X():
    return ragged([[[1.0, 5.0], [3.0, 5.0]], [[5.0, 5.0], [7.0, 5.0]]])


def test_standard_uses_all_exchanges_and_constant_scale_one(X):
    scaler = SequenceScaler().fit(X)
    np.testing.assert_allclose(scaler.center_, [4.0, 5.0])
    np.testing.assert_allclose(scaler.scale_, [np.sqrt(5.0), 1.0])
    assert scaler.constant_features_.tolist() == ["g"]
    Xt = scaler.transform(X)
    np.testing.assert_allclose(Xt.values[:, 0], (np.array([1, 3, 5, 7]) - 4) / np.sqrt(5))
    np.testing.assert_array_equal(Xt.values[:, 1], 0.0)


def test_robust_uses_median_and_iqr(X):
    scaler = SequenceScaler(method="robust").fit(X)
    np.testing.assert_allclose(scaler.center_, [4.0, 5.0])
    np.testing.assert_allclose(scaler.scale_, [3.0, 1.0])  # percentiles 2.5 and 5.5


def test_inverse_transform_round_trips(X):
    scaler = SequenceScaler().fit(X)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)).values, X.values)


def test_keeps_metadata_and_feature_names():
    X = ragged([[[1.0, 2.0]], [[3.0, 1.0], [0.0, 0.0]]], exchange_labels=[[4.0], [np.nan, 6.0]])
    scaler = SequenceScaler().fit(X)
    Xt = scaler.transform(X)
    assert Xt.dialogue_ids.tolist() == ["s0", "s1"]
    np.testing.assert_array_equal(Xt.exchange_labels, X.exchange_labels, strict=False)
    assert scaler.get_feature_names_out().tolist() == ["f", "g"]


def test_statistics_come_from_training_dialogues_only(X):
    scaler = SequenceScaler().fit(X[[0]])
    np.testing.assert_allclose(scaler.center_, [2.0, 5.0])
    np.testing.assert_allclose(scaler.transform(X[[1]]).values[:, 0], [3.0, 5.0])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_raises_naming_dialogue_and_feature(bad):
    X = ragged([[[1.0, 2.0]], [[3.0, bad]]])
    with pytest.raises(ValueError, match=r"dialogue 's1', feature 'g'"):
        SequenceScaler().fit(X)
    clean = ragged([[[1.0, 2.0]], [[3.0, 4.0]]])
    with pytest.raises(ValueError, match=r"dialogue 's1', feature 'g'"):
        SequenceScaler().fit(clean).transform(X)


def test_impute_uses_training_center():
    X = ragged([[[1.0, 2.0], [3.0, np.nan]], [[5.0, 4.0]]])
    scaler = SequenceScaler(nonfinite="impute").fit(X)
    np.testing.assert_allclose(scaler.center_, [3.0, 3.0])
    Xt = scaler.transform(X)
    assert np.isfinite(Xt.values).all()
    assert Xt.values[1, 1] == 0.0


def test_column_without_finite_values_raises():
    X = ragged([[[1.0, np.nan]], [[3.0, np.nan]]])
    with pytest.raises(ValueError, match="'g'.*no finite"):
        SequenceScaler(nonfinite="impute").fit(X)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"method": "minmax"}, "method"),
        ({"nonfinite": "drop"}, "nonfinite"),
        ({"method": "robust", "quantile_range": (80, 20)}, "quantile_range"),
    ],
)
def test_bad_parameters_raise_in_fit(X, params, match):
    scaler = SequenceScaler(**params)
    with pytest.raises(ValueError, match=match):
        scaler.fit(X)
