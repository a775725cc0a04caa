"""MultiItemClassifier: a genuinely shared representation, missing ratings, the targets."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hazumi_sk.datasets import RAPPORT_ITEMS, make_synthetic_hazumi, to_xy
from hazumi_sk.model import MultiItemClassifier, multi_item_targets
from hazumi_sk.preprocessing import SequencePooler


def _one_factor_items(n, n_items=6, n_features=30, seed=0):
    """Every item is a noisy view of one latent factor carried by features 0 and 1."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    latent = X[:, 0] + X[:, 1]
    Y = (latent[:, None] + rng.normal(0, 1.0, size=(n, n_items)) > 0).astype(float)
    return X, Y


def test_shared_representation_beats_the_same_model_per_item():
    # One PLS direction learned from all 6 noisy items averages their label noise away;
    # the same model fitted per item (PLS1 on one column) cannot.
    X, Y = _one_factor_items(30, n_features=20, seed=0)
    X_new, Y_new = _one_factor_items(2000, n_features=20, seed=100)
    shared = MultiItemClassifier(n_components=1).fit(X, Y)
    shared_acc = (shared.predict(X_new) == Y_new).mean()
    per_item = [MultiItemClassifier(n_components=1).fit(X, Y[:, [j]]) for j in range(6)]
    separate_acc = np.mean([(m.predict(X_new)[:, 0] == Y_new[:, j]).mean()
                            for j, m in enumerate(per_item)])  # fmt: skip
    assert shared_acc > separate_acc + 0.02
    assert shared.score(X_new, Y_new) == pytest.approx(shared_acc)


def test_every_head_reads_the_same_pls_scores():
    X, Y = _one_factor_items(50)
    model = MultiItemClassifier(n_components=2).fit(X, Y)
    scores = model.representation_.transform(X)
    assert scores.shape == (50, 2)
    for j, head in enumerate(model.estimators_):
        assert head.coef_.shape == (1, 2)
        np.testing.assert_allclose(head.coef_, LogisticRegression().fit(scores, Y[:, j]).coef_)
    proba = model.predict_proba(X)
    assert len(proba) == 6 and proba[0].shape == (50, 2)


def test_missing_ratings_are_masked_not_dropped():
    X, Y = _one_factor_items(50)
    Y[3, 0] = np.nan
    Y[7, 0] = np.nan
    Y[7, 4] = np.nan
    model = MultiItemClassifier(n_components=1).fit(X, Y)
    assert model.n_complete_dialogues_ == 48
    assert model.n_rated_.tolist() == [48, 50, 50, 50, 49, 50]
    complete = ~np.isnan(Y).any(axis=1)
    from sklearn.cross_decomposition import PLSRegression

    pls = PLSRegression(n_components=1).fit(X[complete], Y[complete])
    scores = pls.transform(X)
    # Dialogue 3 misses item 0 only: it still trains the head of item 1.
    expected = LogisticRegression().fit(scores, Y[:, 1]).coef_
    np.testing.assert_allclose(model.estimators_[1].coef_, expected)
    rated = ~np.isnan(Y[:, 0])
    expected = LogisticRegression().fit(scores[rated], Y[rated, 0]).coef_
    np.testing.assert_allclose(model.estimators_[0].coef_, expected)


def test_targets_from_dataset_keep_missing_ratings_as_nan():
    data = make_synthetic_hazumi(n_dialogues=12, n_exchanges=(4, 6), feature_dims={"L": 6},
                                 random_state=0)  # fmt: skip
    X, y = to_xy(data, item="worthwhile")
    dialogue = X.dialogue_ids[2]
    data.ratings_post = data.ratings_post.astype(float)
    data.ratings_post.loc[dialogue, "cold"] = np.nan
    Y = multi_item_targets(data, X)
    assert list(Y.columns) == list(RAPPORT_ITEMS) and list(Y.index) == X.dialogue_ids.tolist()
    np.testing.assert_array_equal(Y["worthwhile"].to_numpy(), y)
    assert np.isnan(Y.loc[dialogue, "cold"]) and Y.isna().sum().sum() == 1
    pipe = make_pipeline(SequencePooler(), StandardScaler(),
                         MultiItemClassifier(n_components=2))  # fmt: skip
    usable = [item for item in RAPPORT_ITEMS if Y[item].nunique() == 2]
    fitted = pipe.fit(X, Y[usable])
    assert fitted[-1].items_.tolist() == usable
    assert fitted.predict(X).shape == (len(y), len(usable))


def test_bad_targets_are_explained():
    X, Y = _one_factor_items(20)
    with pytest.raises(ValueError, match="Y must be 2-D"):
        MultiItemClassifier().fit(X, Y[:, 0])
    bad = Y.copy()
    bad[4, 2] = 5.0
    with pytest.raises(ValueError, match="row 4, item 2"):
        MultiItemClassifier().fit(X, bad)
    with pytest.raises(ValueError, match="Unknown rapport item"):
        multi_item_targets(make_synthetic_hazumi(n_dialogues=4, random_state=0), None, ["nice"])
    fitted = MultiItemClassifier(n_components=1).fit(X, Y)
    with pytest.raises(ValueError, match="features"):
        clone(fitted).fit(X, Y).predict(X[:, :3])
