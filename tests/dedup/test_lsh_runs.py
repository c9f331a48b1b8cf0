import numpy as np
import pyarrow as pa
import pytest
from conftest import read_jsonl_gz, shared_file

from dataprep.dedup.lsh import ALL_PAIRS_BUCKET_LIMIT
from dataprep.dedup.lsh_runs import BandRuns, BucketStream
from dataprep.storage import sorted_runs
from tests.dedup.lsh_reference import candidate_pairs


def out_of_core_pairs(tmp_path, band_keys: np.ndarray, run_rows: int, pieces: int = 1):
    with BandRuns(tmp_path, "t", band_keys.shape[1], run_rows) as runs:
        for piece in np.array_split(band_keys, pieces):
            runs.append(piece)
        blocks = list(runs.candidate_pairs())
    assert list(tmp_path.iterdir()) == []  # every run file is removed
    return np.concatenate(blocks) if blocks else np.empty((0, 2), np.int64)


def test_rows_sharing_a_bucket_in_any_band_pair_up(tmp_path):
    bands = np.array([[1, 10], [1, 11], [2, 12], [3, 12], [4, 13]], dtype=np.uint64)
    # run_rows=2 with 2 bands: one row per run file, so every bucket is met in the merge.
    pairs = out_of_core_pairs(tmp_path, bands, run_rows=2)
    assert pairs.dtype == np.int64
    assert pairs.tolist() == [[0, 1], [2, 3]]


def test_a_pair_found_in_several_bands_comes_once(tmp_path):
    bands = np.array([[5, 6, 7], [5, 6, 7], [1, 2, 3]], dtype=np.uint64)
    assert out_of_core_pairs(tmp_path, bands, run_rows=3).tolist() == [[0, 1]]


def stream(records: list[tuple[int, int]], limit: int, block: int) -> list[list[int]]:
    bucket = BucketStream(limit)
    records = np.array(records, dtype=np.uint64).reshape(-1, 2)
    found = [bucket.pairs(records[i : i + block]) for i in range(0, len(records), block)]
    found.append(bucket.pairs(np.empty((0, 2), np.uint64), final=True))
    return sorted(np.concatenate(found).tolist())


@pytest.mark.parametrize("block", [1, 2, 100])
def test_bucket_stream_gives_all_pairs_up_to_the_limit_across_blocks(block):
    # Key 7 holds rows 1, 4, 6 (3 <= limit): all 3 pairs. Key 9 holds row 8 alone: none.
    records = [(7, 1), (7, 4), (7, 6), (9, 8)]
    assert stream(records, limit=3, block=block) == [[1, 4], [1, 6], [4, 6]]


@pytest.mark.parametrize("block", [1, 3, 100])
def test_bucket_stream_gives_a_star_and_a_chain_above_the_limit(block):
    # 5 rows > limit 3: the star from row 10 plus the chain 11-12-13-14, 7 pairs, not 10.
    records = [(2, 10), (2, 11), (2, 12), (2, 13), (2, 14), (3, 20), (3, 21)]
    assert stream(records, limit=3, block=block) == [
        [10, 11],
        [10, 12],
        [10, 13],
        [10, 14],
        [11, 12],
        [12, 13],
        [13, 14],
        [20, 21],
    ]


def test_bucket_stream_refuses_a_limit_below_one():
    with pytest.raises(ValueError, match="limit must be at least 1"):
        BucketStream(0)


@pytest.mark.parametrize("seed", range(6))
def test_tiny_runs_equal_the_in_memory_pairs_on_random_buckets(tmp_path, monkeypatch, seed):
    monkeypatch.setattr(sorted_runs, "MIN_WINDOW", 2)
    rng = np.random.default_rng(seed)
    n, bands = int(rng.integers(1, 200)), int(rng.integers(1, 4))
    keys = rng.integers(0, int(rng.integers(1, 60)), size=(n, bands)).astype(np.uint64)
    big = rng.random(n) < 0.4  # one bucket larger than the all-pairs limit in band 0
    keys[big, 0] = np.uint64(1 << 63)
    expected = candidate_pairs(keys)
    for run_rows in (5, 40, 10_000):
        pieces = int(rng.integers(1, 8))
        assert out_of_core_pairs(tmp_path, keys, run_rows, pieces).tolist() == expected.tolist()


def test_real_band_keys_with_tiny_runs_equal_the_in_memory_pairs(tmp_path, monkeypatch):
    """CodeXGLUE buggy/fixed Java functions: many near-duplicate pairs, and abstracted code that
    repeats, so buckets larger than the all-pairs limit occur (checked)."""
    from dataprep.dedup.minhash import MinHashDedup

    monkeypatch.setattr(sorted_runs, "MIN_WINDOW", 64)
    records = read_jsonl_gz(shared_file("codexglue_code", "code_refinement_small_test.jsonl.gz"))
    texts = [r["buggy"] for r in records] + [r["fixed"] for r in records]
    stage = MinHashDedup(threshold=0.5)
    stage.check_params()
    batch = pa.RecordBatch.from_pydict({"text": texts, "_dp_row": np.arange(len(texts))})
    keys = stage.fit_state(batch)["bands"]
    largest = max(np.unique(column, return_counts=True)[1].max() for column in keys.T)
    assert largest > ALL_PAIRS_BUCKET_LIMIT
    expected = candidate_pairs(keys)
    assert len(expected) > 5000
    for run_rows in (4096, 50_000):
        assert np.array_equal(out_of_core_pairs(tmp_path, keys, run_rows, pieces=5), expected)
