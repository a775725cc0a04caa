"""ModalitySelector: paper notation, lists, errors, metadata preserved."""

import numpy as np
import pytest

from hazumi_sk.preprocessing import ModalitySelector
from hazumi_sk.sequences import RaggedSequences


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    return RaggedSequences.from_arrays(
        [rng.normal(size=(3, 5)), rng.normal(size=(2, 5))],
        feature_names=["a0", "l0", "l1", "b0", "v0"],
        modalities=["A", "L", "L", "B", "V"],
        dialogue_ids=["s1", "s2"],
        exchange_labels=[[1.0, 5.0, np.nan], [7.0, 2.0]],
    )


@pytest.mark.parametrize(
    ("modalities", "expected"),
    [
        ("L", ["l0", "l1"]),
        ("L+A", ["a0", "l0", "l1"]),
        ("L+B", ["l0", "l1", "b0"]),
        ("L+V", ["l0", "l1", "v0"]),
        ("ALL", ["a0", "l0", "l1", "b0", "v0"]),
        ("all", ["a0", "l0", "l1", "b0", "v0"]),
        ("V+A+B", ["a0", "b0", "v0"]),
        (["V", "L"], ["l0", "l1", "v0"]),
    ],
)
def test_keeps_named_modalities_in_column_order(X, modalities, expected):
    selector = ModalitySelector(modalities).fit(X)
    Xt = selector.transform(X)
    assert Xt.feature_names.tolist() == expected
    assert selector.get_feature_names_out().tolist() == expected
    np.testing.assert_array_equal(Xt.values, X.select_columns(expected).values)


def test_preserves_dialogues_and_exchange_labels(X):
    Xt = ModalitySelector("L+V").fit_transform(X)
    assert Xt.dialogue_ids.tolist() == ["s1", "s2"]
    np.testing.assert_array_equal(Xt.offsets, X.offsets)
    np.testing.assert_array_equal(Xt.exchange_labels, X.exchange_labels)


def test_unknown_tag_names_parameter_and_available_tags(X):
    with pytest.raises(ValueError, match=r"modalities='L\+P'.*\['P'\].*\['A', 'L', 'B', 'V'\]"):
        ModalitySelector("L+P").fit(X)


@pytest.mark.parametrize("bad", ["L+", "", ["L", ""], "L+L"])
def test_malformed_specifications_raise(X, bad):
    with pytest.raises(ValueError, match="modalities="):
        ModalitySelector(bad).fit(X)


def test_transform_rejects_other_columns(X):
    selector = ModalitySelector("L").fit(X)
    with pytest.raises(ValueError, match="features"):
        selector.transform(X.select_modalities(["L"]))


def test_rejects_non_ragged_input():
    with pytest.raises(TypeError, match="RaggedSequences"):
        ModalitySelector().fit(np.zeros((3, 2)))
