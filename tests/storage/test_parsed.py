"""The corpus parsed once (dataprep.storage.parsed): ParsedCorpus.keeping, refs, BatchRef."""

from __future__ import annotations

import pyarrow as pa

from dataprep.storage import parsed
from dataprep.storage.parsed import ParsedCorpus, batch_of


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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parsed.arrow", "parsed.arrow.index"]


def test_refs_read_back_equal_batches(tmp_path):
    corpus = ParsedCorpus(tmp_path / "parsed.arrow")
    list(corpus.keeping(batches()))
    refs = list(corpus.refs())
    assert [ref.path for ref in refs] == [str(corpus.path)] * 3
    assert refs[0].offset == 0
    assert [a.offset + a.size for a in refs[:-1]] == [b.offset for b in refs[1:]]
    assert refs[-1].offset + refs[-1].size == corpus.path.stat().st_size
    for ref, batch in zip(refs, batches(), strict=True):
        assert ref.read().equals(batch)
        assert batch_of(ref).equals(batch)
    parsed.release()


def test_a_batch_is_readable_as_soon_as_it_is_yielded(tmp_path):
    """Workers read a batch while the driver is still writing later ones."""
    corpus = ParsedCorpus(tmp_path / "parsed.arrow")
    given = batches()
    refs = []
    for ref in corpus.keeping(given, as_refs=True):
        refs.append(ref)
        assert ref.read().equals(given[len(refs) - 1])  # read while the file still grows
        assert refs[0].read().equals(given[0])
    assert refs == list(corpus.refs())
    parsed.release()


def test_batch_of_returns_a_batch_unchanged():
    batch = batches()[0]
    assert batch_of(batch) is batch


def test_an_early_stop_leaves_no_file(tmp_path):
    corpus = ParsedCorpus(tmp_path / "parsed.arrow")
    kept = corpus.keeping(batches())
    next(kept)
    kept.close()
    assert not corpus.complete
    assert list(tmp_path.iterdir()) == []


def test_an_unfinished_file_is_rewritten(tmp_path):
    """A first pass interrupted by a crash leaves a file without index: not complete, and
    the next first pass writes it again from the start."""
    corpus = ParsedCorpus(tmp_path / "parsed.arrow")
    corpus.path.write_bytes(b"left by a crash")
    assert not corpus.complete
    list(corpus.keeping(batches()))
    assert [ref.read() for ref in corpus.refs()] == batches()
    parsed.release()


def test_batches_may_differ_in_schema(tmp_path):
    corpus = ParsedCorpus(tmp_path / "parsed.arrow")
    given = batches()
    given.insert(1, pa.RecordBatch.from_pydict({"text": ["x"]}))
    assert len(list(corpus.keeping(given))) == 4
    assert [ref.read() for ref in corpus.refs()] == given
    parsed.release()


def test_no_batches_make_a_complete_empty_corpus(tmp_path):
    corpus = ParsedCorpus(tmp_path / "parsed.arrow")
    assert list(corpus.keeping([])) == []
    assert corpus.complete
    assert list(corpus.refs()) == []


def test_release_closes_the_file_and_a_ref_reopens(tmp_path):
    first = ParsedCorpus(tmp_path / "a.arrow")
    list(first.keeping(batches()))
    second = ParsedCorpus(tmp_path / "b.arrow")
    list(second.keeping(batches()[1:]))
    first_refs, second_refs = list(first.refs()), list(second.refs())
    assert first_refs[2].read().equals(batches()[2])
    assert str(first.path) in parsed._FILES
    assert second_refs[0].read().equals(batches()[1])
    assert list(parsed._FILES) == [str(second.path)]  # one run's file at a time
    parsed.release()
    assert parsed._FILES == {}
    assert first_refs[0].read().equals(batches()[0])
    parsed.release()


def test_a_batch_read_does_not_map_the_file(tmp_path):
    """No mapping of the file: resident memory does not grow with the corpus."""
    corpus = ParsedCorpus(tmp_path / "parsed.arrow")
    list(corpus.keeping(batches()))
    read = [ref.read() for ref in corpus.refs()]
    assert read == batches()
    with open("/proc/self/maps") as maps:
        assert str(corpus.path) not in maps.read()
    parsed.release()
