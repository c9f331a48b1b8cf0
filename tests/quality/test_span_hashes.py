import numpy as np

from dataprep.quality.span_hashes import find, hash_set, member, span_hash


def codes(text: str) -> np.ndarray:
    return np.array([ord(c) for c in text], np.int32)


def test_a_hash_set_finds_exactly_its_words_in_any_span():
    hashes = hash_set(["the", "of", "the", "Über"])
    assert len(hashes) == 3 and np.all(np.diff(hashes.astype(np.float64)) > 0)
    text = codes("x the Über of")
    assert find(text, 2, 5, hashes) == int(np.searchsorted(hashes, span_hash(text, 2, 5)))
    assert member(text, 6, 10, hashes) and member(text, 11, 13, hashes)
    assert find(text, 0, 1, hashes) == -1 and not member(text, 2, 4, hashes)
    assert find(text, 3, 3, hashes) == -1  # an empty span
