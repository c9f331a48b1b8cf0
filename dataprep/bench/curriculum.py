"""``dataprep bench curriculum``: does the order of the data help a small language model?

Trains the tiny byte-level LM of ``dataprep.bench.tiny_lm`` (the model of
``examples/train_tiny_lm.py``) from the same initial weights, at the same step budget, once per
data order: random order, every pacing function of ``dataprep schedule``, and adaptive mixing
over difficulty quartiles (ODM). It records each validation-loss curve and the first evaluated
step at which each run reaches the random-order run's final validation loss.

Writes OUT/results.json, OUT/report.md and OUT/curriculum.png.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dataprep.bench.common import read_texts, write_results
from dataprep.errors import ConfigError
from dataprep.schedule.curriculum import PACINGS, Curriculum
from dataprep.schedule.run import ScheduleRun

ADAPTIVE = ("odm", "doremi")
QUARTILES = 4


def split_and_score(texts: Sequence[str], out: Path) -> tuple[Path, list[str]]:
    """Every 10th text is validation; the others are scored with the default score recipe
    (as ``dataprep score``). Returns (the scored training data folder, validation texts)."""
    from dataprep.config import build_stages, builtin_recipe, load_recipe
    from dataprep.pipeline import Pipeline

    out.mkdir(parents=True, exist_ok=True)
    train_file = out / "train.jsonl"
    with train_file.open("w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            if i % 10:
                f.write(json.dumps({"id": f"doc{i}", "text": text}) + "\n")
    stages = build_stages(load_recipe(builtin_recipe("score/default.yaml"))["stages"])
    Pipeline(stages).run([str(train_file)], out / "scored", overwrite=True)
    return out / "scored" / "data", list(texts[::10])


def schedule(scored: Path, out: Path, **params) -> Path:
    """Write a curriculum over ``scored`` (as ``dataprep schedule``); returns its data folder."""
    ScheduleRun(Curriculum(**params)).run([str(scored)], out, overwrite=True)
    return out / "data"


@dataclass
class CurriculumBench:
    """Settings of the curriculum benchmark.

    steps: training steps of every run (default 200); batch_size: documents per step (32).
    orders: pacing functions to compare (default: all; 'random' is always included as the
        reference); adaptive: online mixing rules to add (default ('odm',)).
    eval_every: steps between validation losses (default 20).
    context, width, layers: the model (bytes per document 128, width 64, 2 layers): sized so
        that the whole benchmark runs in minutes on 2 CPU cores. Training uses CUDA when
        present; raise steps, width and context there.
    limit: use only the first N documents (default: all); seed: data order and init (0).
    valid_limit: validation documents evaluated (default 256, the first of the held-out tenth).
    """

    steps: int = 200
    batch_size: int = 32
    orders: tuple[str, ...] = PACINGS
    adaptive: tuple[str, ...] = ("odm",)
    eval_every: int = 20
    context: int = 128
    width: int = 64
    layers: int = 2
    limit: int | None = None
    seed: int = 0
    valid_limit: int = 256

    def check(self) -> None:
        for order in self.orders:
            if order not in PACINGS:
                raise ConfigError(f"Unknown order {order!r}; choose among {', '.join(PACINGS)}.")
        for rule in self.adaptive:
            if rule not in ADAPTIVE:
                raise ConfigError(f"Unknown adaptive rule {rule!r}; choose among odm, doremi.")
        if self.steps < 1 or self.batch_size < 1 or self.eval_every < 1:
            raise ConfigError("steps, batch_size and eval_every must be at least 1.")


def run_curriculum_bench(
    data: str | Path,
    out: str | Path,
    bench: CurriculumBench,
    *,
    text_column: str = "text",
    log=print,
    command: str | None = None,
) -> dict:
    """Run every order on ``data`` and write OUT/results.json, report.md and curriculum.png.
    ``command``: the command line to record in results.json (default: none)."""
    import torch

    from dataprep.bench.tiny_lm import ByteTransformer, Curve, train

    bench.check()
    out = Path(out)
    texts = read_texts(data, text_column, bench.limit)
    scored, valid = split_and_score(texts, out / "work")
    train_documents = len(texts) - len(valid)
    valid = valid[: bench.valid_limit]
    samples = bench.steps * bench.batch_size

    def fresh_model() -> ByteTransformer:
        torch.manual_seed(bench.seed)
        model = ByteTransformer(context=bench.context, width=bench.width, layers=bench.layers)
        return model.to("cuda" if torch.cuda.is_available() else "cpu")

    common = dict(steps=bench.steps, valid_texts=valid, eval_every=bench.eval_every)
    runs: dict[str, dict] = {}
    orders = ["random"] + [o for o in bench.orders if o != "random"]
    for order in orders:
        folder = schedule(
            scored,
            out / "work" / order,
            pacing=order,
            total_samples=samples,
            batch_size=bench.batch_size,
            seed=bench.seed,
        )
        log(f"== {order}")
        start = time.perf_counter()
        model = fresh_model()
        curve = train(model, in_order_batches(folder, bench.batch_size), log=log, **common)
        runs[order] = {**curve.to_dict(), "seconds": round(time.perf_counter() - start, 1)}
        if order == "random":
            random_model = model  # DoReMi's reference: trained on the natural mixture
    for rule in bench.adaptive:
        log(f"== adaptive ({rule})")
        start = time.perf_counter()
        curve, weights = _train_adaptive(
            rule, scored, out, bench, fresh_model, random_model, common, log
        )
        runs[f"adaptive_{rule}"] = {
            **curve.to_dict(),
            "seconds": round(time.perf_counter() - start, 1),
            "weights": weights,
        }
    target = runs["random"]["eval_loss"][-1]
    for run in runs.values():
        run["final_loss"] = run["eval_loss"][-1]
        run["step_reaching_random_final"] = Curve(
            run["eval_steps"], run["eval_loss"]
        ).first_step_reaching(target)
    results = {
        "command": command,
        "settings": {
            **bench.__dict__,
            "orders": orders,
            "data": str(data),
            "train_documents": train_documents,
            "valid_documents": len(valid),
        },
        "random_final_loss": target,
        "runs": runs,
    }
    write_results(out, results, report_markdown(results), indent=2)
    plot_curves(results, out / "curriculum.png")
    shutil.rmtree(out / "work")  # the scored and scheduled copies of the corpus
    return results


def in_order_batches(folder: Path, batch_size: int):
    """The texts of a scheduled dataset (``OUT/data``: Arrow or Parquet shards) in the order
    written, ``batch_size`` at a time."""
    from dataprep.sampling.arrow_rows import open_arrow

    texts = open_arrow(folder).column("text")
    for start in range(0, len(texts), batch_size):
        yield texts.slice(start, batch_size).to_pylist()


def _train_adaptive(rule, scored, out, bench, fresh_model, reference, common, log):
    """Train with an AdaptiveSampler over difficulty quartiles; returns (curve, weight report).
    DoReMi's reference is ``reference``, the random-order model: its per-token losses on each
    batch give the excess loss (``AdaptiveSampler.update_excess``)."""
    from dataprep.bench.tiny_lm import VOCAB, sampler_feedback, train
    from dataprep.sampling import AdaptiveSampler

    buckets = schedule(
        scored,
        out / "work" / "quartiles",
        pacing="random",
        epochs=1,
        num_buckets=QUARTILES,
        seed=bench.seed,
    )
    rule_params = {"vocab_size": VOCAB} if rule == "doremi" else None
    sampler = AdaptiveSampler.from_arrow(
        buckets,
        "dp_bucket",
        rule=rule,
        rule_params=rule_params,
        floor=0.05,
        batch_size=bench.batch_size,
        seed=bench.seed,
    )
    groups: list = []

    def batches():
        for batch in sampler.iter_batches(columns=["text", "dp_bucket"], format="pydict"):
            groups[:] = batch["dp_bucket"]
            yield batch["text"]

    feedback = sampler_feedback(sampler, groups, reference if rule == "doremi" else None)
    curve = train(fresh_model(), batches(), log=log, **feedback, **common)
    return curve, sampler.report()


def report_markdown(results: dict) -> str:
    """The results as a Markdown table, best final loss first, relative to random order."""
    settings = results["settings"]
    target = results["random_final_loss"]
    lines = [
        "# Curriculum benchmark",
        "",
        f"Data: `{settings['data']}` ({settings['train_documents']:,} training and "
        f"{settings['valid_documents']:,} validation documents evaluated). "
        f"{settings['steps']} steps of {settings['batch_size']} documents; byte-level "
        f"Transformer (context {settings['context']}, width {settings['width']}, "
        f"{settings['layers']} layers), the same initial weights for every run. "
        "Validation loss in nats per byte.",
        "",
        "| order | final validation loss | vs random | step reaching random's final loss "
        "| seconds |",
        "|---|---|---|---|---|",
    ]
    ranked = sorted(results["runs"].items(), key=lambda item: item[1]["final_loss"])
    for name, run in ranked:
        step = run["step_reaching_random_final"]
        lines.append(
            f"| {name} | {run['final_loss']:.4f} | {run['final_loss'] - target:+.4f} | "
            f"{'not reached' if step is None else step} | {run['seconds']} |"
        )
    return "\n".join(lines) + "\n"


def plot_curves(results: dict, path: Path) -> None:
    """Validation loss against step for every run, random order drawn thick."""
    from dataprep.bench.plots import loss_curves_plot

    loss_curves_plot(
        {name: (run["eval_steps"], run["eval_loss"]) for name, run in results["runs"].items()},
        path,
        reference_loss=results["random_final_loss"],
        title="Tiny LM: data order at the same step budget",
    )
