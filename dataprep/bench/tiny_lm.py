"""A tiny byte-level Transformer language model that trains in minutes on a CPU, to measure what
the order and mixture of training data do to a model (examples/train_tiny_lm.py and the
curriculum benchmark use it).

A batch is either a list of texts, each document one training sample (its first ``context + 1``
UTF-8 bytes, padded), or a LongTensor [batch, context + 1] of token ids, as a
``PackedTokenDataset`` of a corpus tokenized with the byte tokenizer (dataprep.bench.
byte_tokenizer: id = byte, EOS = 256 = PAD) yields through a DataLoader; there every position is a
target, EOS included. The loss of a sample is the mean next-token cross-entropy over its real
targets (nats), so per-group losses can be reported to an adaptive sampler.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

PAD = 256  # bytes are 0..255
VOCAB = 257
Batch = Sequence[str] | torch.Tensor  # texts, or token ids [batch, context + 1]


class ByteTransformer(nn.Module):
    """Decoder-only Transformer over bytes.

    context: bytes per sample the model sees (default 128).
    width: model dimension (default 128); layers (default 2); heads (default 4).
    """

    def __init__(self, *, context: int = 128, width: int = 128, layers: int = 2, heads: int = 4):
        super().__init__()
        self.context = context
        self.embed = nn.Embedding(VOCAB, width)
        self.position = nn.Embedding(context, width)
        layer = nn.TransformerEncoderLayer(
            width, heads, 4 * width, dropout=0.0, batch_first=True, norm_first=True
        )
        self.blocks = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, VOCAB, bias=False)
        self.head.weight = self.embed.weight  # tied embeddings
        nn.init.normal_(self.embed.weight, std=0.02)  # GPT-2's init: uniform predictions at first
        nn.init.normal_(self.position.weight, std=0.02)
        mask = torch.triu(torch.full((context, context), float("-inf")), diagonal=1)
        self.register_buffer("causal_mask", mask, persistent=False)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        length = tokens.shape[1]
        positions = torch.arange(length, device=tokens.device)
        hidden = self.embed(tokens) + self.position(positions)
        hidden = self.blocks(hidden, mask=self.causal_mask[:length, :length], is_causal=True)
        return self.head(self.norm(hidden))


def encode(texts: Sequence[str], context: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, targets) of shape [len(texts), context]: the first context + 1 bytes of each
    text, shifted by one; padding is PAD in the inputs and -100 (ignored) in the targets."""
    tokens = np.full((len(texts), context + 1), PAD, dtype=np.int64)
    for row, text in enumerate(texts):
        data = np.frombuffer(text.encode("utf-8")[: context + 1], dtype=np.uint8)
        tokens[row, : len(data)] = data
    inputs = torch.from_numpy(tokens[:, :-1].copy())
    targets = torch.from_numpy(tokens[:, 1:].copy())
    targets[targets == PAD] = -100
    return inputs, targets


