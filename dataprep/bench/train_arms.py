"""The arms of ``dataprep bench train``: how each one turns the raw pool into the rows a model
trains on, through dataprep's own stages and commands.

Every arm trains on the same number of samples (steps x batch size). Selection arms keep a
subset of the pool and train on it in shuffled epochs; curriculum arms order the random arm's
subset; adaptive arms sample the random arm's subset by group with online mixture weights.

- ``random``: the ``random`` stage keeps ``fraction`` of the pool (seeded).
- ``filter``: the default ``dataprep filter`` recipe (quality rules, exact and MinHash dedup);
  when it keeps more than the budget, a seeded random subset of the budget.
- ``dsir``: the ``dsir`` stage with the target sample (Xie et al. 2023), at the budget.
- ``perplexity_low|middle|high``: the ``perplexity_band`` stage (Ankner et al. 2024) on the
  perplexity of a reference model: the random arm's model of the same seed, trained on a random
  subset of the pool as in the paper.
- ``semdedup``: the ``semantic_dedup`` stage (Abbas et al. 2023); then a random subset of the
  budget when more is kept. ``d4``: the ``d4`` stage (Tirumala et al. 2023) at the budget.
- ``linear|root|exponential|baby_steps|sorted|anti``: the random subset scored by the default
  ``dataprep score`` recipe and ordered by ``dataprep schedule`` with that pacing.
- ``odm|doremi``: the random subset sampled by ``AdaptiveSampler`` over the pool's groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa

from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.select.base import budget_rows

SELECTION = ("random", "filter", "dsir", "semdedup", "d4")
PERPLEXITY = ("perplexity_low", "perplexity_middle", "perplexity_high")
PACED = ("linear", "root", "exponential", "baby_steps", "sorted", "anti")
ADAPTIVE = ("odm", "doremi")
ARMS = SELECTION + PERPLEXITY + PACED + ADAPTIVE
REFERENCE_COLUMN = "dp_score_reference_perplexity"


@dataclass
class Pool:
    """The raw pool: one id, text and group per row, and the file it was read from."""

    path: Path
    ids: list[str]
    texts: list[str]
    groups: list[str]
    position: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.position = {row_id: i for i, row_id in enumerate(self.ids)}
        if len(self.position) != len(self.ids):
            raise ConfigError(f"{self.path}: the ids of the pool are not unique.")

    def positions(self, ids) -> np.ndarray:
        return np.fromiter((self.position[i] for i in ids), dtype=np.int64)

    def write_subset(self, rows: np.ndarray, path: Path, extra: dict | None = None) -> Path:
        """Write the pool rows ``rows`` (with ``extra`` columns) as a Parquet file."""
        import pyarrow.parquet as pq

        columns = {
            "id": [self.ids[i] for i in rows],
            "text": [self.texts[i] for i in rows],
            "source": [self.groups[i] for i in rows],
        }
        for name, values in (extra or {}).items():
            columns[name] = np.asarray(values)[rows]
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(columns), path)
        return path


@dataclass
class Plan:
    """What one (arm, seed) trains on.

    rows: pool positions in training order (steps x batch size of them), or None for an
    adaptive arm; subset: the pool positions an adaptive arm samples from; unique: distinct rows
    the arm may train on; prep_seconds: time spent preparing them.
    """

    arm: str
    seed: int
    rows: np.ndarray | None = None
    subset: np.ndarray | None = None
    unique: int = 0
    prep_seconds: float = 0.0


def recipe_stages(relative: str):
    """The stages of a recipe shipped with the package (configs/<relative>)."""
    from dataprep.config import build_stages, load_recipe

    path = Path(str(resources.files("dataprep.recipes").joinpath(relative)))
    return build_stages(load_recipe(path)["stages"])


def kept_ids(out: Path) -> list[str]:
    """The ids of a dataprep output folder's kept rows (OUT/data), in the order written."""
    from dataprep.sampling.arrow_rows import open_arrow

    return open_arrow(out / "data").column("id").to_pylist()


