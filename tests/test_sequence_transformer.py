"""SequenceTransformer: training-exchange fits, names and tags, exchange labels as y."""

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hazumi_sk.model import MultitaskSequenceClassifier
from hazumi_sk.model._toy import make_toy_sequences
from hazumi_sk.preprocessing import ModalitySelector, SequenceTransformer
from hazumi_sk.sequences import RaggedSequences


@pytest.fixture
def X():
    return make_toy_sequences(n_dialogues=8, lengths=(2, 5), random_state=0)[0]


def test_pca_fitted_on_training_exchanges_only(X):
    train, test = X[[0, 1, 2, 3]], X[[4, 5]]
    step = SequenceTransformer(PCA(n_components=3)).fit(train)
    reference = PCA(n_components=3).fit(train.values)
    np.testing.assert_allclose(step.transformer_.mean_, reference.mean_)
    np.testing.assert_allclose(step.transform(test).values, reference.transform(test.values))
    assert step.transformer is not step.transformer_  # cloned, the parameter is untouched
    assert not hasattr(step.transformer, "components_")


def test_ids_lengths_and_exchange_labels_intact(X):
    Xt = SequenceTransformer(PCA(n_components=2)).fit_transform(X)
    assert isinstance(Xt, RaggedSequences)
    np.testing.assert_array_equal(Xt.offsets, X.offsets)
    np.testing.assert_array_equal(Xt.dialogue_ids, X.dialogue_ids)
    np.testing.assert_array_equal(Xt.exchange_labels, X.exchange_labels)
    assert Xt.values.shape == (X.n_exchanges, 2)


def test_new_columns_get_prefixed_names_and_tags(X):
    mixed = SequenceTransformer(PCA(n_components=2)).fit(X)
    assert mixed.get_feature_names_out().tolist() == ["mixed__pca0", "mixed__pca1"]
    assert mixed.modalities_out_.tolist() == ["mixed", "mixed"]
    only_l = X.select_modalities(["L"])
    single = SequenceTransformer(PCA(n_components=1)).fit(only_l)
    assert single.transform(only_l).feature_names.tolist() == ["L__pca0"]
    assert single.transform(only_l).modalities.tolist() == ["L"]


def test_one_to_one_keeps_names_and_tags(X):
    Xt = SequenceTransformer(StandardScaler()).fit_transform(X)
    np.testing.assert_array_equal(Xt.feature_names, X.feature_names)
    np.testing.assert_array_equal(Xt.modalities, X.modalities)
    np.testing.assert_allclose(Xt.values.mean(axis=0), 0.0, atol=1e-12)


def test_select_k_best_uses_rated_exchange_labels(X):
    step = SequenceTransformer(SelectKBest(f_classif, k=2)).fit(X)
    assert step.supervised_
    rated = np.isfinite(X.exchange_labels)
    reference = SelectKBest(f_classif, k=2).fit(X.values[rated], X.exchange_labels[rated])
    np.testing.assert_array_equal(step.transformer_.get_support(), reference.get_support())
    Xt = step.transform(X)
    support = reference.get_support()
    np.testing.assert_array_equal(Xt.feature_names, X.feature_names[support])
    np.testing.assert_array_equal(Xt.modalities, X.modalities[support])
    # The toy data put the rating signal in each modality's first column.
    assert set(Xt.feature_names) <= {"A0", "L1", "V2"}


def test_supervised_needs_exchange_labels(X):
    unlabelled = X.replace(exchange_labels=None)
    with pytest.raises(ValueError, match="exchange labels, but X carries none"):
        SequenceTransformer(SelectKBest(k=2)).fit(unlabelled)
    unrated = X.replace(exchange_labels=np.full(X.n_exchanges, np.nan))
    with pytest.raises(ValueError, match="unrated"):
        SequenceTransformer(PCA(2), supervised="always").fit(unrated)
    assert not SequenceTransformer(PCA(2)).fit(unlabelled).supervised_


def test_nonfinite_raises_unless_transformer_allows_nan(X):
    values = X.values.copy()
    values[X.offsets[3], 1] = np.nan
    bad = X.replace(values=values)
    with pytest.raises(ValueError, match=r"dialogue 'd003', feature 'L1'.*PCA"):
        SequenceTransformer(PCA(2)).fit(bad)
    Xt = SequenceTransformer(SimpleImputer()).fit_transform(bad)
    assert np.isfinite(Xt.values).all()


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"transformer": None}, "'transformer'"),
        ({"transformer": PCA(2), "supervised": "yes"}, "'supervised'"),
    ],
)
def test_bad_parameters_name_them(X, params, match):
    with pytest.raises(ValueError, match=match):
        SequenceTransformer(**params).fit(X)


def test_pca_in_front_of_the_lstm_in_a_pipeline(X):
    _, y = make_toy_sequences(n_dialogues=8, lengths=(2, 5), random_state=0)
    model = MultitaskSequenceClassifier(
        hidden_size=4, head_size=4, max_epochs=2, random_state=0, torch_num_threads=1
    )
    pipe = make_pipeline(ModalitySelector("ALL"), SequenceTransformer(PCA(3)), model).fit(X, y)
    assert pipe.predict(X).shape == (8,)
