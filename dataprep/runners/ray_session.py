"""Starting or joining Ray for the Ray runner (``--runner ray [--ray-address ADDR]``).

Without an address a local Ray instance is started with ``num_cpus`` CPUs (default: all), and
shut down when the run ends; with one (``auto``, ``ray://host:10001`` or ``host:6379``) the run
joins that cluster, whose nodes must have dataprep installed (``pip install dataprep[ray]``).
Ray Data keeps input order (``preserve_order``), so passes and fits see batches in input order
just as the local runner does.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass

from dataprep.errors import ConfigError

RAY_PIP_LINE = 'pip install "dataprep[ray]"'


def require_ray() -> None:
    """Raise ConfigError with the pip line when Ray Data is missing."""
    missing = [module for module in ("ray",) if importlib.util.find_spec(module) is None]
    if missing:
        raise ConfigError.naming(
            lambda arg: (
                f"{arg('runner', 'ray', of='RunSettings')} needs the {missing[0]!r} "
                f"package: {RAY_PIP_LINE}"
            )
        )


@dataclass
class RaySession:
    """A Ray connection for one run.

    address: the cluster to join (default None: start a local instance).
    num_cpus: CPUs of the local instance (default None: all of this machine's); ignored when
        joining a cluster.
    progress: show Ray Data's progress bars (default False).
    """

    address: str | None = None
    num_cpus: int | None = None
    progress: bool = False

    def __enter__(self) -> RaySession:
        import ray
        import ray.data
        import ray.data.context

        self._started = not ray.is_initialized()
        if self._started:
            os.environ.setdefault("RAY_DEDUP_LOGS", "0")
            ray.init(
                address=self.address,
                num_cpus=None if self.address else self.num_cpus,
                include_dashboard=False,
                log_to_driver=False,
                logging_level="ERROR",
                runtime_env={"env_vars": {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}},
            )
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        # Task-based sort shuffle: starts in well under a second, where the default hash
        # shuffle spends seconds starting its aggregator actors on every groupby.
        context.shuffle_strategy = ray.data.context.ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
        context.enable_progress_bars = self.progress
        context.print_on_execution_start = False
        return self

    def __exit__(self, *exc) -> None:
        import ray

        if self._started:
            ray.shutdown()

    @property
    def cpus(self) -> int:
        """CPUs of the cluster (at least 1)."""
        import ray

        return max(1, int(ray.cluster_resources().get("CPU", 1)))

    @property
    def gpus(self) -> int:
        import ray

        return int(ray.cluster_resources().get("GPU", 0))

    @property
    def partitions(self) -> int:
        """Partitions of a shuffle: two per CPU, so every CPU has work while one is slow."""
        return 2 * self.cpus
