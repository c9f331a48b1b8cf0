"""Executors of a pipeline's passes (see dataprep.runners.base): ``local`` and ``ray``."""

from __future__ import annotations

from dataprep.runners.base import Runner
from dataprep.runners.local import LocalRunner
from dataprep.runners.ray import RayRunner
from dataprep.settings import RunSettings


def make_runner(settings: RunSettings) -> Runner:
    """The runner ``settings.runner`` names, with its settings."""
    if settings.runner == "ray":
        return RayRunner(settings.ray_address, settings.ray_cpus, settings.progress)
    return LocalRunner(settings.num_proc)
