"""PackedTokenDataset (dataprep.sampling.packed): sequences in order, each exactly once across
DataLoader workers and ranks, and resumption from state_dict."""

import json

import numpy as np
import pytest
from tiny_tokenizers import word_level, write_jsonl

from dataprep.errors import ConfigError
from dataprep.settings import RunSettings
from dataprep.tokenize.run import TokenizeRun

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader  # noqa: E402

from dataprep.sampling import PackedTokenDataset  # noqa: E402

SEQ_LEN = 4


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    """A tokenize output of 3 shards whose token k is the k-th token of the stream, so each
    sequence names itself: sequence g holds tokens 4g .. 4g + 3 (EOS included)."""
    folder = tmp_path_factory.mktemp("packed")
    words = [str(i) for i in range(200)]
    word_level(folder / "tok.json", words, eos="<eos>")
    # documents of 3 tokens + EOS; EOS is id 200, so number the words around it
    rows, token = [], 0
    for _ in range(20):
        rows.append({"text": " ".join(str(token + i) for i in range(3))})
        token += 3
    write_jsonl(folder / "in.jsonl", rows)
    run = TokenizeRun(
        folder / "tok.json", seq_len=SEQ_LEN, shard_tokens=28, settings=RunSettings(batch_rows=6)
    )
    run.run([str(folder / "in.jsonl")], folder / "out")
    return folder / "out"


def stream(out) -> list[list[int]]:
    """Every sequence of the output, in order, read straight from the .bin files."""
    manifest = json.loads((out / "manifest.json").read_text())
    sequences = []
    for shard in manifest["tokens"]["shards"]:
        tokens = np.fromfile(out / "tokens" / f"{shard['prefix']}.bin", dtype=np.uint16)
        sequences += tokens.reshape(-1, SEQ_LEN).tolist()
    return sequences


def rows_of(loader) -> list[list[int]]:
    return [row for batch in loader for row in batch.tolist()]


def test_the_stream_is_the_shards_sequences_in_order(packed):
    manifest = json.loads((packed / "manifest.json").read_text())
    assert [s["sequences"] for s in manifest["tokens"]["shards"]] == [7, 7, 6]
    dataset = PackedTokenDataset(packed)
    assert len(dataset) == 20
    got = [item.tolist() for item in dataset]
    assert got == stream(packed)
    assert got[0] == [0, 1, 2, 200] and got[-1] == [57, 58, 59, 200]
    assert next(iter(dataset)).dtype == torch.int64


def test_two_workers_on_two_ranks_serve_every_sequence_once_in_order(packed):
    expected = stream(packed)
    per_rank = {}
    for rank in (0, 1):
        dataset = PackedTokenDataset(packed, batch_size=3, rank=rank, world_size=2)
        loader = DataLoader(dataset, batch_size=3, num_workers=2)
        per_rank[rank] = rows_of(loader)
        assert len(per_rank[rank]) == len(dataset)
    # blocks of 3: rank 0 holds blocks 0, 2, 4, 6 (the last has 2 sequences), rank 1 1, 3, 5
    blocks = [expected[i : i + 3] for i in range(0, 20, 3)]
    assert per_rank[0] == [s for b in blocks[0::2] for s in b]
    assert per_rank[1] == [s for b in blocks[1::2] for s in b]
    served = sorted(map(tuple, per_rank[0] + per_rank[1]))
    assert served == sorted(map(tuple, expected))  # each exactly once


def test_even_serves_the_same_number_of_complete_blocks_to_every_rank(packed):
    lengths = [
        len(PackedTokenDataset(packed, batch_size=3, rank=r, world_size=2, even=True))
        for r in (0, 1)
    ]
    assert lengths == [9, 9]  # 6 complete blocks of 3; the last 2 sequences are left out


def test_resuming_from_state_dict_continues_the_uninterrupted_stream(packed):
    full = rows_of(
        DataLoader(
            PackedTokenDataset(packed, batch_size=2, rank=1, world_size=2),
            batch_size=2,
            num_workers=2,
        )
    )
    dataset = PackedTokenDataset(packed, batch_size=2, rank=1, world_size=2)
    seen = []
    for step, batch in enumerate(DataLoader(dataset, batch_size=2, num_workers=2)):
        seen += batch.tolist()
        if step == 1:
            break
    state = dataset.state_dict(consumed=len(seen))
    assert state["position"] == 4

    resumed = PackedTokenDataset(packed, batch_size=2, rank=1, world_size=2)
    resumed.load_state_dict(state)
    rest = rows_of(DataLoader(resumed, batch_size=2, num_workers=2))
    assert seen + rest == full and len(rest) == len(resumed) == 6

    with pytest.raises(ConfigError, match="the state's world_size is 2, this dataset's is 4"):
        PackedTokenDataset(packed, batch_size=2, rank=1, world_size=4).load_state_dict(state)


def test_without_workers_state_dict_counts_what_was_yielded(packed):
    dataset = PackedTokenDataset(packed)
    iterator = iter(dataset)
    first = [next(iterator).tolist() for _ in range(5)]
    resumed = PackedTokenDataset(packed)
    resumed.load_state_dict(dataset.state_dict())
    assert first + [item.tolist() for item in resumed] == stream(packed)


def test_another_seq_len_takes_whole_windows_of_each_shards_documents(packed):
    dataset = PackedTokenDataset(packed, seq_len=8)
    # shards hold 28, 28 and 24 document tokens: 3 + 3 + 3 windows of 8
    got = [item.tolist() for item in dataset]
    flat = [token for sequence in stream(packed) for token in sequence]
    assert len(got) == 9
    assert got[0] == flat[0:8] and got[3] == flat[28:36] and got[6] == flat[56:64]


def test_an_output_without_seq_len_needs_one(tmp_path):
    word_level(tmp_path / "tok.json", ["a"])
    write_jsonl(tmp_path / "in.jsonl", [{"text": "a a"}])
    TokenizeRun(tmp_path / "tok.json").run([str(tmp_path / "in.jsonl")], tmp_path / "out")
    with pytest.raises(ConfigError, match="was tokenized without a sequence length; pass seq_len"):
        PackedTokenDataset(tmp_path / "out")
    assert [t.tolist() for t in PackedTokenDataset(tmp_path / "out", seq_len=2)] == [[0, 0]]
    with pytest.raises(ConfigError, match=r"no manifest\.json"):
        PackedTokenDataset(tmp_path)
