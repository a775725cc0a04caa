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


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"quantile_range": 5}, r"'quantile_range' parameter of SequenceScaler"),
        ({"quantile_range": (10, "x")}, r"'quantile_range'.*two numbers"),
        ({"quantile_range": (10, 20, 30)}, r"'quantile_range'.*two numbers"),
        ({"method": None}, r"'method' parameter of SequenceScaler"),
        ({"per_dialogue": "yes"}, r"'per_dialogue' parameter"),
        ({"keep_dialogue_means": True}, r"'keep_dialogue_means'.*per_dialogue=True"),
    ],
)
def test_parameter_constraints_name_the_parameter(X, params, match):
    with pytest.raises(ValueError, match=match):
        SequenceScaler(**params).fit(X)


def test_per_dialogue_standardises_within_each_dialogue():
    # s0: f = 1, 3 (mean 2, std 1); s1: f = 5, 7, 9 (mean 7, std sqrt(8/3)); g constant in s0.
    X = ragged([[[1.0, 4.0], [3.0, 4.0]], [[5.0, 0.0], [7.0, 1.0], [9.0, 5.0]]])
    Xt = SequenceScaler(per_dialogue=True).fit(X).transform(X)
    third = np.sqrt(3 / 8)
    np.testing.assert_allclose(Xt.values[:, 0], [-1, 1, -2 * third, 0, 2 * third])
    np.testing.assert_allclose(Xt.values[:2, 1], [0, 0])  # constant within s0 -> 0
    np.testing.assert_allclose(Xt.values[2:, 1], (np.array([0, 1, 5]) - 2) / np.sqrt(14 / 3))
    assert Xt.feature_names.tolist() == ["f", "g"]


def test_per_dialogue_one_exchange_dialogue_becomes_zero():
    X = ragged([[[3.0, 4.0]], [[1.0, 1.0], [2.0, 3.0]]])
    Xt = SequenceScaler(per_dialogue=True).fit_transform(X)
    np.testing.assert_array_equal(Xt.values[0], [0.0, 0.0])
    np.testing.assert_allclose(Xt.values[1:], [[-1, -1], [1, 1]])


def test_per_dialogue_robust_uses_dialogue_median_and_iqr():
    X = ragged([[[1.0, 0.0], [2.0, 0.0], [10.0, 0.0]]])
    Xt = SequenceScaler(method="robust", per_dialogue=True).fit_transform(X)
    # median 2, percentiles 25/75 = 1.5 and 6 -> IQR 4.5.
    np.testing.assert_allclose(Xt.values[:, 0], (np.array([1, 2, 10]) - 2) / 4.5)


def test_keep_dialogue_means_appends_standardised_training_means():
    # Dialogue means of f: 2 and 6 (center 4, scale 2); of g: 1 and 1 (constant -> scale 1).
    train = ragged([[[1.0, 1.0], [3.0, 1.0]], [[6.0, 1.0]]], exchange_labels=[[5, 6], [np.nan]])
    scaler = SequenceScaler(per_dialogue=True, keep_dialogue_means=True).fit(train)
    np.testing.assert_allclose(scaler.dialogue_mean_center_, [4.0, 1.0])
    np.testing.assert_allclose(scaler.dialogue_mean_scale_, [2.0, 1.0])
    Xt = scaler.transform(train)
    assert Xt.feature_names.tolist() == ["f", "g", "dmean__f", "dmean__g"]
    assert scaler.get_feature_names_out().tolist() == Xt.feature_names.tolist()
    np.testing.assert_allclose(Xt.values[:, 2:], [[-1, 0], [-1, 0], [1, 0]])
    np.testing.assert_array_equal(Xt.exchange_labels, train.exchange_labels)
    # A new dialogue's mean is standardised with the training dialogues' statistics.
    test = ragged([[[9.0, 3.0], [11.0, 3.0]]])
    np.testing.assert_allclose(scaler.transform(test).values[:, 2:], [[3, 2], [3, 2]])


def test_dialogue_mean_columns_keep_modality_tags():
    X = RaggedSequences.from_arrays(
        [np.arange(4.0).reshape(2, 2), np.ones((1, 2))], modalities=["L", "V"]
    )
    Xt = SequenceScaler(per_dialogue=True, keep_dialogue_means=True).fit_transform(X)
    assert Xt.modalities.tolist() == ["L", "V", "L", "V"]


def test_per_dialogue_impute_and_raise():
    X = ragged([[[1.0, 2.0], [3.0, np.nan], [5.0, 4.0]], [[5.0, np.nan]]])
    with pytest.raises(ValueError, match=r"dialogue 's0', feature 'g'"):
        SequenceScaler(per_dialogue=True).fit(X)
    scaler = SequenceScaler(per_dialogue=True, keep_dialogue_means=True, nonfinite="impute")
    Xt = scaler.fit_transform(X)
    assert np.isfinite(Xt.values).all()
    np.testing.assert_allclose(Xt.values[:3, 1], [-1, 0, 1])  # NaN -> the dialogue's center
    assert Xt.values[3, 1] == 0.0 and Xt.values[3, 3] == 0.0  # no finite g in s1


def test_per_dialogue_cannot_be_inverted(X):
    scaler = SequenceScaler(per_dialogue=True).fit(X)
    with pytest.raises(ValueError, match="cannot be inverted"):
        scaler.inverse_transform(X)
