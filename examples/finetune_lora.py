"""Parameter-efficient fine-tuning (PEFT LoRA) of a small causal LM on a curriculum-ordered
dataset, reading the rows in the scheduled order.

    python examples/finetune_lora.py                         # a small local GPT-2, tinyshakespeare
    python examples/finetune_lora.py --model path/to/local/causal-lm --pacing root

--model is any local Hugging Face causal LM folder (nothing is downloaded). Without one, a small
GPT-2 with random weights and a tokenizer trained on the corpus is built locally, so the example
runs offline anywhere; the mechanics (LoRA adapters on the attention projections, only those
trained, adapter saved and reloaded) are the same as with real weights.
Needs: pip install torch==2.13.0 && pip install -e ".[train]"
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import datasets
import torch
from common import DEFAULT_DATA, REPO, read_texts, schedule, split_and_score, tiny_causal_lm

from dataprep.schedule.curriculum import PACINGS


def tokenize(texts: list[str], tokenizer, max_length: int) -> dict:
    """A padded batch with labels (padding ignored by the loss)."""
    encoded = tokenizer(
        texts, truncation=True, max_length=max_length, padding=True, return_tensors="pt"
    )
    labels = encoded["input_ids"].masked_fill(encoded["attention_mask"] == 0, -100)
    return {**encoded, "labels": labels}


def batches_in_order(folder: Path, tokenizer, batch_size: int, max_length: int):
    """Tokenized batches of the scheduled rows, in the order written (one step each)."""
    rows = datasets.load_from_disk(str(folder))
    for start in range(0, len(rows), batch_size):
        yield tokenize(rows[start : start + batch_size]["text"], tokenizer, max_length)


@torch.no_grad()
def validation_loss(model, tokenizer, texts: list[str], max_length: int) -> float:
    """Mean loss over batches of 32 validation texts."""
    model.eval()
    losses = [
        model(**tokenize(texts[start : start + 32], tokenizer, max_length)).loss.item()
        for start in range(0, len(texts), 32)
    ]
    model.train()
    return sum(losses) / len(losses)


def main(argv: list[str] | None = None) -> dict:
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

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
        "--out", type=Path, default=REPO / "out" / "lora", help="folder for the data and adapter"
    )
    parser.add_argument("--pacing", choices=PACINGS, default="linear", help="curriculum pacing")
    parser.add_argument("--steps", type=int, help="training steps", default=200)
    parser.add_argument("--batch-size", type=int, help="sequences per step", default=16)
    parser.add_argument("--max-length", type=int, default=64, help="tokens per sequence")
    parser.add_argument("--rank", type=int, default=8, help="LoRA rank r")
    parser.add_argument(
        "--limit", type=int, default=None, help="use the first N documents (None: all)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the plan and the model")
    args = parser.parse_args(argv)

    texts = read_texts(args.data, limit=args.limit)
    scored, valid = split_and_score(texts, args.out)
    ordered = schedule(
        scored,
        args.out / "curriculum",
        pacing=args.pacing,
        total_samples=args.steps * args.batch_size,
        batch_size=args.batch_size,
        seed=args.seed,
    )
    model_path = str(args.model) if args.model else tiny_causal_lm(args.out / "base", texts)
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    torch.manual_seed(args.seed)
    base = AutoModelForCausalLM.from_pretrained(model_path)
    lora = LoraConfig(
        r=args.rank,
        lora_alpha=2 * args.rank,
        lora_dropout=0.0,
        task_type="CAUSAL_LM",
        fan_in_fan_out=base.config.model_type == "gpt2",  # GPT-2 keeps its weights transposed
    )
    model = get_peft_model(base, lora)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    print(f"LoRA r={args.rank}: {trainable:,} of {total:,} parameters trainable")

    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-3)
    valid = valid[:256]
    before = validation_loss(model, tokenizer, valid, args.max_length)
    losses = []
    batches = batches_in_order(ordered, tokenizer, args.batch_size, args.max_length)
    for step, batch in enumerate(batches):
        loss = model(**batch).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if (step + 1) % 50 == 0 or step + 1 == args.steps:
            print(f"step {step + 1:4d}  train loss {loss.item():.4f}")
    after = validation_loss(model, tokenizer, valid, args.max_length)
    model.save_pretrained(args.out / "adapter")
    reloaded = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(model_path), args.out / "adapter"
    )
    check = validation_loss(reloaded, tokenizer, valid, args.max_length)
    print(
        f"validation loss {before:.4f} -> {after:.4f} after {len(losses)} steps; adapter saved "
        f"to {args.out / 'adapter'} (reloaded: {check:.4f})"
    )
    result = {
        "trainable": trainable,
        "total": total,
        "before": before,
        "after": after,
        "reloaded": check,
        "train_loss": losses,
    }
    (args.out / "lora.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
