import json
import math
import random

import numpy as np
import pyarrow as pa
import pytest
from conftest import load_shared, shared_file

from dataprep.errors import ConfigError
from dataprep.pipeline import Pipeline
from dataprep.score.ngram_lm import NgramPerplexityScorer
from dataprep.select.perplexity_band import PerplexityBand
from dataprep.settings import RunSettings
from dataprep.testing import reasons_of, run_stage

BELOW, ABOVE, MISSING = "perplexity_below_band", "perplexity_above_band", "perplexity_missing"

# Ten rows; eight have a score. Ranking (score, then row): r1=1, r4=2, r2=3, r6=3, r8=3.5,
# r5=4, r9=6, r0=7; rows 3 (NaN) and 7 (null) are missing.
SCORES = [7.0, 1.0, 3.0, math.nan, 2.0, 4.0, 3.0, None, 3.5, 6.0]


def records(scores=SCORES):
    return [{"text": f"doc {i}", "ppl": s} for i, s in enumerate(scores)]


def band_reasons(band, batch_rows=None, **size):
    stage = PerplexityBand(score_column="ppl", band=band, **size)
    return reasons_of(run_stage(stage, records(), batch_rows=batch_rows))


def expected(below, kept, above):
    out = [MISSING] * len(SCORES)
    for rows, reason in ((below, BELOW), (kept, None), (above, ABOVE)):
        for row in rows:
            out[row] = reason
    return out


@pytest.mark.parametrize("batch_rows", [None, 1, 3])
def test_each_band_keeps_exact_rows_with_reasons(batch_rows):
    # n = 8 scored rows, fraction 0.5 -> k = 4
    assert band_reasons("low", batch_rows, fraction=0.5) == expected([], [1, 4, 2, 6], [8, 5, 9, 0])
    # middle: s = (8 - 4) // 2 = 2 -> ranks 2..5
    assert band_reasons("middle", batch_rows, fraction=0.5) == expected(
        [1, 4], [2, 6, 8, 5], [9, 0]
    )
    assert band_reasons("high", batch_rows, fraction=0.5) == expected(
        [1, 4, 2, 6], [8, 5, 9, 0], []
    )


def test_ties_rank_the_earlier_row_lower():
    # rows 2 and 6 both score 3.0: the earlier (2) ranks lower
    # low, k = 3: ranks 0..2 = rows 1, 4, 2 (row 6 of the tie is above)
    assert band_reasons("low", budget=3) == expected([], [1, 4, 2], [6, 8, 5, 9, 0])
    # high, k = 6: ranks 2..7 = rows 2, 6, ...; k = 5: ranks 3..7, row 6 kept, row 2 below
    assert band_reasons("high", budget=5) == expected([1, 4, 2], [6, 8, 5, 9, 0], [])


def test_middle_with_odd_remainder_leans_low():
    # n = 8, k = 3: n - k = 5, s = 2 -> ranks 2, 3, 4; two rows below, three above
    assert band_reasons("middle", budget=3) == expected([1, 4], [2, 6, 8], [5, 9, 0])
    # n = 8, k = 0.15 * 8 + 0.5 = 1.7 -> 1: s = 3 -> rank 3 (row 6)
    assert band_reasons("middle", budget=0.15) == expected([1, 4, 2], [6], [8, 5, 9, 0])


def test_default_fraction_is_one_half_and_fraction_one_keeps_every_scored_row():
    assert band_reasons("middle") == band_reasons("middle", fraction=0.5)
    assert band_reasons("low", fraction=1.0) == expected([], [1, 4, 2, 6, 8, 5, 9, 0], [])
    # a budget above the scored rows is capped; missing rows stay rejected
    assert band_reasons("high", budget=100) == expected([], [1, 4, 2, 6, 8, 5, 9, 0], [])


def test_complementary_bands_partition_the_ranking():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 5, size=30).astype(float).tolist()  # many ties
    kept = {}
    for band in ("low", "middle", "high"):
        stage = PerplexityBand(score_column="ppl", band=band, fraction=1 / 3)
        out = reasons_of(run_stage(stage, records(scores), batch_rows=7))
        kept[band] = {i for i, r in enumerate(out) if r is None}
        assert len(kept[band]) == 10
    assert kept["low"] | kept["middle"] | kept["high"] == set(range(30))
    order = sorted(range(30), key=lambda i: (scores[i], i))
    assert kept["low"] == set(order[:10])
    assert kept["middle"] == set(order[10:20])
    assert kept["high"] == set(order[20:])


