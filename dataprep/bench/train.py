"""``dataprep bench train``: does the prepared data train a better language model per sample?

One harness trains the same small causal LM (the byte-level Transformer of
``dataprep.bench.tiny_lm``) from scratch, for the same number of steps and samples, on data
prepared by each *arm* (``dataprep.bench.train_arms``: random subset, the default filter recipe,
DSIR, perplexity bands, SemDeDup, D4, every pacing function, ODM and DoReMi), at several seeds.
Seed s of every arm starts from the same initial weights. Validation is on a held-out target set.

For every arm it reports the final validation loss (mean and 95% Student-t interval over seeds),
its paired difference from the random arm, and the steps the arm's mean curve needs to reach the
random arm's mean final loss, with a paired bootstrap interval over seeds
(``dataprep.bench.train_stats``). Writes OUT/results.json (with the command, commit, library
versions and every curve), OUT/report.md and OUT/train.png. Uses CUDA when present.
"""

from __future__ import annotations

import math
import os
import shutil
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from dataprep.bench.common import read_texts, write_results
from dataprep.bench.train_arms import ADAPTIVE, ARMS, PERPLEXITY, ArmBuilder, read_pool
from dataprep.bench.train_jobs import (
    ModelSettings,
    TrainJob,
    model_from_state,
    run_job,
    start_worker,
)
from dataprep.bench.train_stats import mean_interval, paired_difference, steps_to_reach
from dataprep.errors import ConfigError

DEFAULT_ARMS = (
    "random",
    "filter",
    "dsir",
    "perplexity_low",
    "perplexity_middle",
    "perplexity_high",
    "semdedup",
    "d4",
    "linear",
    "root",
    "exponential",
    "baby_steps",
    "odm",
    "doremi",
)


@dataclass
class TrainBench:
    """Settings of the training benchmark.

    arms: arms to run (default DEFAULT_ARMS; 'random' is always run, as the reference).
    seeds: seeds 0..seeds-1 per arm (default 5). steps: training steps per run (300);
    batch_size: samples per step (32). fraction: the selection budget as a share of the pool
    (0.25). eval_every: steps between validation losses (15). valid_limit: validation texts
    evaluated, the first of the file (512). group_column: the pool's group column, the domains of
    ODM and DoReMi ('source'). floor: the adaptive sampler's weight floor (0.0).
    workers: training processes (default 2; 0 trains in this process).
    model: the model and learning rate (ModelSettings).
    """

    arms: tuple[str, ...] = DEFAULT_ARMS
    seeds: int = 5
    steps: int = 300
    batch_size: int = 32
    fraction: float = 0.25
    eval_every: int = 15
    valid_limit: int = 512
    group_column: str = "source"
    floor: float = 0.0
    workers: int = 2
    model: ModelSettings = field(default_factory=ModelSettings)

    def check(self) -> None:
        for arm in self.arms:
            if arm not in ARMS:
                raise ConfigError(f"Unknown arm {arm!r}; choose among {', '.join(ARMS)}.")
        for name in ("seeds", "steps", "batch_size", "eval_every", "valid_limit"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1. Got {getattr(self, name)}.")
        if not 0 < self.fraction <= 1:
            raise ConfigError(f"fraction must be in (0, 1]. Got {self.fraction} instead.")
        if self.workers < 0:
            raise ConfigError(f"workers must be at least 0. Got {self.workers} instead.")


class InlineExecutor:
    """An executor that runs each job at once in this process (workers = 0)."""

    def __init__(self, initializer, initargs) -> None:
        initializer(*initargs)

    def submit(self, fn, *args) -> Future:
        future: Future = Future()
        future.set_result(fn(*args))
        return future

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


def make_executor(workers: int, initargs: tuple):
    if workers == 0:
        return InlineExecutor(start_worker, initargs)
    import multiprocessing

    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=start_worker,
        initargs=initargs,
    )