def run_stages(
    stages, inputs: list[Path], out: Path, encoder: EncoderSettings | None = None
) -> list[str]:
    """Run a dataprep pipeline of ``stages`` over ``inputs`` into ``out``, with the run's
    ``encoder`` settings (default: the defaults); the kept ids."""
    from dataprep.pipeline import Pipeline
    from dataprep.settings import RunSettings

    pipeline = Pipeline(stages, settings=RunSettings(), encoder=encoder or EncoderSettings())
    pipeline.run([str(p) for p in inputs], out, overwrite=True)
    return kept_ids(out)


def shuffled_epochs(rows: np.ndarray, samples: int, seed: int) -> np.ndarray:
    """``samples`` rows: a seeded permutation of ``rows``, then another, ... (epochs)."""
    rng = np.random.default_rng([seed, 7])
    epochs = -(-samples // max(1, len(rows)))
    return np.concatenate([rng.permutation(rows) for _ in range(epochs)])[:samples]


def at_most(rows: np.ndarray, budget: int, seed: int) -> np.ndarray:
    """``rows`` when there are at most ``budget`` of them, else a seeded random ``budget``."""
    if len(rows) <= budget:
        return rows
    rng = np.random.default_rng([seed, 8])
    return np.sort(rng.choice(rows, size=budget, replace=False))


class ArmBuilder:
    """Prepares the plans of every arm for one run of the benchmark.

    pool: the raw pool; work: scratch folder; samples: steps x batch size; batch_size;
    fraction: the selection budget as a share of the pool; target: the DSIR target sample (a
    file or folder, or None); embed_cache: the embedding cache folder of semdedup and d4.
    """

    def __init__(
        self,
        pool: Pool,
        work: Path,
        *,
        samples: int,
        batch_size: int,
        fraction: float,
        target: str | None,
        embed_cache: Path,
    ) -> None:
        self.pool = pool
        self.work = work
        self.samples = samples
        self.batch_size = batch_size
        self.fraction = fraction
        # The stages' own rounding (half up, at least 1), as an int: a float budget of 1.0 is
        # not a valid coreset budget, and Python's round() rounds 2.5 to 2 where they keep 3.
        self.budget = budget_rows(float(fraction), len(pool.ids))
        self.target = target
        # The model trains on a document's first context + 1 bytes: embedding more of it would
        # deduplicate on text the model never sees. 64 word pieces cover those bytes.
        self.encoder = EncoderSettings(cache_dir=str(embed_cache), max_seq_length=64)
        self._random: dict[int, np.ndarray] = {}
        self._filter_kept: np.ndarray | None = None

    def folder(self, arm: str, seed: int) -> Path:
        return self.work / f"{arm}-seed{seed}"

    def random_subset(self, seed: int) -> np.ndarray:
        """The random arm's subset of seed ``seed`` (pool positions, in pool order)."""
        if seed not in self._random:
            from dataprep.select.simple import RandomSelect

            stage = RandomSelect(budget=self.budget, seed=seed)
            ids = run_stages([stage], [self.pool.path], self.folder("random", seed))
            self._random[seed] = np.sort(self.pool.positions(ids))
        return self._random[seed]

    def selected(self, arm: str, seed: int) -> np.ndarray:
        """Pool positions kept by a selection arm (before the budget cap)."""
        if arm == "random":
            return self.random_subset(seed)
        if arm == "filter":
            if self._filter_kept is None:  # deterministic: one run serves every seed
                ids = run_stages(
                    recipe_stages("filter/default.yaml"), [self.pool.path], self.folder("filter", 0)
                )
                self._filter_kept = self.pool.positions(ids)
            return self._filter_kept
        from dataprep.registry import get as get_stage

        if arm == "dsir":
            if self.target is None:
                raise ConfigError.naming(
                    lambda arg: f"The dsir arm needs a target sample ({arg('target')})."
                )
            stage = get_stage("dsir")(target=str(self.target), fraction=self.fraction, seed=seed)
        elif arm == "semdedup":
            stage = get_stage("semantic_dedup")(seed=seed)
        elif arm == "d4":
            stage = get_stage("d4")(budget=self.budget, seed=seed)
        else:
            raise ConfigError(f"{arm} is not a selection arm.")
        out = self.folder(arm, seed)
        return self.pool.positions(run_stages([stage], [self.pool.path], out, self.encoder))

    def perplexity(self, arm: str, seed: int, reference_perplexity: np.ndarray) -> np.ndarray:
        """Pool positions kept by perplexity_<band>, given every pool row's reference
        perplexity."""
        from dataprep.registry import get as get_stage

        band = arm.removeprefix("perplexity_")
        scored = self.pool.write_subset(
            np.arange(len(self.pool.ids)),
            self.work / f"reference-seed{seed}.parquet",
            {REFERENCE_COLUMN: reference_perplexity},
        )
        stage = get_stage("perplexity_band")(
            score_column=REFERENCE_COLUMN, band=band, fraction=self.fraction
        )
        return self.pool.positions(run_stages([stage], [scored], self.folder(arm, seed)))

    def paced(self, pacing: str, seed: int) -> np.ndarray:
        """The random subset in the order ``dataprep schedule --pacing <pacing>`` writes."""
        from dataprep.pipeline import Pipeline
        from dataprep.schedule.curriculum import Curriculum
        from dataprep.schedule.run import ScheduleRun

        scored = self.work / f"scored-seed{seed}"
        if not (scored / "manifest.json").is_file():
            subset = self.pool.write_subset(
                self.random_subset(seed), self.work / f"subset-seed{seed}.parquet"
            )
            Pipeline(recipe_stages("score/default.yaml")).run([str(subset)], scored, overwrite=True)
        out = self.folder(pacing, seed)
        curriculum = Curriculum(
            pacing=pacing, total_samples=self.samples, batch_size=self.batch_size, seed=seed
        )
        ScheduleRun(curriculum).run([str(scored / "data")], out, overwrite=True)
        return self.pool.positions(kept_ids(out))

    def plan(self, arm: str, seed: int, reference_perplexity: np.ndarray | None = None) -> Plan:
        """The plan of (arm, seed); perplexity arms need ``reference_perplexity``."""
        import time

        start = time.perf_counter()
        plan = Plan(arm, seed)
        if arm in ADAPTIVE:
            plan.subset = self.random_subset(seed)
            plan.unique = len(plan.subset)
        elif arm in PACED:
            plan.rows = self.paced(arm, seed)
            plan.unique = len(np.unique(plan.rows))
        else:
            if arm in PERPLEXITY:
                kept = self.perplexity(arm, seed, reference_perplexity)
            else:
                kept = self.selected(arm, seed)
            if len(kept) == 0:
                raise ConfigError(f"The {arm} arm kept no row of the pool at seed {seed}.")
            kept = at_most(kept, self.budget, seed)
            plan.rows = shuffled_epochs(kept, self.samples, seed)
            plan.unique = len(kept)
        plan.prep_seconds = round(time.perf_counter() - start, 2)
        return plan


def read_pool(path: str | Path, text_column: str, group_column: str) -> Pool:
    """The pool (any input dataprep reads) with its ids, texts and groups."""
    from dataprep.io.readers import open_corpus
    from dataprep.stage import ROW_COLUMN

    ids: list[str] = []
    texts: list[str] = []
    groups: list[str] = []
    corpus = open_corpus([str(path)], text_column=text_column)
    for batch in corpus.iter_batches():
        names = [name for name in batch.schema.names if name != ROW_COLUMN]  # internal column
        if group_column not in names:
            raise ConfigError(
                f"{path}: no group column {group_column!r}; the columns are {', '.join(names)}."
            )
        ids.extend(str(v) for v in batch.column("id").to_pylist())
        texts.extend(batch.column(text_column).to_pylist())
        groups.extend(str(v) for v in batch.column(group_column).to_pylist())
    return Pool(Path(path), ids, texts, groups)
