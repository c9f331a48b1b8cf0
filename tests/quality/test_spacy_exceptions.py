"""Tests for dataprep.quality.spacy_exceptions."""

from dataprep.quality.spacy_exceptions import exceptions


def test_exceptions_split_into_their_text():
    found = exceptions()
    assert len(found) == 1343
    assert found["don't"] == (2, 3)
    assert found["Mr."] == (3,)
    assert found[":)"] == (2,)
    assert found["gonna"] == (3, 2)
    assert all(sum(parts) == len(text) for text, parts in found.items())
