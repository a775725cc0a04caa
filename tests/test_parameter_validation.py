"""Bad arguments raise an error that names the parameter, never a raw numpy/torch traceback.

One table row per validated public parameter: what to call, the bad keyword
arguments, the expected error type, and words that must appear in the message
(the parameter's name, what was expected, the value given). Rows stay cheap:
validation happens before any data is read or any model is built.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError

from hazumi_sk.analysis import (
    average_by_polarity,
    exchange_dialogue_correlation,
    plot_correlation_table,
    plot_segment_correlation,
    segment_correlation,
    segment_positions,
    significance_mark,
)
from hazumi_sk.datasets import Dialogue
from hazumi_sk.evaluation import (
    corrected_resampled_ttest,
    nested_cv_score,
    paired_permutation_test,
    paper_protocol_best,
    repeated_cv_scores,
    summarize_scores,
)
from hazumi_sk.features import (
    AcousticFeatures,
    BodyFeatures,
    DumpfileFeatures,
    FaceFeatures,
    LinguisticFeatures,
    MultimodalFeatures,
)
from hazumi_sk.model import MultitaskSequenceClassifier
from hazumi_sk.model._toy import make_toy_sequences
from hazumi_sk.preprocessing import ModalitySelector

TOY = make_toy_sequences(n_dialogues=12, lengths=(3, 7), random_state=0)


def fit_classifier(**kwargs):
    X, y = TOY
    params = {"hidden_size": 4, "head_size": 4, "max_epochs": 1, "torch_num_threads": 1}
    MultitaskSequenceClassifier(**{**params, **kwargs}).fit(X, y)


def fit_selector(**kwargs):
    ModalitySelector(**kwargs).fit(TOY[0])


def fit_dumpfile(**kwargs):
    DumpfileFeatures(**kwargs).fit(TOY[0])


#: Validation happens before any media is read, so one bare dialogue is enough.
DIALOGUES = [Dialogue("d1", pd.DataFrame({"start_ms": [0], "end_ms": [1000]}))]


def fit_acoustic(**kwargs):
    AcousticFeatures(**kwargs).fit(DIALOGUES)


def fit_linguistic(**kwargs):
    LinguisticFeatures(**kwargs).fit(DIALOGUES)


def fit_body(**kwargs):
    BodyFeatures(**kwargs).fit(DIALOGUES)


def fit_face(**kwargs):
    FaceFeatures(**kwargs).fit(DIALOGUES)


def fit_multimodal(**kwargs):
    MultimodalFeatures(**{"extractors": [("B", BodyFeatures())], **kwargs}).fit(DIALOGUES)


#: Twelve samples, two balanced classes: enough for the argument checks, nothing is fitted.
XY = (np.arange(24.0).reshape(12, 2), np.array([0, 1] * 6))
SCORES = pd.DataFrame(
    {"repeat": [0, 0, 1, 1], "fold": [0, 1, 0, 1], "score": [0.6, 0.8, 0.7, 0.7], "n_train": 6,
     "n_test": 6}
)  # fmt: skip


def cv_scores(**kwargs):
    repeated_cv_scores(**{"estimator": LogisticRegression(), "X": XY[0], "y": XY[1], **kwargs})


def nested(**kwargs):
    args = {"estimator": LogisticRegression(), "param_grid": {"C": [1.0]}, "X": XY[0], "y": XY[1]}
    nested_cv_score(**{**args, **kwargs})


def paper_best(**kwargs):
    args = {"estimator": LogisticRegression(), "param_grid": {"C": [1.0]}, "X": XY[0], "y": XY[1]}
    paper_protocol_best(**{**args, **kwargs})


def summarize(**kwargs):
    summarize_scores(**{"scores": SCORES, **kwargs})


def ttest(**kwargs):
    corrected_resampled_ttest(**{"scores_a": [1, 2], "scores_b": [0, 2], "n_train": 4, "n_test": 1,
                                 **kwargs})  # fmt: skip


def permutation(**kwargs):
    paired_permutation_test(**{"scores_a": [1, 2], "scores_b": [0, 2], **kwargs})


def correlation(**kwargs):
    # The arguments are checked before the dataset is looked at.
    exchange_dialogue_correlation(**{"dataset": None, **kwargs})


def segments(**kwargs):
    segment_correlation(**{"dataset": None, **kwargs})


def positions(**kwargs):
    segment_positions(**{"lengths": [3, 4], "n_segments": 2, **kwargs})


def polarity(**kwargs):
    average_by_polarity(**{"table": pd.DataFrame({"polarity": ["positive"], "r": [0.1]}), **kwargs})


def plot_table(**kwargs):
    plot_correlation_table(**{"corr": pd.DataFrame({"r": [0.1]}), **kwargs})


CLF = "MultitaskSequenceClassifier"


def bad(call, kwargs, *words, error=InvalidParameterError):
    """A table row: ``call(**kwargs)`` raises ``error`` with all ``words`` in its message."""
    name = "-".join(f"{k}={v!r}" for k, v in kwargs.items())
    return pytest.param(call, kwargs, error, words, id=f"{call.__name__}-{name}")


ROWS = [
    # ---------------------------------------------------- MultitaskSequenceClassifier
    bad(fit_classifier, {"alpha": "0.5"}, "'alpha' parameter of " + CLF, "[0.0, 1.0]", "'0.5'"),
    bad(fit_classifier, {"alpha": 1.5}, "'alpha'", "[0.0, 1.0]", "Got 1.5"),
    bad(fit_classifier, {"cell": "rnn"}, "'cell'", "'lstm'", "'gru'", "Got 'rnn'"),
    bad(fit_classifier, {"hidden_size": 0}, "'hidden_size'", "int in the range [1, inf)", "Got 0"),
    bad(fit_classifier, {"num_layers": True}, "'num_layers'", "int in the range [1, inf)", "True"),
    bad(fit_classifier, {"num_layers": 2.0}, "'num_layers'", "int", "Got 2.0"),
    bad(fit_classifier, {"head_size": -3}, "'head_size'", "[1, inf)", "Got -3"),
    bad(fit_classifier, {"loss": "hinge"}, "'loss'", "'mse'", "'cross_entropy'", "'hinge'"),
    bad(fit_classifier, {"exchange_threshold": "4"}, "'exchange_threshold'", "or None", "'4'"),
    bad(fit_classifier, {"exchange_threshold": np.nan}, "'exchange_threshold'", "Got nan"),
    bad(fit_classifier, {"random_state": "seed"}, "'random_state'", "RandomState", "'seed'"),
    bad(fit_classifier, {"torch_num_threads": 0}, "'torch_num_threads'", "[1, inf) or None"),
    bad(fit_classifier, {"progress_bar": "yes"}, "'progress_bar'", "bool", "'yes'"),
    bad(fit_classifier, {"module": "lstm"}, "'module'", "callable", "'lstm'"),
    bad(fit_classifier, {"criterion": 3}, "'criterion'", "callable", "Got 3"),
    bad(fit_classifier, {"optimizer": "adam"}, "'optimizer'", "callable", "'adam'"),
    bad(fit_classifier, {"lr": -0.1}, "'lr'", "[0.0, inf)", "Got -0.1"),
    bad(fit_classifier, {"lr": "0.01"}, "'lr'", "float", "'0.01'"),
    bad(fit_classifier, {"max_epochs": 0}, "'max_epochs'", "[1, inf)", "Got 0"),
    bad(fit_classifier, {"batch_size": 0}, "'batch_size'", "[1, inf)", "-1", "Got 0"),
    bad(fit_classifier, {"batch_size": True}, "'batch_size'", "Got True"),
    bad(fit_classifier, {"train_split": 0.2}, "'train_split'", "callable", "Got 0.2"),
    bad(fit_classifier, {"callbacks": "none"}, "'callbacks'", "'disable'", "'none'"),
    bad(fit_classifier, {"warm_start": 1}, "'warm_start'", "bool", "Got 1"),
    bad(fit_classifier, {"verbose": -1}, "'verbose'", "[0, inf)", "Got -1"),
    bad(fit_classifier, {"device": "gpu0"}, "'device'", "torch device", "'gpu0'"),
    bad(fit_classifier, {"device": 0}, "'device'", "str", "Got 0"),
    # ------------------------------------------------------------ ModalitySelector
    bad(fit_selector, {"modalities": None}, "'modalities' parameter of ModalitySelector", "None"),
    bad(fit_selector, {"modalities": 3}, "'modalities'", "str", "array-like", "Got 3"),
    bad(fit_selector, {"modalities": "L+Q"}, "modalities='L+Q'", "['Q']", error=ValueError),
    bad(fit_selector, {"modalities": ["L", 1]}, "modalities=", "string", error=TypeError),
    # ------------------------------------------------------------ DumpfileFeatures
    bad(fit_dumpfile, {"modalities": None}, "'modalities' parameter of DumpfileFeatures"),
    bad(fit_dumpfile, {"prefix": "yes"}, "'prefix'", "bool", "'yes'"),
    # ------------------------------------------------------------ AcousticFeatures
    bad(fit_acoustic, {"feature_set": 3}, "'feature_set' parameter of AcousticFeatures", "Got 3"),
    bad(
        fit_acoustic,
        {"feature_set": "IS99"},
        "feature_set must be one of",
        "'IS99'",
        error=ValueError,
    ),
    bad(fit_acoustic, {"segment": "system"}, "'segment'", "'user'", "'exchange'", "'system'"),
    bad(fit_acoustic, {"normalize": "global"}, "'normalize'", "'speaker'", "None", "'global'"),
    bad(fit_acoustic, {"sampling_rate": 100}, "'sampling_rate'", "[8000, inf) or None", "Got 100"),
    bad(fit_acoustic, {"sampling_rate": 16000.0}, "'sampling_rate'", "int", "Got 16000.0"),
    bad(fit_acoustic, {"resample": "no"}, "'resample'", "bool", "'no'"),
    bad(fit_acoustic, {"resample": True}, "resample=True needs", "sampling_rate", error=ValueError),
    bad(fit_acoustic, {"channel": -1}, "'channel'", "[0, inf) or None", "Got -1"),
    bad(fit_acoustic, {"on_missing": "skip"}, "'on_missing'", "'raise'", "'nan'", "'skip'"),
    bad(fit_acoustic, {"verbose": "loud"}, "'verbose' parameter of AcousticFeatures", "'loud'"),
    # ---------------------------------------------------------- LinguisticFeatures
    bad(fit_linguistic, {"pos_backend": "mecab"}, "'pos_backend'", "'sudachi'", "'mecab'"),
    bad(fit_linguistic, {"encoder": "word2vec"}, "'encoder'", "'tfidf-svd'", "'word2vec'"),
    bad(fit_linguistic, {"model": 3}, "'model' parameter of LinguisticFeatures", "Got 3"),
    bad(fit_linguistic, {"n_components": 0}, "'n_components'", "[1, inf)", "Got 0"),
    bad(fit_linguistic, {"n_components": True}, "'n_components'", "Got True"),
    bad(fit_linguistic, {"batch_size": 0}, "'batch_size' parameter of LinguisticFeatures"),
    bad(fit_linguistic, {"max_length": 2.5}, "'max_length'", "int", "Got 2.5"),
    bad(fit_linguistic, {"keep_fillers": "no"}, "'keep_fillers'", "bool", "'no'"),
    bad(fit_linguistic, {"keep_disfluencies": None}, "'keep_disfluencies'", "Got None"),
    bad(fit_linguistic, {"random_state": "x"}, "'random_state' parameter of LinguisticFeatures"),
    bad(fit_linguistic, {"verbose": -2}, "'verbose'", "Got -2"),
    bad(
        fit_linguistic,
        {"encoder": "bert", "model": "some/bert", "device": "gpu"},
        "'device' parameter of LinguisticFeatures",
        "torch device",
        "'gpu'",
    ),
    bad(fit_linguistic, {"pos_backend": None, "encoder": None}, "cannot both", error=ValueError),
    # ---------------------------------------------------------------- BodyFeatures
    bad(fit_body, {"joints": "Head"}, "'joints' parameter of BodyFeatures", "array-like", "'Head'"),
    bad(fit_body, {"joints": []}, "joints must be a non-empty list", error=ValueError),
    bad(fit_body, {"joints": [1, 2]}, "joints must be", "joint names", "[1, 2]", error=ValueError),
    bad(fit_body, {"segment": "turn"}, "'segment' parameter of BodyFeatures", "'turn'"),
    bad(fit_body, {"max_gap_ms": 0}, "'max_gap_ms'", "(0.0, inf)", "Got 0"),
    bad(fit_body, {"max_gap_ms": "100"}, "'max_gap_ms'", "float", "'100'"),
    bad(fit_body, {"fill_value": "0"}, "'fill_value'", "float", "'0'"),
    bad(fit_body, {"on_missing": "skip"}, "'on_missing' parameter of BodyFeatures"),
    bad(fit_body, {"verbose": "yes"}, "'verbose' parameter of BodyFeatures"),
    # ---------------------------------------------------------------- FaceFeatures
    bad(fit_face, {"landmarks": "eyes"}, "'landmarks'", "'hazumi'", "'paper'", "'eyes'"),
    bad(fit_face, {"landmarks": 5}, "'landmarks'", "array-like", "Got 5"),
    bad(fit_face, {"landmarks": (70,)}, "landmarks must be ids in 0..67", error=ValueError),
    bad(fit_face, {"landmarks": (48.5,)}, "landmarks must be ids", "48.5", error=ValueError),
    bad(fit_face, {"coordinates": "3D"}, "'coordinates'", "'2d'", "'3d'", "'3D'"),
    bad(fit_face, {"action_units": "yes"}, "'action_units'", "bool", "'yes'"),
    bad(fit_face, {"min_confidence": 1.5}, "'min_confidence'", "[0.0, 1.0]", "Got 1.5"),
    bad(fit_face, {"face_id": -1}, "'face_id'", "[0, inf)", "Got -1"),
    bad(fit_face, {"face_id": True}, "'face_id'", "Got True"),
    bad(fit_face, {"max_gap_ms": -5}, "'max_gap_ms' parameter of FaceFeatures"),
    # ---------------------------------------------------------- MultimodalFeatures
    bad(fit_multimodal, {"n_jobs": 0}, "'n_jobs'", "(-inf, -1]", "[1, inf)", "Got 0"),
    bad(fit_multimodal, {"n_jobs": 1.5}, "'n_jobs' parameter of MultimodalFeatures", "1.5"),
    bad(fit_multimodal, {"memory": 3}, "'memory'", "cache", "Got 3"),
    bad(fit_multimodal, {"verbose": "x"}, "'verbose' parameter of MultimodalFeatures"),
    bad(
        fit_multimodal, {"extractors": []}, "extractors must be a non-empty list", error=ValueError
    ),
    # ------------------------------------------------------ repeated CV functions
    bad(cv_scores, {"estimator": "logreg"}, "'estimator' parameter of repeated_cv_scores", "fit"),
    bad(cv_scores, {"n_splits": 1}, "'n_splits'", "[2, inf)", "Got 1"),
    bad(cv_scores, {"n_splits": 2.0}, "'n_splits'", "int", "Got 2.0"),
    bad(cv_scores, {"n_repeats": 0}, "'n_repeats'", "[1, inf)", "Got 0"),
    bad(cv_scores, {"scoring": 3}, "'scoring'", "callable", "Got 3"),
    bad(cv_scores, {"random_state": None}, "'random_state'", "int", "Got None"),
    bad(cv_scores, {"random_state": -1}, "'random_state'", "[0, 4294967295]", "Got -1"),
    bad(cv_scores, {"n_jobs": 0}, "'n_jobs' parameter of repeated_cv_scores", "Got 0"),
    bad(cv_scores, {"cache_dir": 5}, "'cache_dir'", "str", "Got 5"),
    bad(cv_scores, {"progress": 1}, "'progress'", "bool", "str", "Got 1"),
    bad(nested, {"param_grid": "C"}, "'param_grid' parameter of nested_cv_score", "dict"),
    bad(nested, {"n_inner_splits": 1}, "'n_inner_splits'", "[2, inf)", "Got 1"),
    bad(nested, {"n_splits": True}, "'n_splits' parameter of nested_cv_score", "Got True"),
    bad(paper_best, {"param_grid": None}, "'param_grid' parameter of paper_protocol_best"),
    bad(paper_best, {"n_repeats": -1}, "'n_repeats' parameter of paper_protocol_best"),
    bad(summarize, {"scores": [0.7, 0.8]}, "'scores' parameter of summarize_scores", "DataFrame"),
    bad(summarize, {"by": 3}, "'by'", "str", "list", "Got 3"),
    bad(summarize, {"confidence": 95}, "'confidence'", "(0.0, 1.0)", "Got 95"),
    bad(summarize, {"method": "bogus"}, "'method'", "'corrected'", "'repeat-means'", "'bogus'"),
    # -------------------------------------------------------------- paired tests
    bad(ttest, {"scores_a": 0.8}, "'scores_a' parameter of corrected_resampled_ttest"),
    bad(ttest, {"scores_b": None}, "'scores_b'", "array-like", "Got None"),
    bad(ttest, {"n_train": 0}, "'n_train'", "(0.0, inf)", "Got 0"),
    bad(ttest, {"n_test": "20"}, "'n_test'", "float", "'20'"),
    bad(permutation, {"scores_a": "abc"}, "'scores_a' parameter of paired_permutation_test"),
    bad(permutation, {"n_permutations": 0}, "'n_permutations'", "[1, inf)", "Got 0"),
    bad(permutation, {"random_state": 1.5}, "'random_state'", "RandomState", "Got 1.5"),
    # ---------------------------------------------------------------- analysis
    bad(correlation, {"exchange_label": 3}, "'exchange_label' parameter of exchange_dialogue_"),
    bad(correlation, {"rating": None}, "'rating'", "str", "Got None"),
    bad(correlation, {"threshold": "4"}, "'threshold'", "float", "'4'"),
    bad(correlation, {"threshold": np.nan}, "'threshold'", "Got nan"),
    bad(correlation, {"not_rated": "E"}, "'not_rated'", "or None", "'E'"),
    bad(correlation, {"not_rated": True}, "'not_rated'", "Got True"),
    bad(correlation, {"source": 1}, "'source'", "str", "Got 1"),
    bad(correlation, {"dialogue_ids": 5}, "'dialogue_ids'", "Iterable", "Got 5"),
    bad(segments, {"items": "worthwhile"}, "'items' parameter of segment_correlation", "array"),
    bad(segments, {"n_segments": 0}, "'n_segments'", "[1, inf)", "Got 0"),
    bad(segments, {"n_segments": 2.5}, "'n_segments'", "int", "Got 2.5"),
    bad(segments, {"not_rated": np.inf}, "'not_rated' parameter of segment_correlation"),
    bad(positions, {"lengths": 3}, "'lengths' parameter of segment_positions", "array-like"),
    bad(positions, {"n_segments": 0}, "'n_segments' parameter of segment_positions", "Got 0"),
    bad(significance_mark, {"p": "0.01"}, "'p' parameter of significance_mark", "'0.01'"),
    bad(polarity, {"table": [0.1]}, "'table' parameter of average_by_polarity", "DataFrame"),
    bad(polarity, {"column": 1}, "'column'", "str", "Got 1"),
    bad(plot_table, {"corr": None}, "'corr' parameter of plot_correlation_table", "DataFrame"),
    bad(plot_table, {"reference": "paper.csv"}, "'reference'", "DataFrame", "or None"),
    bad(plot_table, {"reference_column": 0}, "'reference_column'", "Got 0"),
    bad(plot_table, {"label": None}, "'label'", "str", "Got None"),
    bad(plot_table, {"title": 3}, "'title' parameter of plot_correlation_table", "Got 3"),
    bad(plot_segment_correlation, {"seg": [0.1]}, "'seg' parameter of plot_segment_correlation"),
]


@pytest.mark.parametrize(("call", "kwargs", "error", "words"), ROWS)
def test_bad_argument_is_named_in_the_error(call, kwargs, error, words):
    with pytest.raises(error) as info:
        call(**kwargs)
    message = str(info.value)
    missing = [w for w in words if w not in message]
    assert not missing, f"{missing} not in: {message}"


def test_invalid_parameter_error_is_value_and_type_error():
    # So `except ValueError` (wrong value) and `except TypeError` (wrong type) both work.
    with pytest.raises(InvalidParameterError) as info:
        fit_classifier(alpha="0.5")
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)


def test_no_row_is_a_duplicate():
    ids = [row.id for row in ROWS]
    assert len(ids) == len(set(ids))


def test_valid_edges_are_accepted_by_the_functions():
    # A mean fold size is a float; the sklearn scorer default (None) still works.
    assert ttest(n_train=4.5, n_test=1.5) is None
    assert summarize(confidence=0.5, by=["repeat"]) is None
    cv_scores(n_splits=2, n_repeats=1, scoring=None, progress="label", n_jobs=-1)


def test_valid_extremes_still_fit():
    # The edges of the intervals are valid values, not errors.
    fit_classifier(alpha=1.0, lr=0.0, batch_size=-1, exchange_threshold=None)
    fit_classifier(alpha=0, random_state=np.random.RandomState(0), verbose=False)


def test_message_is_one_readable_sentence():
    with pytest.raises(InvalidParameterError) as info:
        fit_classifier(num_layers=True)
    assert re.fullmatch(
        r"The 'num_layers' parameter of MultitaskSequenceClassifier must be an int in the "
        r"range \[1, inf\)\. Got True instead\.",
        str(info.value),
    )


def test_channel_beyond_the_recording_is_named(tmp_path):
    import soundfile

    wav = tmp_path / "mono.wav"
    soundfile.write(wav, np.zeros(16000), 16000)
    table = pd.DataFrame({"start_ms": [0], "end_system_ms": [0], "end_ms": [1000]})
    dialogue = Dialogue("d1", table, audio_path=wav)
    # Raised even with on_missing="nan": a wrong channel is a parameter error, not missing data.
    with pytest.raises(ValueError, match=r"channel=1, but .*mono.wav.* has 1 channel\(s\)"):
        AcousticFeatures(channel=1, on_missing="nan").fit_transform([dialogue])
