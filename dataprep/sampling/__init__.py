"""The trainer-side sampling API.

    from dataprep.sampling import AdaptiveSampler, static_weights, apply_floor, ODM, DoReMi

The torch glue (``AdaptiveIterableDataset``, ``AdaptiveBatchSampler``, ``PackedTokenDataset``,
and ``Collate``, the DataLoader ``collate_fn`` that keeps nulls) is imported only when asked
for, so this module and the sampler work without torch.
"""

from __future__ import annotations

from dataprep.sampling.arrow_rows import ArrowRows, open_arrow
from dataprep.sampling.doremi import DoReMi
from dataprep.sampling.mixing import (
    apply_floor,
    given,
    proportional,
    static_weights,
    temperature,
    uniform,
    unimax,
)
from dataprep.sampling.odm import ODM
from dataprep.sampling.online import OnlineRule
from dataprep.sampling.sampler import AdaptiveSampler

_TORCH_NAMES = ("AdaptiveIterableDataset", "AdaptiveBatchSampler", "Collate", "PackedTokenDataset")

# The torch names (_TORCH_NAMES) are left out of __all__: they load torch when first used.
__all__ = [
    "ODM",
    "AdaptiveSampler",
    "ArrowRows",
    "DoReMi",
    "OnlineRule",
    "apply_floor",
    "given",
    "open_arrow",
    "proportional",
    "static_weights",
    "temperature",
    "uniform",
    "unimax",
]


def __getattr__(name: str):
    if name == "Collate":
        from dataprep.sampling import collate

        return collate.Collate
    if name == "PackedTokenDataset":
        from dataprep.sampling import packed

        return packed.PackedTokenDataset
    if name in _TORCH_NAMES:
        from dataprep.sampling import torch_data

        return getattr(torch_data, name)
    raise AttributeError(f"module 'dataprep.sampling' has no attribute {name!r}")
