"""``hf_perplexity``: perplexity of each document under a local causal language model, through
Hugging Face transformers (e.g. a small GPT-2 or Llama-style model saved with save_pretrained).

Each document is tokenized, truncated to ``max_length`` tokens, and scored by
exp(mean negative log-likelihood of tokens 2..T given their prefixes), the standard definition
used by CCNet/RedPajama-style perplexity filters with a neural LM. Documents with fewer than two
tokens get NaN. The model is loaded from a local folder only (never downloaded), once per
process; it needs ``pip install torch==2.13.0 transformers``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.params import check_number, check_string
from dataprep.registry import register
from dataprep.stage import Scorer, text_values


@register
class HFPerplexityScorer(Scorer):
    """Per-document perplexity under a local causal LM.

    model: local folder with a causal LM and its tokenizer (required).
    max_length: tokens scored per document, from its start (default 512; never more than the
        model's positions).
    batch_size: documents per forward pass (default 8).
    device: 'auto' (CUDA when available, default), 'cpu', 'cuda', ...
    """

    loads_model = True
    name = "hf_perplexity"
    version = 1
    requires = (
        ("torch", "pip install torch==2.13.0"),
        ("transformers", "pip install transformers"),
    )

    def __init__(
        self, *, model: str = "", max_length: int = 512, batch_size: int = 8, device: str = "auto"
    ) -> None:
        self.model = model
        self.max_length = max_length
        self.batch_size = batch_size
        self.device = device

    def check_params(self) -> None:
        check_string(self.name, "model", self.model)
        check_number(self.name, "max_length", self.max_length, low=2, integer=True)
        check_number(self.name, "batch_size", self.batch_size, low=1, integer=True)
        check_string(self.name, "device", self.device)
        if not (Path(self.model) / "config.json").is_file():
            raise ConfigError(
                f"hf_perplexity: {self.model!r} is not a local model folder (no config.json); "
                "models are never downloaded"
            )

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_loaded", None)  # each worker process loads its own copy
        return state

    def _load(self):
        if getattr(self, "_loaded", None) is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            device = self.device
            if device == "auto":
                device = "cuda" if torch.cuda.is_available() else "cpu"
            tokenizer = AutoTokenizer.from_pretrained(self.model, local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(self.model, local_files_only=True)
            # Never feed more tokens than the model has positions for.
            positions = getattr(model.config, "max_position_embeddings", None) or getattr(
                model.config, "n_positions", None
            )
            self.max_tokens_ = min(self.max_length, positions or self.max_length)
            self._loaded = (tokenizer, model.to(device).eval(), device)
        return self._loaded

    def score(self, batch: pa.RecordBatch) -> np.ndarray:
        import torch

        tokenizer, model, device = self._load()
        texts = text_values(batch, self.context.text_column)
        encoded = [
            tokenizer(text, truncation=True, max_length=self.max_tokens_)["input_ids"]
            for text in texts
        ]
        out = np.full(len(texts), np.nan)
        scorable = [i for i, ids in enumerate(encoded) if len(ids) >= 2]
        for start in range(0, len(scorable), self.batch_size):
            chunk = scorable[start : start + self.batch_size]
            width = max(len(encoded[i]) for i in chunk)
            ids = torch.zeros((len(chunk), width), dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, i in enumerate(chunk):  # right padding; padded positions are masked out
                ids[row, : len(encoded[i])] = torch.tensor(encoded[i])
                mask[row, : len(encoded[i])] = 1
            ids, mask = ids.to(device), mask.to(device)
            with torch.no_grad():
                logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
            targets, target_mask = ids[:, 1:], mask[:, 1:].float()
            nll = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none"
            ).view(targets.shape)
            mean_nll = (nll * target_mask).sum(dim=1) / target_mask.sum(dim=1)
            out[chunk] = torch.exp(mean_nll).cpu().numpy()
        return out
