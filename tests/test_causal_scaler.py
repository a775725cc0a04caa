"""CausalSequenceScaler: running per-dialogue statistics that never read a later exchange."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hazumi_sk.preprocessing import CausalSequenceScaler, SequenceScaler
from hazumi_sk.sequences import RaggedSequences
from hazumi_sk.utils import InvalidParameterError


def _ragged(*blocks):
    return RaggedSequences.from_arrays([np.asarray(b, dtype=float) for b in blocks])


def test_known_running_values():
    X = _ragged([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0], [100.0, 10.0]])
    out = CausalSequenceScaler(min_exchanges=1).fit(X).transform(X).values
    # Row t: (x_t - mean(x_0..t)) / std(x_0..t); the first row and the constant column are 0.
    expected = [0.0, 1.0, 2.0 / np.sqrt(8.0 / 3.0)]
    seen = np.array([1.0, 3.0, 5.0, 100.0])
    expected.append((100.0 - seen.mean()) / seen.std())
    np.testing.assert_allclose(out[:, 0], expected)
    np.testing.assert_array_equal(out[:, 1], 0.0)


def test_cold_start_uses_training_statistics():
    train = _ragged([[0.0], [2.0]], [[4.0], [6.0]])  # mean 3, std sqrt(5)
    scaler = CausalSequenceScaler(min_exchanges=3).fit(train)
    np.testing.assert_allclose(scaler.center_, [3.0])
    np.testing.assert_allclose(scaler.scale_, [np.sqrt(5.0)])
    out = scaler.transform(_ragged([[8.0], [13.0], [8.0]])).values.ravel()
    # Rows 0 and 1 have seen fewer than 3 exchanges: training statistics.
    np.testing.assert_allclose(out[:2], [(8.0 - 3.0) / np.sqrt(5.0), (13.0 - 3.0) / np.sqrt(5.0)])
    seen = np.array([8.0, 13.0, 8.0])
    np.testing.assert_allclose(out[2], (8.0 - seen.mean()) / seen.std())


def test_last_row_equals_whole_dialogue_scaling():
    rng = np.random.default_rng(0)
    X = RaggedSequences.from_arrays([rng.normal(5, 3, size=(n, 4)) for n in (6, 9)])
    causal = CausalSequenceScaler(min_exchanges=1).fit(X).transform(X).values
    whole = SequenceScaler(per_dialogue=True).fit(X).transform(X).values
    last = X.offsets[1:] - 1  # the last exchange has seen the whole dialogue
    np.testing.assert_allclose(causal[last], whole[last])
    assert not np.allclose(causal, whole)  # earlier rows differ: they did not see the future


def test_dialogues_are_independent():
    a, b = [[1.0], [2.0], [4.0]], [[100.0], [50.0]]
    scaler = CausalSequenceScaler(min_exchanges=1).fit(_ragged(a, b))
    together = scaler.transform(_ragged(a, b)).values.ravel()
    np.testing.assert_allclose(together[:3], scaler.transform(_ragged(a)).values.ravel())
    np.testing.assert_allclose(together[3:], scaler.transform(_ragged(b)).values.ravel())


@settings(max_examples=40, deadline=None)
@given(
    values=arrays(
        np.float64, st.tuples(st.integers(2, 12), st.integers(1, 3)),
        elements=st.floats(-1e3, 1e3, allow_nan=False),
    ),
    cut=st.integers(0, 11),
    noise=st.floats(-1e3, 1e3, allow_nan=False),
    min_exchanges=st.integers(1, 4),
)  # fmt: skip
def test_never_reads_a_later_exchange(values, cut, noise, min_exchanges):
    cut = cut % values.shape[0]
    scaler = CausalSequenceScaler(min_exchanges=min_exchanges).fit(_ragged(values))
    changed = values.copy()
    changed[cut + 1 :] = changed[cut + 1 :] * 3.0 + noise
    before = scaler.transform(_ragged(values)).values
    after = scaler.transform(_ragged(changed)).values
    np.testing.assert_array_equal(before[: cut + 1], after[: cut + 1])
    assert np.isfinite(after).all()


def test_nonfinite_values():
    X = RaggedSequences.from_arrays([np.array([[1.0], [np.nan], [3.0]])])
    with pytest.raises(ValueError, match="non-finite value in dialogue"):
        CausalSequenceScaler().fit(X)
    out = CausalSequenceScaler(min_exchanges=1, nonfinite="impute").fit(X).transform(X)
    # NaN is skipped in the statistics and output as 0; row 2 sees {1, 3}: (3 - 2) / 1.
    np.testing.assert_allclose(out.values.ravel(), [0.0, 0.0, 1.0])


def test_checks_parameters_and_columns():
    X = _ragged([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(InvalidParameterError, match="min_exchanges"):
        CausalSequenceScaler(min_exchanges=0).fit(X)
    with pytest.raises(InvalidParameterError, match="nonfinite"):
        CausalSequenceScaler(nonfinite="drop").fit(X)
    scaler = CausalSequenceScaler().fit(X)
    with pytest.raises(ValueError, match="features"):
        scaler.transform(_ragged([[1.0], [2.0]]))
    assert scaler.get_feature_names_out().tolist() == ["x0", "x1"]
