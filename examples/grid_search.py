"""
Search modalities, loss weight and cell with GridSearchCV
=========================================================

``GridSearchCV`` stratifies and scores on the dialogue label; the exchange
labels travel inside ``X`` (a :class:`~hazumi_sk.sequences.RaggedSequences`)
and are split with it, so the multitask model needs no special handling.
Exchange labels can also be given explicitly as ``model__exchange_y=`` (a list
of per-dialogue arrays), which GridSearchCV splits the same way.

Sizes and epochs are reduced so the example runs in a few minutes on a laptop.
"""

import pandas as pd
import torch
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
from hazumi_sk.model import MultitaskSequenceClassifier
from hazumi_sk.preprocessing import ModalitySelector, SequenceScaler

torch.set_num_threads(1)
X, y = to_xy(make_synthetic_hazumi(random_state=0), item="worthwhile")

pipe = Pipeline(
    [
        ("select", ModalitySelector()),
        ("scale", SequenceScaler()),
        (
            "model",
            MultitaskSequenceClassifier(
                hidden_size=16, head_size=16, max_epochs=10, random_state=0, torch_num_threads=1
            ),
        ),
    ]
)
grid = {
    "select__modalities": ["L", "L+V"],
    "model__alpha": [0.7, 1.0],  # 1.0 = single-task baseline
    "model__cell": ["lstm", "gru"],
}
search = GridSearchCV(
    pipe,
    grid,
    cv=StratifiedKFold(5, shuffle=True, random_state=0),
    scoring="f1_weighted",
    n_jobs=2,  # joblib's workers get one torch thread each on a 2-core machine
)
search.fit(X, y)
results = pd.DataFrame(search.cv_results_)
columns = [
    "param_select__modalities",
    "param_model__alpha",
    "param_model__cell",
    "mean_test_score",
    "std_test_score",
]
print(results[columns].sort_values("mean_test_score", ascending=False).to_string(index=False))
print("best:", search.best_params_)
