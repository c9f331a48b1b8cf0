"""The byte tokenizer: ids are the UTF-8 bytes, EOS is 256, and text round-trips exactly."""

import pytest

from dataprep.bench.byte_tokenizer import (
    EOS_ID,
    EOS_TOKEN,
    byte_characters,
    byte_tokenizer,
    write_byte_tokenizer,
)
from dataprep.bench.tiny_lm import PAD, VOCAB
from dataprep.tokenize.tokenizer import load_encoder

TEXTS = [
    "Hello, world!",
    " leading and trailing spaces  ",
    "héllo wörld — naïve café",
    "日本語のテキスト、中文文本。한국어",
    "Ελληνικά, русский, עברית, العربية, हिन्दी",
    "emoji 🙂👍🏽 and a ZWJ family 👨‍👩‍👧",
    "controls \x00\x01\t\r\n\x7f and combining e\u0301",
    "",
]


def test_the_map_covers_every_byte_once():
    characters = byte_characters()
    assert len(set(characters)) == 256
    assert characters[ord("a")] == "a" and characters[ord(" ")] == "Ġ"  # GPT-2's map


@pytest.mark.parametrize("text", TEXTS)
def test_ids_are_the_utf8_bytes_and_decoding_round_trips(text):
    tokenizer = byte_tokenizer()
    ids = tokenizer.encode(text, add_special_tokens=False).ids
    assert ids == list(text.encode("utf-8"))
    assert tokenizer.decode(ids) == text


def test_eos_is_the_tiny_lm_pad_id_and_the_vocabulary_matches():
    tokenizer = byte_tokenizer()
    assert tokenizer.token_to_id(EOS_TOKEN) == EOS_ID == PAD
    assert tokenizer.get_vocab_size() == VOCAB
    assert tokenizer.encode("a<eos>b", add_special_tokens=False).ids == [97, EOS_ID, 98]


def test_written_file_is_what_dataprep_tokenize_loads(tmp_path):
    file = write_byte_tokenizer(tmp_path / "byte")
    assert file == tmp_path / "byte" / "tokenizer.json" and file.is_file()
    assert write_byte_tokenizer(tmp_path / "other.json") == tmp_path / "other.json"
    encoder, info = load_encoder(tmp_path / "byte")  # EOS found without --eos-token
    assert (info.eos_token, info.eos_id, info.vocab_size, info.dtype) == (
        EOS_TOKEN,
        256,
        257,
        "uint16",
    )
    tokens, lengths = encoder.encode(["hé", "日", "x"])
    assert tokens.tolist() == [104, 195, 169, 256, 230, 151, 165, 256, 120, 256]
    assert lengths.tolist() == [4, 4, 2]