def run_train_bench(
    pool_path: str | Path,
    valid_path: str | Path,
    out: str | Path,
    bench: TrainBench,
    *,
    target: str | Path | None = None,
    text_column: str = "text",
    command: str | None = None,
    log=print,
    keep_work: bool = False,
) -> dict:
    """Run every arm at every seed; write OUT/results.json, report.md and train.png."""
    from dataprep.bench.tiny_lm import VOCAB
    from dataprep.bench.train_report import plot_curves, report_markdown

    bench.check()
    arms = ["random"] + [arm for arm in bench.arms if arm != "random"]
    if "dsir" in arms and target is None:
        raise ConfigError.naming(
            lambda arg: f"The dsir arm needs a target sample: pass {arg('target')}."
        )
    out = Path(out)
    started = time.perf_counter()
    pool = read_pool(pool_path, text_column, bench.group_column)
    valid = read_texts(valid_path, text_column, bench.valid_limit)
    work = out / "work"
    builder = ArmBuilder(
        pool,
        work,
        samples=bench.steps * bench.batch_size,
        batch_size=bench.batch_size,
        fraction=bench.fraction,
        target=None if target is None else str(target),
        embed_cache=work / "embeddings",
    )
    threads = max(1, (os.cpu_count() or 1) // max(1, bench.workers))
    if bench.workers:
        import torch

        # The preparation here (embeddings, reference perplexities) runs beside the training
        # workers: more torch threads than free cores make every process spin and crawl.
        torch.set_num_threads(threads)
    runs: dict[str, dict[int, dict]] = {arm: {} for arm in arms}
    plans: dict[tuple[str, int], dict] = {}
    needs_reference = any(arm in PERPLEXITY or arm == "doremi" for arm in arms)

    def job(plan, **extra) -> TrainJob:
        plans[(plan.arm, plan.seed)] = {"unique": plan.unique, "prep_seconds": plan.prep_seconds}
        return TrainJob(
            plan.arm,
            plan.seed,
            bench.steps,
            bench.batch_size,
            bench.eval_every,
            bench.model,
            rows=plan.rows,
            subset=plan.subset,
            rule=plan.arm if plan.arm in ADAPTIVE else None,
            rule_params={"vocab_size": VOCAB} if plan.arm == "doremi" else {},
            floor=bench.floor,
            **extra,
        )

    seeds = range(bench.seeds)
    with make_executor(bench.workers, (pool.texts, pool.groups, valid, threads)) as executor:
        pending: list[Future] = []
        for seed in seeds:
            plan = builder.plan("random", seed)
            pending.append(executor.submit(run_job, job(plan, keep_model=needs_reference)))
        for arm in arms[1:]:
            if arm in PERPLEXITY or arm == "doremi":
                continue
            for seed in seeds:
                log(f"prepare {arm} seed {seed}")
                pending.append(executor.submit(run_job, job(builder.plan(arm, seed))))
        while pending:
            wait(pending, return_when=FIRST_COMPLETED)
            future = next(f for f in pending if f.done())  # the first in submission order
            pending.remove(future)
            result = future.result()
            model = result.pop("model", None)
            runs[result["arm"]][result["seed"]] = result
            final = result["curve"]["eval_loss"][-1]
            log(f"done {result['arm']} seed {result['seed']}: {final:.4f} ({result['seconds']} s)")
            if result["arm"] != "random" or model is None:
                continue
            seed = result["seed"]
            if any(arm in PERPLEXITY for arm in arms):
                perplexity = reference_perplexity(bench.model, model, pool.texts)
                for arm in (a for a in arms if a in PERPLEXITY):
                    plan = builder.plan(arm, seed, reference_perplexity=perplexity)
                    pending.append(executor.submit(run_job, job(plan)))
            if "doremi" in arms:
                plan = builder.plan("doremi", seed)
                pending.append(executor.submit(run_job, job(plan, reference=model)))
    results = summarize(runs, plans, arms, bench)
    results.update(
        command=command,
        provenance=provenance(),
        settings={
            **asdict(bench),
            "arms": arms,
            "pool": str(pool_path),
            "valid": str(valid_path),
            "target": None if target is None else str(target),
            "pool_documents": len(pool.ids),
            "pool_groups": dict(sorted(Counter(pool.groups).items())),
            "budget_rows": builder.budget,
            "valid_documents": len(valid),
        },
        seconds=round(time.perf_counter() - started, 1),
    )
    write_results(out, results, report_markdown(results), indent=1)
    plot_curves(results, out / "train.png")
    if not keep_work:
        shutil.rmtree(work, ignore_errors=True)
    return results


def reference_perplexity(settings: ModelSettings, state: dict, texts: list[str]) -> np.ndarray:
    """exp(mean next-byte loss) of every pool text under the reference model ``state``."""
    from dataprep.bench.tiny_lm import document_losses

    return np.exp(document_losses(model_from_state(settings, state), texts))


def finite(value: float) -> float | None:
    """JSON has no infinity: None stands for 'never reached'."""
    return None if math.isinf(value) else value


def summarize(runs: dict, plans: dict, arms: list[str], bench: TrainBench) -> dict:
    """Per arm: curves, final-loss interval, paired difference from random, steps to reach."""
    seeds = list(range(bench.seeds))
    steps = runs["random"][0]["curve"]["eval_steps"]
    random_finals = np.array([runs["random"][s]["curve"]["eval_loss"][-1] for s in seeds])
    summary: dict = {}
    for arm in arms:
        curves = np.array([runs[arm][s]["curve"]["eval_loss"] for s in seeds])
        finals = curves[:, -1]
        reach = steps_to_reach(steps, curves, random_finals)
        entry = {
            "final_loss": mean_interval(finals),
            "vs_random": paired_difference(finals, random_finals),
            "steps_to_random_final": {k: finite(v) for k, v in reach.items()},
            "unique_rows": [plans[(arm, s)]["unique"] for s in seeds],
            "prep_seconds": [plans[(arm, s)]["prep_seconds"] for s in seeds],
            "train_seconds": [runs[arm][s]["seconds"] for s in seeds],
            "mean_curve": [round(float(v), 5) for v in curves.mean(axis=0)],
            "runs": {str(s): runs[arm][s]["curve"] for s in seeds},
        }
        if arm in ADAPTIVE:
            entry["final_weights"] = {
                str(s): dict(
                    zip(
                        runs[arm][s]["weights"]["groups"],
                        np.round(runs[arm][s]["weights"]["current_weights"], 4).tolist(),
                        strict=True,
                    )
                )
                for s in seeds
            }
        summary[arm] = entry
    return {"eval_steps": steps, "random_final_loss": float(random_finals.mean()), "arms": summary}


def provenance() -> dict:
    """The commit, library versions and machine of this run."""
    import platform
    import subprocess

    import pyarrow
    import torch

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args],
                capture_output=True,
                text=True,
                check=True,
                cwd=Path(__file__).resolve().parent,
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--", ".")),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "pyarrow": pyarrow.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
    }
