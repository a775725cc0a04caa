"""Bad arguments raise an error that names the parameter, never a raw numpy/torch traceback.

One table row per validated public parameter: what to call, the bad keyword
arguments, the expected error type, and words that must appear in the message
(the parameter's name, what was expected, the value given). Rows stay cheap:
validation happens before any data is read or any model is built.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from hazumi_sk.features import DumpfileFeatures
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
