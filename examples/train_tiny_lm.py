"""Train a tiny byte-level language model on a curriculum-ordered dataset, then with the adaptive
sampler, and print both loss curves and the sampler's weight history.

    python examples/train_tiny_lm.py                       # tinyshakespeare, linear pacing
    python examples/train_tiny_lm.py --pacing baby_steps --rule doremi --steps 600
    python examples/train_tiny_lm.py --packed              # the curriculum as packed tokens

What it does, with dataprep's public API only:
1. splits the corpus (every 10th document is validation),
2. scores the training documents with the default score recipe (``dataprep score``),
3. writes a curriculum for the requested number of steps (``dataprep schedule``) and trains on it
   reading the rows in order, batch by batch,
4. trains a fresh model with an ``AdaptiveSampler`` over difficulty buckets (groups = quartiles of
   the difficulty), feeding each step's per-group losses to ``update`` (ODM), or the per-token
   losses of the model and of the curriculum model (the reference) on the same batch to
   ``update_excess`` (DoReMi).

With ``--packed``, step 4 is instead: tokenize the curriculum with a byte-level tokenizer (ids =
UTF-8 bytes, EOS = 256, the model's vocabulary; ``dataprep tokenize --seq-len context+1``), which
keeps its row order, and train a fresh model on the packed sequences read in order by
``PackedTokenDataset`` through a ``DataLoader``; its loss curve is printed next to the text-mode
curriculum's. Text mode trains on each document's first context + 1 bytes, padded; packed mode on
every byte of the documents, run together with EOS between them, at the same sequences per step.

Minutes on a laptop CPU at the defaults; needs torch (``pip install torch==2.13.0``).
Data: ``../shared/data/tinyshakespeare`` (or any JSONL[.gz] with a ``text`` field via --data).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from common import DEFAULT_DATA, REPO, read_texts, schedule, split_and_score
from torch.utils.data import DataLoader

from dataprep.bench.byte_tokenizer import write_byte_tokenizer
from dataprep.bench.curriculum import QUARTILES, in_order_batches
from dataprep.bench.tiny_lm import VOCAB, ByteTransformer, Curve, sampler_feedback, train
from dataprep.sampling import AdaptiveSampler, PackedTokenDataset
from dataprep.schedule.curriculum import PACINGS
from dataprep.settings import RunSettings
from dataprep.tokenize.run import TokenizeRun


def new_model(args) -> ByteTransformer:
    torch.manual_seed(args.seed)
    return ByteTransformer(context=args.context, width=args.width, layers=args.layers)


def train_packed(args, curriculum_data: Path, common: dict) -> Curve:
    """Tokenize the curriculum into sequences of context + 1 byte tokens (as ``dataprep tokenize
    --seq-len``) and train a fresh model on them in order; at most ``args.steps`` steps, fewer
    when the curriculum packs into fewer batches."""
    tokenizer = write_byte_tokenizer(args.out / "byte_tokenizer")
    packed = args.out / "packed"
    TokenizeRun(tokenizer, seq_len=args.context + 1, settings=RunSettings(progress=True)).run(
        [str(curriculum_data)], packed, overwrite=True
    )
    dataset = PackedTokenDataset(packed, batch_size=args.batch_size)
    loader = DataLoader(dataset, batch_size=args.batch_size)  # in order: no shuffling
    steps = min(args.steps, len(loader))
    print(f"== packed curriculum: {dataset.sequences} sequences of {dataset.seq_len} tokens")
    return train(new_model(args), loader, **{**common, "steps": steps})


def print_side_by_side(curriculum: Curve, packed: Curve) -> None:
    """The validation losses of the text-mode and packed curriculum runs, step by step."""
    print("== validation loss (nats/byte): step  curriculum (texts)  curriculum (packed)")
    packed_loss = dict(zip(packed.eval_steps, packed.eval_loss, strict=True))
    for step, loss in zip(curriculum.eval_steps, curriculum.eval_loss, strict=True):
        other = f"{packed_loss[step]:.4f}" if step in packed_loss else "-"
        print(f"{step:5d}  {loss:.4f}  {other}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="JSONL[.gz] with a text field"
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "out" / "tiny_lm", help="folder for data and curves"
    )
    parser.add_argument("--pacing", choices=PACINGS, default="linear", help="curriculum pacing")
    parser.add_argument(
        "--rule", choices=["odm", "doremi"], default="odm", help="the sampler's mixing rule"
    )
    parser.add_argument("--steps", type=int, help="training steps", default=300)
    parser.add_argument("--batch-size", type=int, help="sequences per step", default=32)
    parser.add_argument("--eval-every", type=int, default=50, help="steps between validations")
    parser.add_argument("--context", type=int, default=128, help="model context, in bytes")
    parser.add_argument("--width", type=int, default=64, help="model width")
    parser.add_argument("--layers", type=int, default=2, help="Transformer layers")
    parser.add_argument(
        "--limit", type=int, default=None, help="use the first N documents (None: all)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the plan and the model")
    parser.add_argument(
        "--packed", action="store_true", help="train on the curriculum as packed tokens instead"
    )
    args = parser.parse_args(argv)
    scored, valid = split_and_score(read_texts(args.data, limit=args.limit), args.out)
    curriculum_data = schedule(
        scored,
        args.out / "curriculum",
        pacing=args.pacing,
        total_samples=args.steps * args.batch_size,
        batch_size=args.batch_size,
        seed=args.seed,
    )
    common = dict(steps=args.steps, valid_texts=valid, eval_every=args.eval_every, log=print)

    print(f"== curriculum ({args.pacing}), {args.steps} steps of {args.batch_size}")
    reference = new_model(args)
    curriculum_curve = train(
        reference, in_order_batches(curriculum_data, args.batch_size), **common
    )
    if args.packed:
        packed_curve = train_packed(args, curriculum_data, common)
        print_side_by_side(curriculum_curve, packed_curve)
        result = {"curriculum": curriculum_curve.to_dict(), "packed": packed_curve.to_dict()}
        (args.out / "curves.json").write_text(json.dumps(result, indent=2) + "\n")
        return result

    # Each row once, with its difficulty quartile (dp_bucket) as the sampler's group.
    bucket_data = schedule(
        scored,
        args.out / "buckets",
        pacing="random",
        epochs=1,
        num_buckets=QUARTILES,
        seed=args.seed,
    )

    print(f"== adaptive sampler ({args.rule}) over difficulty quartiles")
    sampler = AdaptiveSampler.from_arrow(
        bucket_data,
        "dp_bucket",
        rule=args.rule,
        rule_params={"vocab_size": VOCAB} if args.rule == "doremi" else None,
        floor=0.05,
        batch_size=args.batch_size,
        seed=args.seed,
    )
    last_groups: list = []

    def sampled_batches():
        for batch in sampler.iter_batches(columns=["text", "dp_bucket"], format="pydict"):
            last_groups[:] = batch["dp_bucket"]
            yield batch["text"]

    # ODM: each group's mean loss; DoReMi: per-token excess over the curriculum model's losses.
    feedback = sampler_feedback(sampler, last_groups, reference if args.rule == "doremi" else None)
    adaptive_curve = train(new_model(args), sampled_batches(), **feedback, **common)

    print("== weight history (groups are difficulty quartiles, 0 = easiest)")
    history = sampler.weight_history
    for entry in history[:: max(1, len(history) // 8)] + history[-1:]:
        weights = "  ".join(f"{w:.3f}" for w in entry["weights"])
        print(f"update {entry['update']:5d}  samples {entry['samples']:7d}  weights {weights}")
    result = {
        "curriculum": curriculum_curve.to_dict(),
        "adaptive": adaptive_curve.to_dict(),
        "weights": sampler.report(),
    }
    (args.out / "curves.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"final validation loss: curriculum {curriculum_curve.eval_loss[-1]:.4f}, "
        f"adaptive {adaptive_curve.eval_loss[-1]:.4f} (nats/byte); curves in "
        f"{args.out / 'curves.json'}"
    )
    return result


if __name__ == "__main__":
    main()
