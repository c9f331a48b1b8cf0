import pytest

from dataprep import registry
from dataprep.errors import ConfigError
from dataprep.stage import Filter


def test_builtin_stages_are_found_by_name():
    assert registry.get("minhash_dedup").__name__ == "MinHashDedup"
    assert {"exact_dedup", "gopher_repetition", "difficulty", "d4"} <= set(registry.available())


def test_unknown_name_suggests_the_closest():
    with pytest.raises(
        ConfigError, match=r"Unknown stage 'exact_dedupe'\. Did you mean 'exact_dedup'\?"
    ):
        registry.get("exact_dedupe")


def test_a_name_cannot_be_taken_twice_and_must_exist():
    class Clash(Filter):
        name = "exact_dedup"

    with pytest.raises(TypeError, match="is used by ExactDedup already"):
        registry.register(Clash)

    class Nameless(Filter):
        pass

    with pytest.raises(TypeError, match="needs a non-empty string class attribute 'name'"):
        registry.register(Nameless)
