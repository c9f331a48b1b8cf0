import numpy as np
import pytest

from dataprep.config import encoder_settings, load_recipe
from dataprep.dedup.semantic import SemanticDedup
from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.score.prototypicality import PrototypicalityScorer
from dataprep.select.geometric import KCenterGreedy
from dataprep.stage import RunContext
from dataprep.testing import make_batch


def test_defaults():
    settings = EncoderSettings()
    assert settings.to_dict() == {
        "model": None,
        "device": "auto",
        "batch_size": 64,
        "max_seq_length": 256,
        "cache_dir": None,
        "column": None,
    }
    settings.check("embedding")  # the defaults are valid
    assert EncoderSettings.from_mapping({}, "recipe.yaml") == settings
    assert EncoderSettings.from_mapping(settings.to_dict(), "recipe.yaml") == settings


def test_from_mapping_keeps_the_given_values():
    settings = EncoderSettings.from_mapping({"device": "cpu", "column": "emb"}, "r.yaml")
    assert settings == EncoderSettings(device="cpu", column="emb")


def test_unknown_key_with_did_you_mean():
    with pytest.raises(ConfigError) as error:
        EncoderSettings.from_mapping({"batchsize": 8}, "r.yaml: embedding")
    assert str(error.value) == (
        "r.yaml: embedding: unknown encoder setting 'batchsize'. Did you mean 'batch_size'? "
        "Known settings: model, device, batch_size, max_seq_length, cache_dir, column."
    )
    with pytest.raises(ConfigError, match=r"unknown encoder setting 'speed'\. Known settings"):
        EncoderSettings.from_mapping({"speed": "fast"}, "r.yaml")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"batch_size": 0}, "w: 'batch_size' must be a positive integer. Got 0 instead."),
        ({"batch_size": True}, "w: 'batch_size' must be a positive integer. Got True instead."),
        (
            {"max_seq_length": 1.5},
            "w: 'max_seq_length' must be a positive integer. Got 1.5 instead.",
        ),
        (
            {"device": ""},
            "w: 'device' must be a device name such as 'auto', 'cpu' or 'cuda:0'. Got '' instead.",
        ),
        (
            {"model": 3},
            "w: 'model' must be a local sentence-transformers model folder or null. Got 3 instead.",
        ),
        ({"cache_dir": ""}, "w: 'cache_dir' must be a folder path or null. Got '' instead."),
        ({"column": ["v"]}, "w: 'column' must be a column name or null. Got ['v'] instead."),
    ],
)
def test_bad_values_are_one_sentence(values, message):
    with pytest.raises(ConfigError) as error:
        EncoderSettings.from_mapping(values, "w")
    assert str(error.value) == message
    with pytest.raises(ConfigError) as error:
        EncoderSettings(**values).check("w")
    assert str(error.value) == message


def test_encoder_settings_of_a_recipe():
    assert encoder_settings({"stages": ["exact_dedup"]}, "r.yaml") == EncoderSettings()
    recipe = {"embedding": {"model": "/models/mini", "max_seq_length": 128}, "stages": []}
    assert encoder_settings(recipe, "r.yaml") == EncoderSettings(
        model="/models/mini", max_seq_length=128
    )
    with pytest.raises(ConfigError, match=r"^r\.yaml: embedding: the encoder settings must be a "):
        encoder_settings({"embedding": "cuda"}, "r.yaml")
    with pytest.raises(ConfigError, match=r"^r\.yaml: embedding: 'batch_size' must be"):
        encoder_settings({"embedding": {"batch_size": -1}}, "r.yaml")


def test_a_recipe_file_checks_its_embedding_mapping(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("embedding:\n  column: emb\nstages:\n  - semantic_dedup: {}\n")
    assert encoder_settings(load_recipe(good), good) == EncoderSettings(column="emb")
    bad = tmp_path / "bad.yaml"
    bad.write_text("embedding:\n  devise: cpu\nstages:\n  - semantic_dedup: {}\n")
    unknown = r"bad\.yaml: embedding: unknown encoder setting 'devise'\. Did you mean 'device'"
    with pytest.raises(ConfigError, match=unknown):
        load_recipe(bad)


def test_embedding_stages_bound_to_one_context_share_its_settings():
    context = RunContext(encoder=EncoderSettings(column="vec"))
    stages = [SemanticDedup(), KCenterGreedy(), PrototypicalityScorer(num_clusters=2)]
    for stage in stages:
        stage.bind(context)
    assert all(stage.encoder_settings() is context.encoder for stage in stages)
    rng = np.random.default_rng(0)
    batch = make_batch([{"text": f"t{i}", "vec": rng.normal(size=5).tolist()} for i in range(6)])
    first, *others = [stage.vectors(batch) for stage in stages]  # no model is loaded
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0)
    for vectors in others:
        assert np.array_equal(vectors, first)
