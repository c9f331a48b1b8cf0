import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import read_jsonl_gz, shared_file

pytest.importorskip("sentence_transformers")

from dataprep.embed.encoder import Encoder, default_model_path
from dataprep.errors import ConfigError


@pytest.fixture(scope="module")
def cache_root(tmp_path_factory):
    return tmp_path_factory.mktemp("embeddings")


def test_vectors_match_the_model_and_are_normalized(cache_root):
    from sentence_transformers import SentenceTransformer

    texts = ["The cat sat on the mat.", "Stocks fell sharply on Monday.", ""]
    vectors = Encoder(cache_dir=cache_root).encode(texts)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    direct = SentenceTransformer(default_model_path(), device="cpu").encode(
        texts, normalize_embeddings=True
    )
    assert np.allclose(vectors, direct, atol=1e-5)


def test_cache_serves_a_rerun_without_loading_the_model(cache_root):
    texts = ["first text", "second text", "first text", None]
    first = Encoder(cache_dir=cache_root)
    vectors = first.encode(texts)
    assert np.array_equal(vectors[0], vectors[2])
    assert len(first.cache) >= 3  # each distinct text stored once
    again = Encoder(cache_dir=cache_root)
    assert np.array_equal(again.encode(texts[::-1]), vectors[::-1])
    assert not again.model_loaded


def test_settings_that_change_vectors_use_another_namespace(cache_root):
    assert (
        Encoder(cache_dir=cache_root).namespace
        != Encoder(cache_dir=cache_root, max_seq_length=32).namespace
    )
    assert (
        Encoder(cache_dir=cache_root).namespace
        == Encoder(cache_dir=cache_root, batch_size=8).namespace
    )


def test_a_model_folder_that_does_not_exist_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not a local sentence-transformers model folder"):
        Encoder(model=str(tmp_path / "nope"))


def test_model_loads_offline_with_no_network(tmp_path):
    """In a fresh process with HF_HUB_OFFLINE=1 and every proxy pointing nowhere."""
    code = (
        "from dataprep.embed.encoder import Encoder;"
        f"v = Encoder(cache_dir={str(tmp_path)!r}).encode(['offline']);"
        "print(v.shape)"
    )
    env = dict(
        os.environ,
        HF_HUB_OFFLINE="1",
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "(1, 384)" in result.stdout


@pytest.mark.parametrize("corpus", ["mrpc", "pan_paraphrase"])
def test_paraphrase_pairs_are_closer_than_random_pairs(cache_root, corpus):
    name = {"mrpc": "mrpc_test.jsonl.gz", "pan_paraphrase": "pan_test.jsonl.gz"}[corpus]
    records = [r for r in read_jsonl_gz(shared_file(corpus, name)) if r["label"] == 1][:150]
    encoder = Encoder(cache_dir=cache_root)
    left = encoder.encode([r["text1"] for r in records])
    right = encoder.encode([r["text2"] for r in records])
    paired = (left * right).sum(axis=1)
    shuffled = (left * np.roll(right, 1, axis=0)).sum(axis=1)
    assert paired.mean() > shuffled.mean() + 0.3
    assert (paired > shuffled).mean() > 0.95


def auc(scores, labels):
    scores, labels = np.asarray(scores), np.asarray(labels)
    pos, neg = scores[labels == 1], scores[labels == 0]
    return (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()


@pytest.mark.slow
def test_distilled_static_model_agrees_with_the_default_on_mrpc(tmp_path, cache_root):
    """The fast CPU path: a model2vec model distilled offline from the bundled MiniLM separates
    MRPC paraphrases about as well (measured AUC 0.752 vs 0.744 on 600 pairs)."""
    pytest.importorskip("model2vec")
    from click.testing import CliRunner

    from dataprep.cli import main

    result = CliRunner().invoke(main, ["distill-static", "-o", str(tmp_path / "static")])
    assert result.exit_code == 0, result.output
    records = read_jsonl_gz(shared_file("mrpc", "mrpc_test.jsonl.gz"))[:600]
    labels = [r["label"] for r in records]
    cosines = {}
    for name, model in [("default", None), ("static", str(tmp_path / "static"))]:
        encoder = Encoder(model=model, cache_dir=cache_root)
        left = encoder.encode([r["text1"] for r in records])
        right = encoder.encode([r["text2"] for r in records])
        cosines[name] = (left * right).sum(axis=1)
    assert Encoder(model=str(tmp_path / "static"), cache_dir=cache_root).dim == 256
    assert auc(cosines["static"], labels) > auc(cosines["default"], labels) - 0.03
    assert np.corrcoef(cosines["static"], cosines["default"])[0, 1] > 0.6


def test_loading_the_model_prints_nothing(capfd):
    """No weight-loading bar, no transformers load report (issue 16: even --quiet showed them).
    Nothing else in dataprep quiets transformers, so a fresh load here is the encoder's own."""
    capfd.readouterr()
    assert Encoder(use_cache=False).encode_uncached(["x"]).shape == (1, 384)
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