def test_all_missing_keeps_nothing():
    stage = PerplexityBand(score_column="ppl", band="low", fraction=0.5)
    out = run_stage(stage, records([None, math.nan]))
    assert reasons_of(out) == [MISSING, MISSING]
    assert stage.band_scores_ is None


def test_config_errors():
    with pytest.raises(ConfigError, match="either 'fraction' or 'budget', not both"):
        PerplexityBand(fraction=0.5, budget=10).check_params()
    with pytest.raises(ConfigError, match="The 'band' parameter of perplexity_band"):
        PerplexityBand(band="medium").check_params()
    for fraction in (0.0, 1.5, "half"):
        with pytest.raises(ConfigError, match="The 'fraction' parameter of perplexity_band"):
            PerplexityBand(fraction=fraction).check_params()
    with pytest.raises(ConfigError, match="The 'budget' parameter of perplexity_band"):
        PerplexityBand(budget=0).check_params()
    with pytest.raises(ConfigError, match="no column 'dp_score_hf_perplexity'"):
        PerplexityBand().check_columns(["text", "id"])
    with pytest.raises(ConfigError, match="must be numeric"):
        run_stage(PerplexityBand(score_column="text"), records())


def test_ngram_perplexity_bands_on_real_text(tmp_path):
    """A 3-gram KN model of WikiText-2 valid scores a pool of WikiText-2 test paragraphs,
    AG News articles and Shakespeare speeches; each band holds exactly its ranks of the scores
    (computed here from the scorer alone), the low band is mostly Wikipedia and the high band
    has little of it."""
    wiki = [
        p
        for article in load_shared("wikitext-2/wikitext2_test.jsonl.gz")[:6]
        for p in article["text"].split("\n")
        if len(p.split()) > 30
    ][:60]
    news = [r["text"] for r in load_shared("ag_news/ag_news_test.jsonl.gz")[:60]]
    plays = [r["text"] for r in load_shared("tinyshakespeare/tinyshakespeare.jsonl.gz")[:60]]
    pool = [(t, "wiki") for t in wiki] + [(t, "news") for t in news] + [(t, "plays") for t in plays]
    random.Random(0).shuffle(pool)
    source = tmp_path / "pool.jsonl"
    source.write_text("".join(json.dumps({"text": text}) + "\n" for text, _ in pool))
    reference = str(shared_file("wikitext-2", "wikitext2_valid.jsonl.gz"))
    origin = [kind for _, kind in pool]
    scorer = NgramPerplexityScorer(reference=reference)
    scores = run_stage(scorer, [{"text": t} for t, _ in pool]).column(scorer.score_column)
    scores = np.array(scores.to_pylist(), dtype=float)
    ranked = sorted(range(len(pool)), key=lambda i: (scores[i], i))
    n = len(pool)
    k = int(0.25 * n + 0.5)
    bands = {"low": ranked[:k], "middle": ranked[(n - k) // 2 :][:k], "high": ranked[-k:]}
    share = {}
    for band, ranks in bands.items():
        out = tmp_path / band
        stages = [
            NgramPerplexityScorer(reference=reference),
            PerplexityBand(score_column="dp_score_ngram_perplexity", band=band, fraction=0.25),
        ]
        Pipeline(stages, settings=RunSettings(batch_rows=50)).run([str(source)], out)
        kept = _kept_rows(out)
        assert kept == sorted(ranks)
        share[band] = sum(origin[i] == "wiki" for i in kept) / k
    # a third of the pool is Wikipedia; the in-domain model ranks it low
    assert share["low"] >= 0.6 and share["high"] <= 0.1, share


def _kept_rows(out):
    """Input line numbers of the kept rows (ids are 'pool.jsonl:<line>')."""
    rows = []
    for path in sorted((out / "data").glob("*.arrow")):
        with pa.memory_map(str(path)) as source:
            table = pa.ipc.open_stream(source).read_all()
        rows += [int(i.rsplit(":", 1)[1]) for i in table.column("id").to_pylist()]
    return sorted(rows)
