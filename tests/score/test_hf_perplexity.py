import math

import numpy as np
import pytest
from conftest import TINY_LM_CORPUS, build_tiny_causal_lm

from dataprep.errors import ConfigError
from dataprep.testing import run_stage

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from dataprep.score.hf_perplexity import HFPerplexityScorer  # noqa: E402

CORPUS = TINY_LM_CORPUS


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return build_tiny_causal_lm(tmp_path_factory.mktemp("tiny-lm"))


def reference_perplexity(folder, text):
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    model = transformers.AutoModelForCausalLM.from_pretrained(folder).eval()
    ids = torch.tensor([tokenizer(text)["input_ids"]])
    with torch.no_grad():
        return math.exp(model(ids, labels=ids).loss.item())


def test_batched_scores_equal_one_document_at_a_time(tiny_model):
    texts = [*CORPUS, "cat", ""]
    out = run_stage(
        HFPerplexityScorer(model=tiny_model, batch_size=3, device="cpu"),
        [{"text": t} for t in texts],
    )
    scores = out.column("dp_score_hf_perplexity").to_pylist()
    for text, score in zip(CORPUS, scores, strict=False):
        assert score == pytest.approx(reference_perplexity(tiny_model, text), rel=1e-4)
    assert np.isnan(scores[4]) and np.isnan(scores[5])  # fewer than two tokens


def test_not_a_model_folder(tmp_path):
    with pytest.raises(ConfigError, match="is not a local model folder"):
        HFPerplexityScorer(model=str(tmp_path)).check_params()
