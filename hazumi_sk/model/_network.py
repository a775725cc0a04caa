"""The torch network: a shared recurrent layer with a dialogue head and an exchange head."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["MultitaskRNN", "MultitaskLoss", "MultitaskRegressionLoss"]

_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}
_OUTPUTS = ("log_proba", "value")


class _Squeeze(nn.Module):
    """Drop the last (size-1) axis: one regression value per dialogue or exchange."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.squeeze(-1)


def _make_head(hidden_size: int, head_size: int, n_out: int, output: str) -> nn.Sequential:
    # The paper: a 128-unit fully connected layer, then a 2-unit log-softmax output;
    # the regression variant ends in one linear unit instead.
    if output == "value":
        return nn.Sequential(nn.Linear(hidden_size, head_size), nn.Linear(head_size, 1), _Squeeze())
    return nn.Sequential(
        nn.Linear(hidden_size, head_size), nn.Linear(head_size, n_out), nn.LogSoftmax(dim=-1)
    )


class MultitaskRNN(nn.Module):
    """Recurrent layer over the exchanges, dialogue head on the last state, exchange head on all.

    Parameters
    ----------
    input_size : int
        Number of features per exchange.
    n_classes : int, default=2
        Number of dialogue-level classes.
    cell : {"lstm", "gru"}, default="lstm"
        Recurrent cell.
    hidden_size : int, default=128
        Units of the recurrent layer.
    num_layers : int, default=1
        Stacked recurrent layers.
    head_size : int, default=128
        Units of each head's fully connected layer.
    exchange_head : bool, default=True
        Build the exchange-level head. Without it the network is the paper's
        single-task baseline. The exchange head is created *after* the
        dialogue head so that, for the same seed, both variants start from the
        same recurrent and dialogue weights.
    output : {"log_proba", "value"}, default="log_proba"
        ``"log_proba"``: each head ends in a log-softmax over the classes (the
        exchange head over low/high). ``"value"``: each head ends in one linear
        unit, a regression value per dialogue ``(batch,)`` and per exchange
        ``(batch, time)``; ``n_classes`` is then unused.

    Examples
    --------
    >>> import torch
    >>> net = MultitaskRNN(input_size=3, hidden_size=4, head_size=5)
    >>> dialogue, exchange = net(torch.zeros(2, 6, 3), torch.tensor([6, 2]))
    >>> tuple(dialogue.shape), tuple(exchange.shape)
    ((2, 2), (2, 6, 2))
    >>> reg = MultitaskRNN(input_size=3, hidden_size=4, head_size=5, output="value")
    >>> tuple(tuple(t.shape) for t in reg(torch.zeros(2, 6, 3), torch.tensor([6, 2])))
    ((2,), (2, 6))
    """

    def __init__(
        self,
        input_size: int,
        n_classes: int = 2,
        cell: str = "lstm",
        hidden_size: int = 128,
        num_layers: int = 1,
        head_size: int = 128,
        exchange_head: bool = True,
        output: str = "log_proba",
    ) -> None:
        super().__init__()
        if cell not in _CELLS:
            raise ValueError(f"cell must be one of {sorted(_CELLS)}, got {cell!r}.")
        if output not in _OUTPUTS:
            raise ValueError(f"output must be one of {list(_OUTPUTS)}, got {output!r}.")
        self.rnn = _CELLS[cell](input_size, hidden_size, num_layers, batch_first=True)
        self.dialogue_head = _make_head(hidden_size, head_size, n_classes, output)
        self.exchange_head = (
            _make_head(hidden_size, head_size, 2, output) if exchange_head else None
        )

    def states(self, x: torch.Tensor) -> torch.Tensor:
        """Hidden state after every exchange, ``(batch, time, hidden)``.

        The layer is unidirectional, so trailing padding cannot change the
        states of real exchanges: masking the padded steps out of the loss is
        exact, and cheaper on CPU than packing.
        """
        return self.rnn(x)[0]

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Dialogue log-probas ``(batch, n_classes)``, exchange ones ``(batch, time, 2)``.

        With ``output="value"``: dialogue values ``(batch,)``, exchange values
        ``(batch, time)``.
        """
        states = self.states(x)
        last = states[torch.arange(states.shape[0], device=states.device), lengths - 1]
        dialogue = self.dialogue_head(last)
        exchange = None if self.exchange_head is None else self.exchange_head(states)
        return dialogue, exchange


class MultitaskLoss(nn.Module):
    """``alpha * L_dialogue + (1 - alpha) * L_exchange`` with masked exchanges.

    Parameters
    ----------
    alpha : float, default=0.7
        Weight of the dialogue loss; ``1`` is the single-task baseline (the
        exchange term is then not computed at all, so its head gets no
        gradient).
    loss : {"mse", "cross_entropy"}, default="mse"
        ``"cross_entropy"``: negative log-likelihood of the log-softmax
        outputs. ``"mse"``: mean over classes of the squared difference
        between the softmax probabilities and the one-hot label (for two
        classes, the squared error of P(high) against the 0/1 label, i.e. the
        Brier score), the squared error of the paper's eq. 4 on binarised ratings.

    Examples
    --------
    >>> import torch
    >>> loss = MultitaskLoss(alpha=1.0, loss="cross_entropy")
    >>> d = torch.log(torch.tensor([[0.5, 0.5]]))
    >>> round(float(loss((d, None), (torch.tensor([1]), None, None))), 4)
    0.6931
    """

    def __init__(self, alpha: float = 0.7, loss: str = "mse") -> None:
        super().__init__()
        self.alpha = alpha
        self.loss = loss

    def _pointwise(self, log_proba: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.loss == "cross_entropy":
            return -log_proba.gather(-1, target.unsqueeze(-1)).squeeze(-1)
        one_hot = nn.functional.one_hot(target, log_proba.shape[-1]).to(log_proba.dtype)
        return (log_proba.exp() - one_hot).pow(2).mean(-1)

    def forward(
        self,
        y_pred: tuple[torch.Tensor, torch.Tensor | None],
        y_true: tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None],
    ) -> torch.Tensor:
        dialogue, exchange = y_pred
        y, exchange_y, exchange_mask = y_true
        dialogue_loss = self._pointwise(dialogue, y).mean()
        if self.alpha == 1:
            return dialogue_loss
        # Padding and unrated exchanges are masked; a batch without any rated
        # exchange contributes no exchange loss.
        length = exchange.shape[1]
        mask = exchange_mask[:, :length]
        target = exchange_y[:, :length].clamp(min=0)
        exchange_loss = (self._pointwise(exchange, target) * mask).sum() / mask.sum().clamp(min=1)
        return self.alpha * dialogue_loss + (1 - self.alpha) * exchange_loss


class MultitaskRegressionLoss(nn.Module):
    """``alpha * MSE_dialogue + (1 - alpha) * MSE_exchange`` with masked exchanges.

    The regression counterpart of :class:`MultitaskLoss`: the dialogue head's
    value is compared with the dialogue rating, each exchange head value with
    the exchange rating; padding and unrated exchanges are masked out.
    :class:`~hazumi_sk.model.MultitaskSequenceRegressor` standardises both
    targets first, so the two terms are on one scale.

    Parameters
    ----------
    alpha : float, default=0.7
        Weight of the dialogue loss; ``1`` computes the dialogue term only.

    Examples
    --------
    >>> import torch
    >>> loss = MultitaskRegressionLoss(alpha=0.5)
    >>> pred = (torch.tensor([1.0]), torch.tensor([[0.0, 5.0]]))
    >>> true = (torch.tensor([3.0]), torch.tensor([[1.0, -1.0]]), torch.tensor([[1.0, 0.0]]))
    >>> float(loss(pred, true))  # 0.5 * (1-3)**2 + 0.5 * (0-1)**2; the 2nd exchange is masked
    2.5
    """

    def __init__(self, alpha: float = 0.7) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(
        self,
        y_pred: tuple[torch.Tensor, torch.Tensor | None],
        y_true: tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None],
    ) -> torch.Tensor:
        dialogue, exchange = y_pred
        y, exchange_y, exchange_mask = y_true
        dialogue_loss = (dialogue - y).pow(2).mean()
        if self.alpha == 1:
            return dialogue_loss
        length = exchange.shape[1]
        mask = exchange_mask[:, :length]
        squared = (exchange - exchange_y[:, :length]).pow(2) * mask
        exchange_loss = squared.sum() / mask.sum().clamp(min=1)
        return self.alpha * dialogue_loss + (1 - self.alpha) * exchange_loss