def encode_tokens(tokens: torch.Tensor, context: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, targets) of token ids ``tokens`` [batch, length], 2 <= length <= context + 1:
    the sequences shifted by one, every position a target (packed sequences hold no padding
    but the EOS that ends a shard's last one, which is a target like any EOS)."""
    if tokens.ndim != 2 or not 2 <= tokens.shape[1] <= context + 1:
        raise ValueError(
            f"token batches must be [batch, length] with 2 <= length <= {context + 1} (the "
            f"model's context + 1). Got shape {tuple(tokens.shape)} instead."
        )
    tokens = tokens.long()
    return tokens[:, :-1], tokens[:, 1:]


def encode_batch(batch: Batch, context: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, targets) of a batch of texts (``encode``) or of token ids (``encode_tokens``)."""
    if isinstance(batch, torch.Tensor):
        return encode_tokens(batch, context)
    return encode(batch, context)


def token_losses(model: ByteTransformer, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """(losses, mask), both [batch size, positions]: the next-token loss of every position of a
    batch of texts or token ids (nats, 0 at padding) and whether the position is a target."""
    inputs, targets = _on_device(model, *encode_batch(batch, model.context))
    logits = model(inputs)
    losses = nn.functional.cross_entropy(
        logits.reshape(-1, VOCAB), targets.reshape(-1), ignore_index=-100, reduction="none"
    ).reshape(targets.shape)
    return losses, targets != -100


def sample_losses(model: ByteTransformer, texts: Sequence[str]) -> torch.Tensor:
    """Mean next-byte loss of each text (nats per byte); texts of one byte or less give 0."""
    losses, mask = token_losses(model, texts)
    return losses.sum(dim=1) / mask.sum(dim=1).clamp(min=1)


@torch.no_grad()
def document_losses(model: ByteTransformer, texts: Sequence[str], batch_size: int = 256):
    """Mean next-byte loss (nats per byte) of every text, as a numpy array; a reference
    model's log-perplexity of each document."""
    model.eval()
    out = [
        sample_losses(model, texts[start : start + batch_size]).cpu().numpy()
        for start in range(0, len(texts), batch_size)
    ]
    model.train()
    return np.concatenate(out) if out else np.empty(0)


def _on_device(model: nn.Module, *tensors: torch.Tensor) -> list[torch.Tensor]:
    device = model.head.weight.device
    return [tensor.to(device) for tensor in tensors]


@torch.no_grad()
def evaluate(model: ByteTransformer, texts: Sequence[str], batch_size: int = 64) -> float:
    """Mean next-byte loss over all bytes of ``texts`` (nats per byte)."""
    model.eval()
    total, count = 0.0, 0
    for start in range(0, len(texts), batch_size):
        inputs, targets = _on_device(
            model, *encode(texts[start : start + batch_size], model.context)
        )
        logits = model(inputs)
        total += nn.functional.cross_entropy(
            logits.reshape(-1, VOCAB), targets.reshape(-1), ignore_index=-100, reduction="sum"
        ).item()
        count += int((targets != -100).sum())
    model.train()
    return total / max(1, count)


def sampler_feedback(sampler, groups: list, reference: ByteTransformer | None = None) -> dict:
    """Keyword arguments for ``train`` that feed ``sampler`` (an AdaptiveSampler) after every
    step. groups: a list the batch generator refills with the current batch's group labels.
    With a ``reference`` model (DoReMi), the per-token losses of the model and of the reference
    on the same batch go to ``update_excess``; without (default), each group's mean training
    loss goes to ``update`` (ODM)."""
    if reference is None:

        def per_group(step: int, losses: np.ndarray) -> None:
            sampler.update(sampler.mean_loss_by_group(groups, losses))

        return {"on_losses": per_group}
    reference.eval()

    def per_token(step: int, batch: Batch, losses: np.ndarray, mask: np.ndarray) -> None:
        with torch.no_grad():
            reference_losses, _ = token_losses(reference, batch)
        sampler.update_excess(groups, losses, reference_losses.cpu().numpy(), mask)

    return {"on_token_losses": per_token}


@dataclass
class Curve:
    """Validation loss after each evaluated step, and the training loss of every step."""

    eval_steps: list[int] = field(default_factory=list)
    eval_loss: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)

    def first_step_reaching(self, loss: float) -> int | None:
        """First evaluated step with a validation loss at or below ``loss``."""
        for step, value in zip(self.eval_steps, self.eval_loss, strict=True):
            if value <= loss:
                return step
        return None

    def to_dict(self) -> dict:
        return {
            "eval_steps": self.eval_steps,
            "eval_loss": [round(v, 5) for v in self.eval_loss],
            "train_loss": [round(v, 5) for v in self.train_loss],
        }


def train(
    model: ByteTransformer,
    batches: Iterable[Batch],
    *,
    steps: int,
    valid_texts: Sequence[str],
    eval_every: int = 50,
    learning_rate: float = 3e-3,
    on_losses: Callable[[int, np.ndarray], None] | None = None,
    on_token_losses: Callable[[int, Batch, np.ndarray, np.ndarray], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> Curve:
    """Train on ``steps`` batches with AdamW (cosine decay, 5% warm-up) and return the loss
    curve. A batch is a list of texts or a LongTensor of token ids [batch, context + 1] (see
    the module docstring); the validation loss is always over ``valid_texts``.
    ``on_losses(step, per_sample_losses)`` is called after every step (an adaptive sampler's
    update goes there); ``on_token_losses(step, batch, losses, mask)`` too,
    with the per-position losses and mask of token_losses (DoReMi's per-token excess loss);
    ``log`` receives one line per evaluation."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    warmup = max(1, steps // 20)

    def rate(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, rate)
    curve = Curve()
    model.train()
    for step, batch in enumerate(itertools.islice(batches, steps)):  # no batch drawn past steps
        positions, mask = token_losses(model, batch)
        losses = positions.sum(dim=1) / mask.sum(dim=1).clamp(min=1)
        loss = losses.mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        curve.train_loss.append(loss.item())
        if on_losses is not None:
            on_losses(step, losses.detach().cpu().numpy())
        if on_token_losses is not None:
            on_token_losses(
                step, batch, positions.detach().cpu().numpy(), mask.detach().cpu().numpy()
            )
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            curve.eval_steps.append(step + 1)
            curve.eval_loss.append(evaluate(model, valid_texts))
            if log is not None:
                log(f"step {step + 1:5d}  train {loss.item():.4f}  valid {curve.eval_loss[-1]:.4f}")
    return curve
