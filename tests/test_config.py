import pytest

from dataprep import registry
from dataprep.config import build_stages, load_recipe
from dataprep.errors import ConfigError


def recipe(tmp_path, text):
    path = tmp_path / "r.yaml"
    path.write_text(text)
    return path


def test_names_and_mappings_build_stages_with_params(tmp_path):
    data = load_recipe(
        recipe(tmp_path, "stages:\n  - exact_dedup\n  - minhash_dedup:\n      threshold: 0.7\n")
    )
    stages = build_stages(data["stages"])
    assert [s.name for s in stages] == ["exact_dedup", "minhash_dedup"]
    assert stages[1].threshold == 0.7 and stages[1].num_perm == 128


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "stages:\n  - minhash_dedupe: {}\n",
            "Unknown stage 'minhash_dedupe'. Did you mean 'minhash_dedup'?",
        ),
        (
            "stages:\n  - minhash_dedup:\n      treshold: 0.7\n",
            "minhash_dedup has no parameter 'treshold'. Did you mean 'threshold'?",
        ),
        (
            "stages:\n  - minhash_dedup:\n      threshold: high\n",
            "The 'threshold' parameter of minhash_dedup must be a float in (0, 1]. "
            "Got 'high' instead.",
        ),
        ("stage:\n  - exact_dedup\n", "unknown key 'stage'. Did you mean 'stages'?"),
        ("stages: []\n", "'stages' must be a non-empty list"),
        ("stages:\n  - [exact_dedup]\n", "Stage #1 must be a stage name or a mapping"),
        ("stages: [\n", "is not valid YAML"),
    ],
)
def test_bad_recipes_fail_with_one_sentence(tmp_path, text, message):
    with pytest.raises(ConfigError) as error:
        build_stages(load_recipe(recipe(tmp_path, text))["stages"])
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_every_registered_stage_round_trips_its_params():
    assert {"exact_dedup", "minhash_dedup", "length_filter", "score_threshold"} <= set(
        registry.available()
    )
    for name in registry.available():
        cls = registry.get(name)
        stage = cls()
        clone = cls(**stage.get_params())
        assert clone.get_params() == stage.get_params()
        assert name in repr(stage) or cls.__name__ in repr(stage)


def test_shipped_recipes_build(tmp_path):
    from dataprep.cli import builtin_recipe

    for relative in [
        "filter/default.yaml",
        "filter/dedup.yaml",
        "filter/semantic.yaml",
        "filter/coreset.yaml",
        "score/default.yaml",
    ]:
        stages = build_stages(load_recipe(builtin_recipe(relative))["stages"])
        assert stages
