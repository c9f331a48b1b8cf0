"""The shard format (dataprep.tokenize.indexed): Megatron's MMIDIDX index byte by byte, the
token type rule, and Megatron's own IndexedDataset reading a tokenize output."""

import json
import struct
import warnings

import numpy as np
import pytest
from tiny_tokenizers import MULTILINGUAL, byte_bpe, write_jsonl

from dataprep.tokenize.indexed import read_index, token_dtype, write_index
from dataprep.tokenize.run import TokenizeRun


def test_the_index_is_megatrons_layout_byte_for_byte(tmp_path):
    write_index(tmp_path / "a.idx", np.dtype(np.uint16), np.array([3, 1, 2]))
    expected = (
        b"MMIDIDX\x00\x00"
        + struct.pack("<Q", 1)
        + struct.pack("<B", 8)  # uint16
        + struct.pack("<QQ", 3, 4)  # sequences, document indices
        + struct.pack("<3i", 3, 1, 2)  # lengths
        + struct.pack("<3q", 0, 6, 8)  # byte offsets: 2 bytes a token
        + struct.pack("<4q", 0, 1, 2, 3)  # one sequence per document
    )
    assert (tmp_path / "a.idx").read_bytes() == expected

    write_index(tmp_path / "b.idx", np.dtype(np.int32), np.array([3, 1]))
    index = read_index(tmp_path / "b.idx")
    assert index.dtype == np.int32
    assert index.lengths.tolist() == [3, 1]
    assert index.pointers.tolist() == [0, 12] and index.offsets.tolist() == [0, 3]


def test_uint16_holds_a_vocabulary_of_up_to_65536_ids():
    assert token_dtype(65_536) == np.uint16
    assert token_dtype(65_537) == np.int32


def test_megatrons_indexed_dataset_opens_the_shards_and_returns_the_documents(tmp_path):
    pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # megatron warns that Apex is missing
        indexed = pytest.importorskip("megatron.core.datasets.indexed_dataset")
    texts = [f"{text} {i}" for i in range(4) for text in MULTILINGUAL]
    tokenizer = byte_bpe(tmp_path / "tok.json", texts)
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": t} for t in texts])
    TokenizeRun(tokenizer, shard_tokens=250, seq_len=32).run([str(source)], tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    from tokenizers import Tokenizer

    decode = Tokenizer.from_file(str(tokenizer)).decode
    eos = manifest["tokens"]["eos_id"]
    decoded = []
    shards = manifest["tokens"]["shards"]
    assert len(shards) > 1
    for shard in shards:
        dataset = indexed.IndexedDataset(str(tmp_path / "out" / "tokens" / shard["prefix"]))
        assert len(dataset) == shard["documents"]
        assert dataset.index.dtype == np.uint16
        for i in range(len(dataset)):
            document = dataset[i]
            assert document[-1] == eos
            decoded.append(decode(document[:-1].tolist()))
    assert decoded == texts
