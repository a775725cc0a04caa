"""The skorch multitask sequence classifier: dialogue impression + exchange sentiment."""

from __future__ import annotations

from numbers import Real
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets

from ..sequences import RaggedSequences
from ..utils import StrictInterval, StrOptions
from ._network import MultitaskLoss, MultitaskRNN
from ._sequence_net import TrainingDivergedError, _MultitaskSequenceNet
from ._targets import binarize_exchange_labels, resolve_exchange_labels

__all__ = ["MultitaskSequenceClassifier", "TrainingDivergedError"]

_LOSSES = ("cross_entropy", "mse")


class MultitaskSequenceClassifier(ClassifierMixin, _MultitaskSequenceNet):
    """Recognise a dialogue-level impression, learned jointly with exchange-level sentiment.

    A recurrent layer (LSTM or GRU) reads the exchange sequence of a dialogue.
    A dialogue head (``Linear(hidden, head_size)``, ``Linear(head_size,
    n_classes)``, log-softmax) reads the final hidden state; an exchange head
    of the same shape reads every hidden state and predicts the exchange's
    binary self-sentiment. The training loss is ``alpha * L_dialogue +
    (1 - alpha) * L_exchange``; ``alpha=1`` is the single-task baseline.

    This is a skorch :class:`~skorch.NeuralNet`: history, callbacks,
    ``set_params(module__...)``, ``optimizer__...`` and ``warm_start`` work as
    in skorch. ``X`` is a :class:`~hazumi_sk.sequences.RaggedSequences`; the
    exchange labels travel inside it (``X.exchange_labels``) or come as the
    ``exchange_y`` fit parameter.

    Parameters
    ----------
    alpha : float in [0, 1], default=0.7
        Weight of the dialogue loss (the paper's best worthwhile/L+V setting).
    cell : {"lstm", "gru"}, default="lstm"
        Recurrent cell.
    hidden_size : int, default=128
        Units of the recurrent layer.
    num_layers : int, default=1
        Stacked recurrent layers.
    head_size : int, default=128
        Units of the fully connected layer of each head.
    loss : {"mse", "cross_entropy"}, default="mse"
        ``"mse"``: squared error between the softmax probabilities and the
        one-hot labels (the paper's eq. 4 on binarised ratings).
        ``"cross_entropy"``: negative log-likelihood of the classes. The
        default was chosen by measurement on the real corpus, see
        ``docs/model.rst``.
    exchange_threshold : float or None, default=4
        Exchange labels above this value are "high" (1), the rest 0; ``None``
        means the labels are already 0/1. NaN labels are unrated and masked
        out of the loss, as is padding.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation and batch shuffling; an int makes two
        fits give identical predictions (on the same device and threads).
    torch_num_threads : int or None, default=None
        Torch intra-op threads during fit and predict (restored afterwards).
        ``None`` keeps the process setting; joblib's worker processes already
        limit it to ``cpu_count // n_jobs``. The value in effect during fit is
        recorded in ``torch_num_threads_``.
    progress_bar : bool, default=False
        Show a tqdm bar over epochs.
    module, criterion, optimizer, lr, max_epochs, batch_size, train_split, callbacks,\
    warm_start, verbose, device :
        As in :class:`skorch.NeuralNet`; defaults follow the paper (Adam,
        ``lr=0.001``, 60 epochs), no internal validation split, quiet,
        ``device="cpu"`` (``"cuda"`` where available). ``batch_size`` is in
        dialogues.
    **kwargs :
        Further skorch parameters (``module__...``, ``optimizer__...``,
        ``callbacks__...``).

    Attributes
    ----------
    classes_ : ndarray
        Dialogue label values, in the order of ``predict_proba``'s columns.
    n_features_in_ : int
        Features per exchange seen in ``fit``.
    feature_names_in_ : ndarray of str
        Their names.
    n_rated_exchanges_ : int
        Exchanges whose label entered the loss (0 when ``alpha=1``).
    torch_num_threads_ : int
        Torch threads used during fit.
    module_, criterion_, optimizer_, history_ :
        The initialised skorch components.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.model import MultitaskSequenceClassifier
    >>> rng = np.random.default_rng(0)
    >>> y = np.array([0, 1] * 6)
    >>> X = RaggedSequences.from_arrays(
    ...     [rng.normal(label, 1.0, size=(5, 3)) for label in y],
    ...     exchange_labels=[np.full(5, 2.0 + 4 * label) for label in y])
    >>> clf = MultitaskSequenceClassifier(hidden_size=8, head_size=8, max_epochs=30,
    ...                                   lr=0.01, random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape, clf.score(X, y) > 0.8
    ((12, 2), True)
    >>> clf.predict_running_proba(X[:1]).values.shape   # one estimate per exchange
    (5, 2)
    """

    def __init__(
        self,
        alpha: float = 0.7,
        cell: str = "lstm",
        hidden_size: int = 128,
        num_layers: int = 1,
        head_size: int = 128,
        loss: str = "mse",
        exchange_threshold: float | None = 4,
        random_state: Any = None,
        torch_num_threads: int | None = None,
        progress_bar: bool = False,
        module: Any = MultitaskRNN,
        criterion: Any = MultitaskLoss,
        optimizer: Any = torch.optim.Adam,
        lr: float = 0.001,
        max_epochs: int = 60,
        batch_size: int = 8,
        train_split: Any = None,
        callbacks: Any = None,
        warm_start: bool = False,
        verbose: int = 0,
        device: str = "cpu",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            module=module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            callbacks=callbacks,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        self.alpha = alpha
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.head_size = head_size
        self.loss = loss
        self.exchange_threshold = exchange_threshold
        self.random_state = random_state
        self.torch_num_threads = torch_num_threads
        self.progress_bar = progress_bar

    # ------------------------------------------------------------ the heads
    def _module_kwargs(self) -> dict[str, Any]:
        return {"n_classes": len(self.classes_)}

    def _criterion_kwargs(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "loss": self.loss}

    _parameter_constraints: ClassVar[dict] = {
        **_MultitaskSequenceNet._parameter_constraints,
        "loss": [StrOptions(set(_LOSSES))],
        "exchange_threshold": [StrictInterval(Real, None, None, closed="neither"), None],
    }

    def _encode_y(self, X: RaggedSequences, y: Any) -> np.ndarray:
        y = self._check_y_shape(X, y)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(f"y has a single class {encoder.classes_.tolist()}; need two or more.")
        self.classes_ = encoder.classes_
        return encoder.transform(y)

    def _exchange_targets(self, X: RaggedSequences, exchange_y: Any) -> np.ndarray | None:
        labels = resolve_exchange_labels(X, exchange_y)
        if self.alpha == 1:
            self.n_rated_exchanges_ = 0
            return None
        if labels is None or np.isnan(labels).all():
            raise ValueError(
                f"alpha={self.alpha} < 1 trains the exchange task, but no exchange labels were "
                "given: X.exchange_labels is empty and no exchange_y was passed (or all are "
                "NaN). Pass exchange labels, or alpha=1 for the single-task model."
            )
        labels = binarize_exchange_labels(labels, self.exchange_threshold)
        self.n_rated_exchanges_ = int((~np.isnan(labels)).sum())
        return labels

    # -------------------------------------------------------------------- fit
    def fit(self, X: RaggedSequences, y: Any = None, exchange_y: Any = None, **fit_params: Any):
        """Train on dialogues ``X`` with dialogue labels ``y`` (and exchange labels).

        Parameters
        ----------
        X : RaggedSequences
            One exchange sequence per dialogue. Its ``exchange_labels`` (1-7
            ratings or 0/1, NaN = unrated) are the exchange targets unless
            ``exchange_y`` is given.
        y : array-like of shape (n_dialogues,)
            Dialogue labels (any values; mapped through ``classes_``).
        exchange_y : list of arrays, RaggedSequences or array, default=None
            Exchange labels given explicitly: one array per dialogue, a
            one-column RaggedSequences, or a stacked array with one entry per
            exchange. The first two are split along with ``X`` by
            ``GridSearchCV`` (``model__exchange_y=...`` or, with metadata
            routing, ``set_fit_request(exchange_y=True)``).
        **fit_params : dict
            Passed to skorch's fit (e.g. to the module's forward).

        Returns
        -------
        self : MultitaskSequenceClassifier
            The fitted estimator.
        """
        return self._fit(X, y, exchange_y, **fit_params)

    # ---------------------------------------------------------------- predict
    def _probabilities(self, X: Any, head: str = "dialogue") -> np.ndarray:
        # The heads output log-probabilities.
        return self._outputs(X, head).exp().numpy().astype(np.float64)

    def predict_proba(self, X: RaggedSequences) -> np.ndarray:
        """Dialogue-level class probabilities.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues to score.

        Returns
        -------
        proba : ndarray of shape (n_dialogues, n_classes)
            Columns follow ``classes_``.
        """
        return self._probabilities(X)

    def predict(self, X: RaggedSequences) -> np.ndarray:
        """Most probable dialogue label.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues to label.

        Returns
        -------
        y_pred : ndarray of shape (n_dialogues,)
            Values from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def predict_exchange_proba(self, X: RaggedSequences) -> RaggedSequences:
        """Per-exchange self-sentiment probabilities from the exchange head.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues to score.

        Returns
        -------
        proba : RaggedSequences
            Same dialogues and lengths as ``X``; two columns
            ``exchange_low``, ``exchange_high`` (P(label <= threshold),
            P(label > threshold)). ``proba.to_list()`` gives one
            ``(n_exchanges_i, 2)`` array per dialogue.
        """
        self._check_exchange_head()
        proba = self._probabilities(X, "exchange")
        return self._as_ragged(X, proba, ["exchange_low", "exchange_high"])

    def predict_running_proba(self, X: RaggedSequences) -> RaggedSequences:
        """Running dialogue-level estimate after every exchange.

        The dialogue head is applied to the hidden state after each exchange;
        the recurrent layer is unidirectional, so the estimate after exchange
        ``t`` uses exchanges ``1..t`` only, and the last one equals
        :meth:`predict_proba`.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues to follow.

        Returns
        -------
        proba : RaggedSequences
            Same dialogues and lengths as ``X``; one column per class
            (``proba_<class>``).
        """
        proba = self._probabilities(X, "running")
        return self._as_ragged(X, proba, [f"proba_{c}" for c in self.classes_])
