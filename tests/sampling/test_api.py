"""The public facade: the sampler API without torch, the torch glue lazily."""

import subprocess
import sys
from pathlib import Path

import dataprep.sampling as sampling


def test_facade_exports_the_sampler_api():
    for name in sampling.__all__:
        assert getattr(sampling, name) is not None
    sampler = sampling.AdaptiveSampler(["x", "y", "y"], weights="uniform")
    assert sampler.current_weights == {"x": 0.5, "y": 0.5}
    assert sampling.static_weights([100, 1], "temperature", temperature=2.0)[1] == 1 / 11


def test_torch_glue_is_loaded_lazily():
    code = (
        "import sys, dataprep.sampling as s; assert 'torch' not in sys.modules; "
        "s.AdaptiveBatchSampler; assert 'torch' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_unknown_attribute_is_an_attribute_error():
    try:
        sampling.NoSuchThing  # noqa: B018
    except AttributeError as error:
        assert "NoSuchThing" in str(error)
    else:
        raise AssertionError("expected AttributeError")
