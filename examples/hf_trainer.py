"""Hugging Face ``Trainer`` with dataprep: (1) train on a curriculum-ordered dataset in the
scheduled order, (2) train with the adaptive sampler choosing the mixture over difficulty
quartiles from the per-group losses of each step.

    python examples/hf_trainer.py [--model path/to/local/causal-lm] [--steps 200]

(1) ``Trainer`` shuffles map-style datasets, so the scheduled dataset is handed over as an
*iterable* dataset (``Dataset.to_iterable_dataset()``), which it reads in order.
(2) ``AdaptiveBatchSampler`` runs in the main process and picks each batch's rows;
``compute_loss`` reports each group's mean loss to it (``update``), so later batches follow the
new weights. Needs: pip install torch==2.13.0 && pip install -e ".[train]"
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import datasets
import torch
from common import DEFAULT_DATA, REPO, read_texts, schedule, split_and_score, tiny_causal_lm
from torch.utils.data import DataLoader

from dataprep.sampling import AdaptiveBatchSampler, AdaptiveSampler

GROUPS = 4  # difficulty quartiles


def tokenized(folder: Path, tokenizer, max_length: int) -> datasets.Dataset:
    """The dataset at ``folder`` with input_ids (order kept; text columns dropped)."""
    rows = datasets.load_from_disk(str(folder))
    keep = {"input_ids", "attention_mask", "dp_bucket"}
    return rows.map(
        lambda batch: tokenizer(batch["text"], truncation=True, max_length=max_length),
        batched=True,
        remove_columns=[c for c in rows.column_names if c not in keep],
    )


def collate(tokenizer):
    """Pad a list of examples; labels ignore padding; ``group`` carries dp_bucket when present."""

    def pad(features: list[dict]) -> dict:
        groups = [f.pop("dp_bucket") for f in features if "dp_bucket" in f]
        batch = tokenizer.pad(features, return_tensors="pt")
        batch["labels"] = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
        if groups:
            batch["group"] = torch.tensor(groups)
        return batch

    return pad


def make_adaptive_trainer(base):
    """A Trainer subclass whose batches come from an AdaptiveBatchSampler and whose loss feeds
    the sampler's online rule."""

    class AdaptiveTrainer(base):
        def __init__(self, *args, batch_sampler: AdaptiveBatchSampler, **kwargs):
            super().__init__(*args, **kwargs)
            self.batch_sampler = batch_sampler

        def get_train_dataloader(self) -> DataLoader:
            return DataLoader(
                self.train_dataset, batch_sampler=self.batch_sampler, collate_fn=self.data_collator
            )

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            groups = inputs.pop("group")
            labels = inputs.pop("labels")
            outputs = model(**inputs)
            logits = outputs.logits[:, :-1].transpose(1, 2)
            targets = labels[:, 1:]
            token_loss = torch.nn.functional.cross_entropy(
                logits, targets, ignore_index=-100, reduction="none"
            )
            per_sample = token_loss.sum(1) / (targets != -100).sum(1).clamp(min=1)
            losses = AdaptiveSampler.mean_loss_by_group(groups.tolist(), per_sample.tolist())
            self.batch_sampler.update(losses)
            loss = per_sample.mean()
            return (loss, outputs) if return_outputs else loss

    return AdaptiveTrainer


def main(argv: list[str] | None = None) -> dict:
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments

    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="JSONL[.gz] with a text field"
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="local causal LM folder (None: a small GPT-2 built locally)",
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "out" / "hf_trainer", help="folder for data and runs"
    )
    parser.add_argument("--steps", type=int, help="training steps", default=200)
    parser.add_argument("--batch-size", type=int, help="sequences per step", default=16)
    parser.add_argument("--max-length", type=int, default=64, help="tokens per sequence")
    parser.add_argument(
        "--limit", type=int, default=None, help="use the first N documents (None: all)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the plan and the model")
    args = parser.parse_args(argv)

    texts = read_texts(args.data, limit=args.limit)
    scored, _ = split_and_score(texts, args.out)
    plan = dict(total_samples=args.steps * args.batch_size, batch_size=args.batch_size)
    ordered = schedule(scored, args.out / "curriculum", pacing="linear", seed=args.seed, **plan)
    buckets = schedule(
        scored, args.out / "buckets", pacing="random", epochs=1, num_buckets=GROUPS, seed=args.seed
    )
    model_path = str(args.model) if args.model else tiny_causal_lm(args.out / "base", texts)
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    training = dict(
        max_steps=args.steps,
        per_device_train_batch_size=args.batch_size,
        learning_rate=1e-3,
        logging_steps=max(1, args.steps // 5),
        save_strategy="no",
        report_to=[],
        use_cpu=not torch.cuda.is_available(),
        remove_unused_columns=False,
        seed=args.seed,
    )

    print("== (1) curriculum order: the scheduled rows as an iterable dataset, read in order")
    in_order = tokenized(ordered, tokenizer, args.max_length).to_iterable_dataset()
    torch.manual_seed(args.seed)
    trainer = Trainer(
        model=AutoModelForCausalLM.from_pretrained(model_path),
        args=TrainingArguments(output_dir=str(args.out / "run-curriculum"), **training),
        train_dataset=in_order,
        data_collator=collate(tokenizer),
    )
    curriculum_loss = trainer.train().training_loss

    print("== (2) adaptive mixture over difficulty quartiles (ODM)")
    sampler = AdaptiveSampler.from_arrow(
        buckets, "dp_bucket", rule="odm", floor=0.05, batch_size=args.batch_size, seed=args.seed
    )
    batch_sampler = AdaptiveBatchSampler(sampler, num_batches=args.steps)
    torch.manual_seed(args.seed)
    trainer = make_adaptive_trainer(Trainer)(
        model=AutoModelForCausalLM.from_pretrained(model_path),
        args=TrainingArguments(output_dir=str(args.out / "run-adaptive"), **training),
        train_dataset=tokenized(buckets, tokenizer, args.max_length),
        data_collator=collate(tokenizer),
        batch_sampler=batch_sampler,
    )
    adaptive_loss = trainer.train().training_loss
    weights = sampler.current_weights
    print(f"training loss: curriculum {curriculum_loss:.4f}, adaptive {adaptive_loss:.4f}")
    print("final weights by quartile:", {k: round(v, 3) for k, v in weights.items()})
    result = {
        "curriculum_loss": curriculum_loss,
        "adaptive_loss": adaptive_loss,
        "weights": sampler.report(),
    }
    (args.out / "hf_trainer.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
