"""MultimodalFeatures (fusion, cache, parallelism) and DumpfileFeatures."""

from __future__ import annotations

import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from hazumi_sk.datasets import make_synthetic_hazumi
from hazumi_sk.features import (
    BodyFeatures,
    DumpfileFeatures,
    FaceFeatures,
    LinguisticFeatures,
    MultimodalFeatures,
    write_demo_recordings,
)


@pytest.fixture(scope="module")
def dialogues(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recordings")
    return write_demo_recordings(folder, n_dialogues=3, n_exchanges=3, exchange_ms=1500)


def _fusion(**kwargs) -> MultimodalFeatures:
    return MultimodalFeatures(
        [
            ("B", BodyFeatures()),
            ("V", FaceFeatures(landmarks="paper")),
            ("L", LinguisticFeatures(n_components=2)),
        ],
        **kwargs,
    )


def test_fusion_joins_blocks_with_their_modality_tags(dialogues):
    fusion = _fusion().fit(dialogues)
    X = fusion.transform(dialogues)
    assert X.shape == (3, 20 + 58 + 19)
    assert X.modality_set == ["B", "V", "L"]
    assert X.lengths.tolist() == [3, 3, 3]
    assert X.dialogue_ids.tolist() == ["demo00", "demo01", "demo02"]
    np.testing.assert_array_equal(
        X.exchange_labels, np.concatenate([d.exchanges["SS"] for d in dialogues])
    )
    np.testing.assert_array_equal(X.feature_names, fusion.get_feature_names_out())
    body = BodyFeatures().fit_transform(dialogues)
    np.testing.assert_array_equal(X.select_modalities(["B"]).values, body.values)
    assert X.select_modalities(["L", "V"]).n_features == 58 + 19


def test_fit_learns_from_training_dialogues_only(dialogues):
    fusion = _fusion().fit(dialogues[:2])
    vectorizer = dict(fusion.extractors_)["L"].vectorizer_
    before = pickle.dumps(vectorizer)
    fusion.transform(dialogues[2:])
    assert pickle.dumps(vectorizer) == before
    # The unfitted template is untouched (extractors are cloned in fit).
    assert not hasattr(fusion.extractors[2][1], "vectorizer_")


def test_cache_serves_repeated_extraction_and_notices_changes(dialogues, tmp_path, monkeypatch):
    fusion = MultimodalFeatures([("B", BodyFeatures())], memory=str(tmp_path)).fit(dialogues)
    first = fusion.transform(dialogues)

    def fail(self, dialogue):
        raise AssertionError("extraction ran although the result is cached")

    monkeypatch.setattr(BodyFeatures, "_extract_dialogue", fail)
    assert fusion.transform(dialogues).equals(first)
    # Another parameter value is another cache entry: extraction must run.
    changed = MultimodalFeatures([("B", BodyFeatures(max_gap_ms=50.0))], memory=str(tmp_path)).fit(
        dialogues
    )
    with pytest.raises(AssertionError, match="extraction ran"):
        changed.transform(dialogues)


def test_parallel_equals_sequential(dialogues):
    sequential = _fusion().fit_transform(dialogues)
    with joblib.parallel_backend("threading"):
        parallel = _fusion(n_jobs=2).fit_transform(dialogues)
    assert parallel.equals(sequential)


def test_params_clone_and_pickle(dialogues):
    fusion = _fusion(n_jobs=1)
    params = fusion.get_params()
    assert params["B__max_gap_ms"] == 100.0 and params["L__n_components"] == 2
    fusion.set_params(B__max_gap_ms=80.0)
    assert fusion.extractors[0][1].max_gap_ms == 80.0
    twin = clone(fusion)
    assert twin.get_params()["B__max_gap_ms"] == 80.0
    fitted = pickle.loads(pickle.dumps(fusion.fit(dialogues)))
    assert fitted.transform(dialogues).equals(fusion.transform(dialogues))


def test_bad_extractor_lists_are_named(dialogues):
    with pytest.raises(ValueError, match="non-empty list"):
        MultimodalFeatures([]).fit(dialogues)
    with pytest.raises(TypeError, match="'scaler' is a StandardScaler"):
        from sklearn.preprocessing import StandardScaler

        MultimodalFeatures([("scaler", StandardScaler())]).fit(dialogues)
    with pytest.raises(ValueError, match="Names provided are not unique"):
        MultimodalFeatures([("B", BodyFeatures()), ("B", BodyFeatures())]).fit(dialogues)


# ------------------------------------------------------------- dumpfiles
@pytest.fixture(scope="module")
def synthetic():
    return make_synthetic_hazumi(
        n_dialogues=6, n_exchanges=(5, 8), feature_dims={"A": 4, "L": 5, "B": 3, "V": 2},
        random_state=0,
    )  # fmt: skip


def test_dumpfile_modalities_are_selected_and_prefixed(synthetic):
    X = DumpfileFeatures("L+V").fit_transform(synthetic)
    assert X.modality_set == ["L", "V"] and X.n_features == 7
    assert all(n.startswith(("L__", "V__")) for n in X.feature_names)
    np.testing.assert_array_equal(X.values, synthetic.features.select_modalities(["L", "V"]).values)
    np.testing.assert_array_equal(X.exchange_labels, synthetic.features.exchange_labels)
    every = DumpfileFeatures().fit(synthetic.features)
    assert every.modalities_ == ["A", "L", "B", "V"] and len(every.get_feature_names_out()) == 14
    unprefixed = DumpfileFeatures(["B"], prefix=False).fit_transform(synthetic.features)
    assert (
        unprefixed.feature_names.tolist()
        == synthetic.features.select_modalities(["B"]).feature_names.tolist()
    )


def test_dumpfile_transform_on_a_subset_and_errors(synthetic):
    selector = DumpfileFeatures("A").fit(synthetic.features[[0, 1, 2]])
    X = selector.transform(synthetic.features[[3, 4]])
    assert X.dialogue_ids.tolist() == synthetic.features.dialogue_ids[[3, 4]].tolist()
    with pytest.raises(ValueError, match=r"Modalities \['P'\] are not in these features"):
        DumpfileFeatures("L+P").fit(synthetic)
    with pytest.raises(TypeError, match="dataset Bunch"):
        DumpfileFeatures().fit([1, 2])
    with pytest.raises(ValueError, match="repeats"):
        DumpfileFeatures("L+L").fit(synthetic)
    narrower = synthetic.features.select_modalities(["L"])
    with pytest.raises(ValueError, match="lacks 4 column"):
        selector.transform(narrower)


@pytest.mark.realdata
def test_dumpfile_blocks_of_the_real_corpus(hazumi_real):
    X = DumpfileFeatures("ALL").fit_transform(hazumi_real)
    counts = {tag: int((X.modalities == tag).sum()) for tag in X.modality_set}
    assert counts["A"] == 384  # IS09
    assert counts["V"] == 66  # 12 landmarks x 4 + 18 action units
    assert counts["B"] == 20  # the 5 joints both versions share
    assert "S" not in counts
    assert "V__AU45_c_mean" in X.feature_names and "A__F0_sma_amean" in X.feature_names


def test_pos_tagging_is_safe_under_threads():
    from hazumi_sk.features import upos_counts

    texts = ["私は東京でラーメンを食べました。", "そうですね", "映画を見ました"] * 20
    expected = upos_counts(texts)
    with joblib.parallel_backend("threading"):
        results = joblib.Parallel(n_jobs=4)(joblib.delayed(upos_counts)(texts) for _ in range(8))
    for counts in results:
        np.testing.assert_array_equal(counts, expected)


@pytest.mark.slow
def test_extraction_inside_cross_validation(tmp_path):
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import Pipeline

    from hazumi_sk.model import MultitaskSequenceClassifier
    from hazumi_sk.preprocessing import ModalitySelector, SequenceScaler

    dialogues = write_demo_recordings(tmp_path, n_dialogues=6, n_exchanges=3, exchange_ms=1000)
    y = np.array([0, 1, 0, 1, 0, 1])
    pipe = Pipeline(
        [
            ("features", _fusion(memory=str(tmp_path / "cache"))),
            ("select", ModalitySelector("L+V")),
            ("scale", SequenceScaler()),
            ("model", MultitaskSequenceClassifier(
                hidden_size=4, head_size=4, max_epochs=2, random_state=0, torch_num_threads=1)),
        ]
    )  # fmt: skip
    scores = cross_val_score(pipe, dialogues, y, cv=2, error_score="raise")
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))
    assert any((tmp_path / "cache").rglob("output.pkl"))  # extraction went through the cache
