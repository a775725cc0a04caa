"""The skorch multitask sequence regressor: the dialogue rating + exchange sentiment ratings."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import RegressorMixin

from ..sequences import RaggedSequences
from ._network import MultitaskRegressionLoss, MultitaskRNN
from ._sequence_net import _MultitaskSequenceNet
from ._targets import resolve_exchange_labels

__all__ = ["MultitaskSequenceRegressor"]

_MIN_SCALE = 1e-6  # a constant target is standardised by 1, not divided by zero


def _location_scale(values: np.ndarray, standardize: bool) -> tuple[float, float]:
    if not standardize:
        return 0.0, 1.0
    scale = float(np.std(values))
    return float(np.mean(values)), scale if scale > _MIN_SCALE else 1.0


class MultitaskSequenceRegressor(RegressorMixin, _MultitaskSequenceNet):
    """Regress a dialogue's rating, learned jointly with every exchange's sentiment rating.

    The regression twin of :class:`MultitaskSequenceClassifier`: the same
    recurrent layer and heads (:class:`MultitaskRNN` with ``output="value"``),
    but the dialogue head predicts the 1-8 impression rating itself and the
    exchange head the 1-7 exchange rating, with the loss ``alpha *
    MSE_dialogue + (1 - alpha) * MSE_exchange`` (unrated exchanges and
    padding masked). The binary labels of the paper throw away how far a
    rating lies from the threshold; this model keeps it. For a classifier,
    wrap it: ``ThresholdedRegressor(MultitaskSequenceRegressor(), threshold=4)``
    trains it on the ratings and labels a dialogue high when the predicted
    rating exceeds 4.

    Parameters
    ----------
    alpha : float in [0, 1], default=0.7
        Weight of the dialogue loss; ``1`` is the single-task model.
    cell : {"lstm", "gru"}, default="lstm"
        Recurrent cell.
    hidden_size : int, default=128
        Units of the recurrent layer.
    num_layers : int, default=1
        Stacked recurrent layers.
    head_size : int, default=128
        Units of the fully connected layer of each head.
    standardize_targets : bool, default=True
        Train on z-scored targets (dialogue ratings by their training mean and
        standard deviation, exchange ratings by theirs) and map predictions
        back. It puts the two loss terms on one scale and spares the heads
        from learning an offset of 4 from zero-initialised biases.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation and batch shuffling.
    torch_num_threads : int or None, default=None
        Torch intra-op threads during fit and predict (restored afterwards).
    progress_bar : bool, default=False
        Show a tqdm bar over epochs.
    module, criterion, optimizer, lr, max_epochs, batch_size, train_split, callbacks,\
    warm_start, verbose, device :
        As in :class:`skorch.NeuralNet` and :class:`MultitaskSequenceClassifier`
        (Adam, ``lr=0.001``, 60 epochs, no internal validation split).
    **kwargs :
        Further skorch parameters (``module__...``, ``optimizer__...``).

    Attributes
    ----------
    y_mean_, y_scale_ : float
        Location and scale of the training dialogue ratings (0 and 1 without
        ``standardize_targets``).
    exchange_mean_, exchange_scale_ : float
        The same for the rated exchanges (0 and 1 when ``alpha=1``).
    n_features_in_ : int
        Features per exchange seen in ``fit``.
    feature_names_in_ : ndarray of str
        Their names.
    n_rated_exchanges_ : int
        Exchanges whose rating entered the loss (0 when ``alpha=1``).
    torch_num_threads_ : int
        Torch threads used during fit.
    module_, criterion_, optimizer_, history_ :
        The initialised skorch components.

    See Also
    --------
    MultitaskSequenceClassifier : the same network on binary labels.
    ThresholdedRegressor : turns this regressor into a high/low classifier.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.model import MultitaskSequenceRegressor, ThresholdedRegressor
    >>> rng = np.random.default_rng(0)
    >>> rating = np.tile([2.0, 3.0, 6.0, 7.0], 3)
    >>> X = RaggedSequences.from_arrays(
    ...     [rng.normal(r / 4, 0.3, size=(5, 3)) for r in rating],
    ...     exchange_labels=[np.full(5, r) for r in rating])
    >>> reg = MultitaskSequenceRegressor(hidden_size=8, head_size=8, max_epochs=40,
    ...                                  lr=0.01, random_state=0).fit(X, rating)
    >>> reg.predict(X).shape, reg.score(X, rating) > 0.5
    ((12,), True)
    >>> reg.predict_exchange(X).feature_names.tolist()
    ['exchange_rating']
    >>> clf = ThresholdedRegressor(reg, threshold=4).fit(X, (rating > 4).astype(int),
    ...                                                  rating=rating)
    >>> clf.score(X, (rating > 4).astype(int)) > 0.8
    True
    """

    _target_dtype: ClassVar[torch.dtype] = torch.float32
    _fitted_attribute: ClassVar[str] = "y_mean_"

    def __init__(
        self,
        alpha: float = 0.7,
        cell: str = "lstm",
        hidden_size: int = 128,
        num_layers: int = 1,
        head_size: int = 128,
        standardize_targets: bool = True,
        random_state: Any = None,
        torch_num_threads: int | None = None,
        progress_bar: bool = False,
        module: Any = MultitaskRNN,
        criterion: Any = MultitaskRegressionLoss,
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
        self.standardize_targets = standardize_targets
        self.random_state = random_state
        self.torch_num_threads = torch_num_threads
        self.progress_bar = progress_bar

    # ------------------------------------------------------------ the heads
    def _module_kwargs(self) -> dict[str, Any]:
        return {"output": "value"}

    _parameter_constraints: ClassVar[dict] = {
        **_MultitaskSequenceNet._parameter_constraints,
        "standardize_targets": ["boolean"],
    }

    def _encode_y(self, X: RaggedSequences, y: Any) -> np.ndarray:
        y = self._check_y_shape(X, y)
        if y.dtype.kind not in "biuf":
            raise ValueError(f"y must hold numeric ratings, got dtype {y.dtype}.")
        y = y.astype(np.float64)
        bad = np.flatnonzero(~np.isfinite(y))
        if bad.size:
            raise ValueError(
                f"y is not finite for dialogue {str(X.dialogue_ids[bad[0]])!r} ({y[bad[0]]}); "
                "drop unrated dialogues before fitting."
            )
        self.y_mean_, self.y_scale_ = _location_scale(y, self.standardize_targets)
        return (y - self.y_mean_) / self.y_scale_

    def _exchange_targets(self, X: RaggedSequences, exchange_y: Any) -> np.ndarray | None:
        labels = resolve_exchange_labels(X, exchange_y)
        if self.alpha == 1:
            self.n_rated_exchanges_ = 0
            self.exchange_mean_, self.exchange_scale_ = 0.0, 1.0
            return None
        if labels is None or np.isnan(labels).all():
            raise ValueError(
                f"alpha={self.alpha} < 1 trains the exchange task, but no exchange ratings were "
                "given: X.exchange_labels is empty and no exchange_y was passed (or all are "
                "NaN). Pass exchange ratings, or alpha=1 for the single-task model."
            )
        if np.isinf(labels).any():
            raise ValueError("exchange ratings contain infinite values; use NaN for unrated.")
        rated = ~np.isnan(labels)
        self.n_rated_exchanges_ = int(rated.sum())
        self.exchange_mean_, self.exchange_scale_ = _location_scale(
            labels[rated], self.standardize_targets
        )
        return (labels - self.exchange_mean_) / self.exchange_scale_

    # -------------------------------------------------------------------- fit
    def fit(self, X: RaggedSequences, y: Any = None, exchange_y: Any = None, **fit_params: Any):
        """Train on dialogues ``X`` with dialogue ratings ``y`` (and exchange ratings).

        Parameters
        ----------
        X : RaggedSequences
            One exchange sequence per dialogue. Its ``exchange_labels`` (the
            1-7 ratings, NaN = unrated) are the exchange targets unless
            ``exchange_y`` is given.
        y : array-like of shape (n_dialogues,)
            Dialogue ratings (finite numbers).
        exchange_y : list of arrays, RaggedSequences or array, default=None
            Exchange ratings given explicitly, as in
            :meth:`MultitaskSequenceClassifier.fit`.
        **fit_params : dict
            Passed to skorch's fit.

        Returns
        -------
        self : MultitaskSequenceRegressor
            The fitted estimator.
        """
        return self._fit(X, y, exchange_y, **fit_params)

    # ---------------------------------------------------------------- predict
    @property
    def predict_proba(self) -> Any:
        # skorch's NeuralNet defines predict_proba; a regressor must not seem to have one
        # (hasattr() is how scikit-learn picks response methods).
        raise AttributeError(
            "MultitaskSequenceRegressor predicts ratings and has no predict_proba; wrap it in "
            "ThresholdedRegressor(..., threshold=4) for high/low probabilities."
        )

    def _values(self, X: Any, head: str) -> np.ndarray:
        return self._outputs(X, head).numpy().astype(np.float64)

    def predict(self, X: RaggedSequences) -> np.ndarray:
        """Predicted dialogue rating.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues to rate.

        Returns
        -------
        y_pred : ndarray of shape (n_dialogues,)
            On the scale of the training ratings.
        """
        return self._values(X, "dialogue") * self.y_scale_ + self.y_mean_

    def predict_exchange(self, X: RaggedSequences) -> RaggedSequences:
        """Predicted rating of every exchange, from the exchange head.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues to rate.

        Returns
        -------
        ratings : RaggedSequences
            Same dialogues and lengths as ``X``; one column ``exchange_rating``.
        """
        self._check_exchange_head()
        values = self._values(X, "exchange") * self.exchange_scale_ + self.exchange_mean_
        return self._as_ragged(X, values[:, None], ["exchange_rating"])

    def predict_running(self, X: RaggedSequences) -> RaggedSequences:
        """Running dialogue-rating estimate after every exchange.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues to follow.

        Returns
        -------
        ratings : RaggedSequences
            Same dialogues and lengths as ``X``; one column ``rating``; the
            last value of each dialogue equals :meth:`predict`.
        """
        values = self._values(X, "running") * self.y_scale_ + self.y_mean_
        return self._as_ragged(X, values[:, None], ["rating"])
