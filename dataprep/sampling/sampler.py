"""The trainer-side adaptive sampler: draws rows group by group with mixture weights that an online
rule (ODM, DoReMi) updates from training losses. Pure numpy; it never imports torch.

How a draw works. Each group has its own epochs, and consumers (ranks x DataLoader workers) take
disjoint strides of each group epoch's permutation (``group_streams.GroupStreams``), so no row is
served twice across consumers within a group epoch. The group of each draw comes from the
consumer's own generator, seeded by (seed, consumer): a uniform u in [0, 1) is mapped through the
cumulative weights. Because u is drawn one double per sample, drawing n samples at once gives
exactly the same stream as n single draws: the stream depends on the seed, the consumer and the
weights in force at each draw, not on the batch size. A group with fewer rows than consumers has
no share for some consumers; those consumers never draw it (its weight is spread over their other
groups).

Resuming: ``state_dict()`` holds the weights, the rule state, the generator state, each group's
epoch and position, the counters and the weight history, all JSON-serializable;
``load_state_dict`` continues with exactly the stream an uninterrupted run would produce, provided
the same ``update`` calls follow at the same points.

Losses come back through ``update`` and ``update_excess`` (``feedback.LossFeedback``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from dataprep.errors import ConfigError
from dataprep.sampling.feedback import LossFeedback
from dataprep.sampling.group_streams import GroupStreams, seeded_rng
from dataprep.sampling.mixing import apply_floor, static_weights
from dataprep.sampling.online import OnlineRule
from dataprep.sampling.rules import make_rule

STATE_VERSION = 1


class _Encoded:
    """Group labels already encoded: sorted distinct values and one code per row."""

    def __init__(self, values: list, codes: np.ndarray) -> None:
        self.values = values
        self.codes = codes


class AdaptiveSampler(LossFeedback):
    """Draws row indices by group with adaptive mixture weights.

    Parameters:
        groups: one group label per row (strings or ints), e.g. a domain or source column.
        weights: initial weights: 'proportional' (default), 'uniform', 'temperature', 'unimax',
            or a dict group -> weight.
        temperature: T for weights='temperature' (p proportional to n^(1/T)); default 2.0.
        budget: total samples for weights='unimax' (required there).
        max_epochs: UniMax cap in passes over a group; default 1.0.
        rule: None (static weights, default), 'odm', 'doremi', or an ``OnlineRule`` instance
            (``dataprep.sampling.odm.ODM``, ``dataprep.sampling.doremi.DoReMi``).
        rule_params: keyword parameters for a rule given by name, e.g. ``{"alpha": 0.5,
            "warmup_steps": 2000}`` for 'odm', ``{"vocab_size": 50277}`` or
            ``{"reference_losses": {...}}`` for 'doremi'.
        floor: every weight stays >= floor; in [0, 1/K] for K groups (default 0.0).
        seed: seed of the group permutations and group choices (default 0).
        rank, world_size: this process's rank and the number of ranks (default 0 and 1).
        batch_size: rows per batch of ``batches()`` / ``iter_batches()`` (default 256).
        history_every: record the weights in ``weight_history`` every this many updates
            (default 1).
    """

    def __init__(
        self,
        groups: Sequence,
        *,
        weights: str | Mapping = "proportional",
        temperature: float = 2.0,
        budget: float | None = None,
        max_epochs: float = 1.0,
        rule: str | OnlineRule | None = None,
        rule_params: Mapping | None = None,
        floor: float = 0.0,
        seed: int = 0,
        rank: int = 0,
        world_size: int = 1,
        batch_size: int = 256,
        history_every: int = 1,
    ) -> None:
        self.weights = weights
        self.temperature = temperature
        self.budget = budget
        self.max_epochs = max_epochs
        self.rule = rule
        self.rule_params = rule_params
        self.floor = floor
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.batch_size = batch_size
        self.history_every = history_every
        self.rows_ = None  # ArrowRows when built by from_arrow
        if isinstance(groups, _Encoded):
            self._setup(groups.values, groups.codes)
            return
        labels = np.asarray(groups)
        if labels.ndim != 1 or len(labels) == 0:
            raise ConfigError(
                "The 'groups' parameter of AdaptiveSampler must be a non-empty 1-D list."
            )
        values, codes = np.unique(labels, return_inverse=True)
        self._setup(values.tolist(), codes.astype(np.int32))

    @classmethod
    def from_arrow(cls, source, group_column: str, **params) -> AdaptiveSampler:
        """A sampler over a pyarrow Table, an Arrow file or a dataset folder (our OUT or OUT/data,
        a ``save_to_disk`` folder), read memory-mapped; ``params`` as for the constructor. The rows
        are kept in ``rows_`` for ``iter_batches``."""
        import pyarrow.compute as pc

        from dataprep.sampling.arrow_rows import open_arrow

        rows = open_arrow(source)
        column = rows.column(group_column)
        if column.null_count:
            raise ConfigError(f"The group column {group_column!r} has {column.null_count} nulls.")
        values = pc.unique(column).sort()
        codes = pc.index_in(column, value_set=values).to_numpy().astype(np.int32)
        sampler = cls(_Encoded(values.to_pylist(), codes), **params)
        sampler.rows_ = rows
        return sampler

    # -- set-up -------------------------------------------------------------------------------

    def _bad(self, param: str, expected: str, got) -> ConfigError:
        return ConfigError(
            f"The {param!r} parameter of AdaptiveSampler must be {expected}. Got {got!r} instead."
        )

    def _check_params(self, k: int) -> None:
        for name in ("seed", "rank"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 0:
                raise self._bad(name, "an int >= 0", value)
        for name in ("world_size", "batch_size", "history_every"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 1:
                raise self._bad(name, "an int >= 1", value)
        if self.rank >= self.world_size:
            raise self._bad("rank", f"below world_size={self.world_size}", self.rank)
        floor = self.floor
        if not isinstance(floor, int | float) or not 0 <= floor <= 1.0 / k:
            raise self._bad("floor", "in [0, 1/K]", floor)
        methods = ("proportional", "uniform", "temperature", "unimax")
        if not isinstance(self.weights, Mapping) and self.weights not in methods:
            raise self._bad("weights", f"one of {', '.join(methods)} or a dict", self.weights)

    def _setup(self, groups: list, codes: np.ndarray) -> None:
        k = len(groups)
        self._check_params(k)
        self.groups_ = groups
        self.group_codes_ = codes
        self._streams = GroupStreams(codes, k, self.seed, self.rank, self.world_size)
        self.sizes_ = self._streams.sizes
        self._index = {g: i for i, g in enumerate(groups)} | {
            str(g): i for i, g in enumerate(groups)
        }
        sizes = dict(zip(groups, self.sizes_.tolist(), strict=True))
        method = "given" if isinstance(self.weights, Mapping) else self.weights
        try:
            initial = static_weights(
                sizes,
                method,
                weights=self.weights if method == "given" else None,
                temperature=self.temperature,
                budget=self.budget,
                max_epochs=self.max_epochs,
            )
        except ConfigError as error:
            raise ConfigError(
                str(error).replace("of static_weights", "of AdaptiveSampler")
            ) from None
        self.initial_weights_ = np.array([initial[g] for g in groups])
        self.rule_ = copy.deepcopy(make_rule(self.rule, self.rule_params, "AdaptiveSampler"))
        if self.rule_ is not None:
            self.rule_.check_params(groups)
            self.rule_.start(groups, self.initial_weights_)
        self._rng = seeded_rng(self.seed, 1, self.rank)
        self.samples_ = 0
        self.updates_ = 0
        self.weight_history = []
        self._set_policy(self.initial_weights_, record=True)

    def shard(
        self,
        worker: int = 0,
        num_workers: int = 1,
        *,
        rank: int | None = None,
        world_size: int | None = None,
    ) -> AdaptiveSampler:
        """A copy serving as DataLoader worker ``worker`` of ``num_workers`` on ``rank`` of
        ``world_size`` (default: this sampler's): consumer rank * num_workers + worker of
        world_size * num_workers, at the start of its stream, with the current weights."""
        rank = self.rank if rank is None else rank
        world_size = self.world_size if world_size is None else world_size
        if not 0 <= worker < num_workers:
            raise self._bad("worker", f"in [0, {num_workers})", worker)
        if not 0 <= rank < world_size:
            raise self._bad("rank", f"in [0, {world_size})", rank)
        clone = copy.copy(self)
        clone.rule_ = copy.deepcopy(self.rule_)
        clone.weight_history = list(self.weight_history)
        consumer = rank * num_workers + worker
        clone._streams = self._streams.for_consumer(consumer, world_size * num_workers)
        clone._rng = seeded_rng(self.seed, 1, consumer)
        clone.samples_ = 0
        clone._set_policy(self._policy, record=False)
        return clone

    # -- weights ------------------------------------------------------------------------------

    @property
    def current_weights(self) -> dict:
        """Group -> the weight it is sampled with now."""
        return dict(zip(self.groups_, self.weights_.tolist(), strict=True))

    def _set_policy(self, policy: np.ndarray, *, record: bool) -> None:
        self._policy = np.asarray(policy, dtype=np.float64)
        self.weights_ = apply_floor(self._policy, self.floor)
        servable = np.array([self._streams.share(g) > 0 for g in range(len(self.groups_))])
        effective = np.where(servable, self.weights_, 0.0)
        if effective.sum() <= 0:
            effective = servable.astype(np.float64)
        cumulative = np.cumsum(effective)
        self._cumulative = cumulative / cumulative[-1]
        if record:
            self.weight_history.append(
                {
                    "update": self.updates_,
                    "samples": self.samples_,
                    "weights": self.weights_.tolist(),
                }
            )

    def set_weights(self, weights: Sequence[float]) -> None:
        """Sample with these weights from now on (floor applied), without running the rule; used
        by DataLoader workers that receive the weights the main process computed."""
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (len(self.groups_),):
            raise self._bad("weights", f"{len(self.groups_)} numbers", weights.tolist())
        self._set_policy(weights, record=False)

    # -- drawing ------------------------------------------------------------------------------

    def draw(self, n: int) -> np.ndarray:
        """The next ``n`` row indices of this consumer's stream (int64 array)."""
        choice = np.searchsorted(self._cumulative, self._rng.random(n), side="right")
        out = self._streams.take_for(choice)
        self.samples_ += n
        return out

    def __iter__(self) -> Iterator[int]:
        """Row indices, one at a time, without end (weights apply from the next draw)."""
        while True:
            yield int(self.draw(1)[0])

    def batches(self, num_batches: int | None = None) -> Iterator[np.ndarray]:
        """Arrays of ``batch_size`` row indices; without end when ``num_batches`` is None."""
        done = 0
        while num_batches is None or done < num_batches:
            yield self.draw(self.batch_size)
            done += 1

    def iter_batches(
        self,
        source=None,
        *,
        columns: list[str] | None = None,
        num_batches: int | None = None,
        format: str = "arrow",
    ) -> Iterator:
        """Batches of rows: pyarrow RecordBatches (format='arrow') or dicts of lists
        (format='pydict'), from ``source`` (a Table or dataset folder; default: the rows given to
        ``from_arrow``). ``columns`` selects columns (default all)."""
        from dataprep.sampling.arrow_rows import open_arrow

        if format not in ("arrow", "pydict"):
            raise ConfigError(
                f"The 'format' of iter_batches must be 'arrow' or 'pydict'. Got {format!r} instead."
            )
        rows = self.rows_ if source is None else open_arrow(source)
        if rows is None:
            raise ConfigError("iter_batches needs a source, or a sampler built with from_arrow.")
        if rows.num_rows != len(self.group_codes_):
            raise ConfigError(
                f"The source has {rows.num_rows} rows but the sampler has {len(self.group_codes_)}."
            )
        for indices in self.batches(num_batches):
            batch = rows.take(indices, columns)
            yield batch if format == "arrow" else batch.to_pydict()

    # -- state --------------------------------------------------------------------------------

    def state_dict(self) -> dict:
        """Everything needed to continue the stream exactly; JSON-serializable."""
        return {
            "version": STATE_VERSION,
            "groups": list(self.groups_),
            "sizes": self.sizes_.tolist(),
            "seed": self.seed,
            "consumer": self._streams.consumer,
            "consumers": self._streams.consumers,
            "floor": self.floor,
            "policy": self._policy.tolist(),
            "rule": None if self.rule_ is None else self.rule_.state_dict(),
            "rng": self._rng.bit_generator.state,
            **self._streams.state(),
            "samples": self.samples_,
            "updates": self.updates_,
            "history": copy.deepcopy(self.weight_history),
        }

    def load_state_dict(self, state: Mapping) -> None:
        """Continue from ``state_dict()`` output (of a sampler over the same groups and sizes)."""
        if state.get("version") != STATE_VERSION:
            raise ConfigError(
                f"The sampler state has version {state.get('version')!r}; expected {STATE_VERSION}."
            )
        if (
            list(state["groups"]) != list(self.groups_)
            or list(state["sizes"]) != self.sizes_.tolist()
        ):
            raise ConfigError("The sampler state was saved for other groups or group sizes.")
        streams = self._streams
        if (state["consumer"], state["consumers"], state["seed"]) != (
            streams.consumer,
            streams.consumers,
            self.seed,
        ):
            raise ConfigError(
                f"The sampler state is for consumer {state['consumer']} of {state['consumers']} "
                f"with seed {state['seed']}; this sampler is consumer {streams.consumer} of "
                f"{streams.consumers} with seed {self.seed}."
            )
        if (state["rule"] is None) != (self.rule_ is None):
            raise ConfigError("The sampler state and this sampler differ in having an online rule.")
        if self.rule_ is not None:
            self.rule_.load_state_dict(state["rule"])
        self._rng.bit_generator.state = copy.deepcopy(state["rng"])
        streams.load_state(state)
        self.samples_ = int(state["samples"])
        self.updates_ = int(state["updates"])
        self.weight_history = copy.deepcopy(list(state["history"]))
        self._set_policy(np.asarray(state["policy"]), record=False)

    def report(self) -> dict:
        """Groups, sizes, current and initial weights, counters and the weight history (JSON)."""
        return {
            "groups": [str(g) for g in self.groups_],
            "sizes": self.sizes_.tolist(),
            "initial_weights": self.initial_weights_.tolist(),
            "current_weights": self.weights_.tolist(),
            "rule": None if self.rule_ is None else self.rule_.name,
            "floor": self.floor,
            "samples": self.samples_,
            "updates": self.updates_,
            "history": copy.deepcopy(self.weight_history),
        }
