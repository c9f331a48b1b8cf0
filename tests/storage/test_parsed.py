"""The corpus parsed once (dataprep.storage.parsed): ParsedCorpus.keeping, refs, BatchRef."""

from __future__ import annotations

import pyarrow as pa

from dataprep.storage import parsed
from dataprep.storage.parsed import BatchRef, ParsedCorpus, batch_of


def batches():
    return [
        pa.RecordBatch.from_pydict({"text": ["a", "b"], "n": [1, 2]}),
        pa.RecordBatch.from_pydict({"text": ["c"], "n": [3]}),
        pa.RecordBatch.from_pydict({"text": ["d", None, "f"], "n": [4, 5, None]}),
    ]


def test_keeping_yields_the_batches_and_completes_only_when_exhausted(tmp_path):
    corpus = ParsedCorpus(tmp_path / "parsed.arrow")
    assert not corpus.complete
    given = batches()
    kept = corpus.keeping(given)
    seen = []
    for batch in kept:
        seen.append(batch)
        if len(seen) < len(given):
            assert not corpus.complete
    assert all(a is b for a, b in zip(seen, given, strict=True))
    assert corpus.complete
    assert not (tmp_path / "parsed.arrow.partial").exists()


def test_refs_read_back_equal_batches(tmp_path):
    corpus = ParsedCorpus(tmp_path / "parsed.arrow")
    list(corpus.keeping(batches()))
    refs = list(corpus.refs())
    assert refs == [BatchRef(str(corpus.path), i) for i in range(3)]
    for ref, batch in zip(refs, batches(), strict=True):
        assert ref.read().equals(batch)
        assert batch_of(ref).equals(batch)
    parsed.release()


def test_batch_of_returns_a_batch_unchanged():
    batch = batches()[0]
    assert batch_of(batch) is batch


def test_an_early_stop_leaves_no_file(tmp_path):
    corpus = ParsedCorpus(tmp_path / "parsed.arrow")
    kept = corpus.keeping(batches())
    next(kept)
    assert (tmp_path / "parsed.arrow.partial").exists()
    kept.close()
    assert not corpus.complete
    assert list(tmp_path.iterdir()) == []


def test_a_batch_with_another_schema_drops_the_copy(tmp_path):
    corpus = ParsedCorpus(tmp_path / "parsed.arrow")
    given = batches()
    given.insert(1, pa.RecordBatch.from_pydict({"text": ["x"]}))
    assert len(list(corpus.keeping(given))) == 4
    assert not corpus.complete
    assert list(tmp_path.iterdir()) == []


def test_no_batches_leave_no_file(tmp_path):
    corpus = ParsedCorpus(tmp_path / "parsed.arrow")
    assert list(corpus.keeping([])) == []
    assert not corpus.complete


def test_release_closes_the_readers_and_a_ref_reopens(tmp_path):
    first = ParsedCorpus(tmp_path / "a.arrow")
    list(first.keeping(batches()))
    second = ParsedCorpus(tmp_path / "b.arrow")
    list(second.keeping(batches()[1:]))
    assert BatchRef(str(first.path), 2).read().equals(batches()[2])
    assert str(first.path) in parsed._READERS
    assert BatchRef(str(second.path), 0).read().equals(batches()[1])
    assert list(parsed._READERS) == [str(second.path)]  # one run's file at a time
    parsed.release()
    assert parsed._READERS == {}
    assert BatchRef(str(first.path), 0).read().equals(batches()[0])
    parsed.release()
