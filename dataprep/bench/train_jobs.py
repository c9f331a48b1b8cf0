"""One training run of ``dataprep bench train`` (an arm at a seed), run in a worker process.

The pool's texts and groups and the validation texts are sent once per worker (``start_worker``,
the process pool's initializer); a ``TrainJob`` carries only row numbers. Seed s sets the
model's initial weights (``torch.manual_seed(s)``), so seed s of every arm starts from the same
weights, and it seeds the arm's data draw.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np


@dataclass
class ModelSettings:
    """The benchmark model and optimiser (see dataprep.bench.tiny_lm): bytes per sample
    ``context`` (64), ``width`` (64), ``layers`` (2), AdamW ``learning_rate`` (3e-3). Sized so
    that the default benchmark (14 arms x 5 seeds) runs in under an hour on 2 CPU cores."""

    context: int = 64
    width: int = 64
    layers: int = 2
    learning_rate: float = 3e-3


@dataclass
class TrainJob:
    """One run. rows: pool positions in training order (a static arm); subset and rule: the
    pool positions an adaptive arm samples from and its online rule ('odm' or 'doremi');
    reference: the DoReMi reference model's weights (a state dict of numpy arrays);
    keep_model: return the trained weights (the random arm's, for the arms that need a
    reference model)."""

    arm: str
    seed: int
    steps: int
    batch_size: int
    eval_every: int
    model: ModelSettings
    rows: np.ndarray | None = None
    subset: np.ndarray | None = None
    rule: str | None = None
    rule_params: dict = field(default_factory=dict)
    floor: float = 0.0
    reference: dict | None = None
    keep_model: bool = False


class WorkerData:
    """What every job of a worker reads: pool texts, pool groups, validation texts."""

    texts: ClassVar[list[str]] = []
    groups: ClassVar[list[str]] = []
    valid: ClassVar[list[str]] = []


def start_worker(texts: list[str], groups: list[str], valid: list[str], threads: int) -> None:
    """Process-pool initializer: keep the data and set torch's thread count."""
    import torch

    torch.set_num_threads(threads)
    WorkerData.texts, WorkerData.groups, WorkerData.valid = texts, groups, valid


def new_model(settings: ModelSettings, seed: int):
    """The benchmark model with seed ``seed``'s initial weights, on CUDA when present."""
    import torch

    from dataprep.bench.tiny_lm import ByteTransformer

    torch.manual_seed(seed)
    model = ByteTransformer(context=settings.context, width=settings.width, layers=settings.layers)
    return model.to("cuda" if torch.cuda.is_available() else "cpu")


def model_from_state(settings: ModelSettings, state: dict):
    """A benchmark model with the weights of ``state`` (numpy arrays), in eval mode."""
    import torch

    model = new_model(settings, 0)
    model.load_state_dict({name: torch.from_numpy(value) for name, value in state.items()})
    return model.eval()


def run_job(job: TrainJob) -> dict:
    """Train one run; returns its curve (tiny_lm.Curve.to_dict), seconds, and for adaptive arms
    the sampler's weight report, for keep_model the weights."""
    from dataprep.bench.tiny_lm import train

    start = time.perf_counter()
    model = new_model(job.model, job.seed)
    texts = WorkerData.texts
    common = dict(
        steps=job.steps,
        valid_texts=WorkerData.valid,
        eval_every=job.eval_every,
        learning_rate=job.model.learning_rate,
    )
    result: dict = {"arm": job.arm, "seed": job.seed}
    if job.rule is None:
        batches = (
            [texts[i] for i in job.rows[s : s + job.batch_size]]
            for s in range(0, len(job.rows), job.batch_size)
        )
        curve = train(model, batches, **common)
    else:
        curve, result["weights"] = _train_adaptive(job, model, common)
    result["curve"] = curve.to_dict()
    result["seconds"] = round(time.perf_counter() - start, 1)
    if job.keep_model:
        result["model"] = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    return result


def _train_adaptive(job: TrainJob, model, common: dict):
    """Train with an AdaptiveSampler over the subset's groups; (curve, weight report)."""
    from dataprep.bench.tiny_lm import sampler_feedback, train
    from dataprep.sampling import AdaptiveSampler

    subset = job.subset
    labels = [WorkerData.groups[i] for i in subset]
    sampler = AdaptiveSampler(
        labels,
        rule=job.rule,
        rule_params=job.rule_params or None,
        floor=job.floor,
        batch_size=job.batch_size,
        seed=job.seed,
    )
    current: list = []

    def batches():
        for indices in sampler.batches():
            current[:] = [labels[i] for i in indices]
            yield [WorkerData.texts[subset[i]] for i in indices]

    reference = None
    if job.rule == "doremi":
        reference = model_from_state(job.model, job.reference)
    feedback = sampler_feedback(sampler, current, reference)
    return train(model, batches(), **feedback, **common), sampler.report()
