"""K multitask networks of one shape as grouped weights: one batched forward pass and Adam step.

Every parameter of :class:`~hazumi_sk.model.MultitaskRNN` is stacked over the K
networks into one ``(K, ...)`` tensor. The recurrence runs as batched matrix
products (``torch.baddbmm``) over the networks, the heads likewise, and the
loss of each network is its own :class:`~hazumi_sk.model.MultitaskLoss` with
its own ``alpha``; the sum of the K losses is differentiated once, which gives
each network exactly its own gradient because they share nothing. Adam runs
elementwise on the stacked tensors with a step count per network, so a network
that has no batch at some step (fewer dialogues, fewer epochs) is left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ._batching import PaddedDialogues


def _lstm_step(
    gates_x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, w_hh: torch.Tensor, b_hh: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    # nn.LSTM: gates = x W_ih^T + b_ih + h W_hh^T + b_hh, chunks i, f, g, o.
    gates = gates_x + torch.baddbmm(b_hh[:, None, :], h, w_hh.transpose(1, 2))
    i, f, g, o = gates.chunk(4, dim=-1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _gru_step(
    gates_x: torch.Tensor, h: torch.Tensor, w_hh: torch.Tensor, b_hh: torch.Tensor
) -> torch.Tensor:
    # nn.GRU: r, z from both projections, n = tanh(x_n + r * h_n), h' = (1 - z) n + z h.
    gates_h = torch.baddbmm(b_hh[:, None, :], h, w_hh.transpose(1, 2))
    x_r, x_z, x_n = gates_x.chunk(3, dim=-1)
    h_r, h_z, h_n = gates_h.chunk(3, dim=-1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


def _linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """``x @ weight^T + bias`` per network: x ``(K, ..., in)``, weight ``(K, out, in)``."""
    flat = x.reshape(x.shape[0], -1, x.shape[-1])
    out = torch.baddbmm(bias[:, None, :], flat, weight.transpose(1, 2))
    return out.reshape(*x.shape[:-1], weight.shape[1])


class GroupedNetworks:
    """The stacked weights, data and Adam state of K networks trained together.

    Parameters
    ----------
    modules : sequence of MultitaskRNN
        Initialised networks of one shape (their weights are copied).
    datasets : sequence of PaddedDialogues
        Each network's training data, on one device.
    cell : {"lstm", "gru"}
    num_layers : int
    alphas, lrs, beta1s, beta2s, epss, weight_decays : sequence of float
        Per-network loss weight and Adam settings.
    loss : {"mse", "cross_entropy"}
    """

    def __init__(
        self,
        modules: Sequence[nn.Module],
        datasets: Sequence[PaddedDialogues],
        *,
        cell: str,
        num_layers: int,
        alphas: Sequence[float],
        lrs: Sequence[float],
        beta1s: Sequence[float],
        beta2s: Sequence[float],
        epss: Sequence[float],
        weight_decays: Sequence[float],
        loss: str,
    ) -> None:
        self.cell = cell
        self.num_layers = num_layers
        self.loss = loss
        self.n_networks = len(modules)
        device = datasets[0].x.device
        self.names = [name for name, _ in modules[0].named_parameters()]
        self.params = {
            name: torch.stack([dict(m.named_parameters())[name].detach() for m in modules])
            .clone()
            .requires_grad_(True)
            for name in self.names
        }
        self.exp_avg = {n: torch.zeros_like(p) for n, p in self.params.items()}
        self.exp_avg_sq = {n: torch.zeros_like(p) for n, p in self.params.items()}
        # Adam's step count per network and parameter (the exchange head of an alpha=1
        # network never steps: its single fit gives it no gradient at all).
        self.steps = {n: np.zeros(self.n_networks, dtype=np.int64) for n in self.names}

        def column(values: Sequence[float]) -> torch.Tensor:
            return torch.tensor(values, dtype=torch.float64)

        self.alphas = column(alphas).to(device=device, dtype=torch.float32)
        self._alpha_values = np.asarray(alphas, dtype=np.float64)
        self.lrs, self.beta1s, self.beta2s = column(lrs), column(beta1s), column(beta2s)
        self.epss, self.weight_decays = column(epss), column(weight_decays)
        self._pad_data(datasets, device)

    # ------------------------------------------------------------------ data
    def _pad_data(self, datasets: Sequence[PaddedDialogues], device: torch.device) -> None:
        """All networks' dialogues in one ``(K, n_max + 1, len_max, F)`` tensor.

        Row ``n_max`` of every network is an empty dummy dialogue (length 1,
        weight 0) that fills the batches of networks with fewer dialogues.
        """
        n_max = max(len(d) for d in datasets)
        len_max = max(d.x.shape[1] for d in datasets)
        n_features = datasets[0].x.shape[2]
        shape = (self.n_networks, n_max + 1, len_max)
        self.x = torch.zeros(*shape, n_features, dtype=datasets[0].x.dtype, device=device)
        self.lengths = torch.ones(shape[:2], dtype=torch.int64, device=device)
        self.y = torch.zeros(shape[:2], dtype=torch.int64, device=device)
        self.exchange_y = torch.zeros(shape, dtype=torch.int64, device=device)
        self.exchange_mask = torch.zeros(shape, dtype=self.x.dtype, device=device)
        for k, data in enumerate(datasets):
            n, length = data.x.shape[:2]
            self.x[k, :n, :length] = data.x
            self.lengths[k, :n] = data.lengths
            self.y[k, :n] = data.y
            if data.exchange_y is not None:
                self.exchange_y[k, :n, :length] = data.exchange_y.clamp(min=0)
                self.exchange_mask[k, :n, :length] = data.exchange_mask
        self.pad_index = n_max
        self._lengths_np = self.lengths.cpu().numpy()

    def batch(self, chosen: Sequence[np.ndarray | None]) -> tuple[torch.Tensor, torch.Tensor, int]:
        """One step's batch: dialogue index ``(K, B)``, validity ``(K, B)`` and length.

        ``chosen[k]`` are network k's dialogues (None: it sits this step out); the
        rest of its row is the dummy dialogue, with validity 0. The length is that
        of the step's longest dialogue (the single fit trims each batch the same way).
        """
        width = max((len(c) for c in chosen if c is not None), default=1)
        index = np.full((self.n_networks, width), self.pad_index, dtype=np.int64)
        for k, c in enumerate(chosen):
            if c is not None:
                index[k, : len(c)] = c
        rows = np.arange(self.n_networks)[:, None]
        length = int(self._lengths_np[rows, index].max())
        device = self.x.device
        valid = torch.as_tensor(index != self.pad_index, device=device).to(self.x.dtype)
        return torch.as_tensor(index, device=device), valid, length

    # --------------------------------------------------------------- forward
    def _states(self, x: torch.Tensor) -> torch.Tensor:
        """Hidden states ``(K, B, T, H)`` of the (stacked) recurrent layers."""
        p = self.params
        n_networks, batch, length = x.shape[:3]
        for layer in range(self.num_layers):
            w_ih, w_hh = p[f"rnn.weight_ih_l{layer}"], p[f"rnn.weight_hh_l{layer}"]
            b_ih, b_hh = p[f"rnn.bias_ih_l{layer}"], p[f"rnn.bias_hh_l{layer}"]
            gates_x = _linear(x, w_ih, b_ih).reshape(n_networks, batch, length, -1)
            hidden = w_hh.shape[2]
            h = x.new_zeros(n_networks, batch, hidden)
            c = x.new_zeros(n_networks, batch, hidden)
            outputs = []
            for t in range(length):
                if self.cell == "lstm":
                    h, c = _lstm_step(gates_x[:, :, t], h, c, w_hh, b_hh)
                else:
                    h = _gru_step(gates_x[:, :, t], h, w_hh, b_hh)
                outputs.append(h)
            x = torch.stack(outputs, dim=2)
        return x

    def _head(self, name: str, x: torch.Tensor) -> torch.Tensor:
        p = self.params
        x = _linear(x, p[f"{name}.0.weight"], p[f"{name}.0.bias"])
        x = _linear(x, p[f"{name}.1.weight"], p[f"{name}.1.bias"])
        return torch.log_softmax(x, dim=-1)

    def _pointwise(self, log_proba: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        # As MultitaskLoss._pointwise.
        if self.loss == "cross_entropy":
            return -log_proba.gather(-1, target.unsqueeze(-1)).squeeze(-1)
        one_hot = nn.functional.one_hot(target, log_proba.shape[-1]).to(log_proba.dtype)
        return (log_proba.exp() - one_hot).pow(2).mean(-1)

    def losses(self, index: torch.Tensor, valid: torch.Tensor, length: int) -> torch.Tensor:
        """Each network's MultitaskLoss on its batch (from :meth:`batch`); ``(K,)``."""
        rows = torch.arange(self.n_networks, device=index.device)[:, None]
        lengths = self.lengths[rows, index]
        x = self.x[rows, index, :length]
        states = self._states(x)
        last = states.gather(
            2, (lengths - 1)[:, :, None, None].expand(-1, -1, 1, states.shape[-1])
        ).squeeze(2)
        dialogue = self._head("dialogue_head", last)
        dialogue_point = self._pointwise(dialogue, self.y[rows, index]) * valid
        dialogue_loss = dialogue_point.sum(1) / valid.sum(1).clamp(min=1)
        if "exchange_head.0.weight" not in self.params or (self._alpha_values == 1).all():
            return dialogue_loss
        exchange = self._head("exchange_head", states)
        mask = self.exchange_mask[rows, index, :length]
        target = self.exchange_y[rows, index, :length]
        exchange_point = self._pointwise(exchange, target) * mask
        exchange_loss = exchange_point.sum((1, 2)) / mask.sum((1, 2)).clamp(min=1)
        # alpha = 1: exactly the dialogue loss (1 * d + 0 * e), as the single fit.
        return self.alphas * dialogue_loss + (1 - self.alphas) * exchange_loss

    # ------------------------------------------------------------------ adam
    def step(self, active: np.ndarray) -> None:
        """One Adam update of the networks where ``active`` (as ``torch.optim.Adam``)."""
        with torch.no_grad():
            for name in self.names:
                param = self.params[name]
                train = active.copy()
                if name.startswith("exchange_head."):
                    train &= self._alpha_values < 1
                if not train.any() or param.grad is None:
                    continue
                steps = self.steps[name]
                steps[train] += 1
                shape = (-1,) + (1,) * (param.dim() - 1)

                def per_network(values: torch.Tensor, param=param, shape=shape) -> torch.Tensor:
                    return values.to(device=param.device, dtype=param.dtype).reshape(shape)

                count = torch.as_tensor(np.maximum(steps, 1), dtype=torch.float64)
                grad = param.grad + per_network(self.weight_decays) * param
                exp_avg = self.exp_avg[name].lerp(grad, per_network(1 - self.beta1s))
                # The operations and their order are torch.optim.Adam's (single tensor):
                # v * beta2 + (1 - beta2) * g^2, then p + (-step_size) * (m / denom).
                exp_avg_sq = self.exp_avg_sq[name] * per_network(self.beta2s) + per_network(
                    1 - self.beta2s
                ) * (grad * grad)
                step_size = per_network(-(self.lrs / (1 - self.beta1s**count)))
                correction = per_network((1 - self.beta2s**count).sqrt())
                denom = exp_avg_sq.sqrt() / correction + per_network(self.epss)
                updated = param + step_size * (exp_avg / denom)
                mask = torch.as_tensor(train, device=param.device).reshape(shape)
                param.copy_(torch.where(mask, updated, param))
                self.exp_avg[name].copy_(torch.where(mask, exp_avg, self.exp_avg[name]))
                self.exp_avg_sq[name].copy_(torch.where(mask, exp_avg_sq, self.exp_avg_sq[name]))
                param.grad = None

    # ---------------------------------------------------------------- unpack
    def write_back(self, k: int, module: nn.Module, optimizer: torch.optim.Optimizer) -> None:
        """Copy network ``k``'s weights into ``module`` and its Adam state into ``optimizer``."""
        named = dict(module.named_parameters())
        with torch.no_grad():
            for name in self.names:
                named[name].copy_(self.params[name][k])
        for name in self.names:
            steps = int(self.steps[name][k])
            if steps == 0:
                continue
            param = named[name]
            optimizer.state[param] = {
                "step": torch.tensor(float(steps)),
                "exp_avg": self.exp_avg[name][k].detach().clone(),
                "exp_avg_sq": self.exp_avg_sq[name][k].detach().clone(),
            }
