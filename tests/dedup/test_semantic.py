import numpy as np
import pytest
from conftest import read_jsonl_gz, shared_file

from dataprep.dedup.semantic import SemanticDedup, duplicates_in_cluster, kept_of
from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.testing import reasons_of, run_stage


def unit(*vector):
    v = np.asarray(vector, dtype=np.float64)
    return (v / np.linalg.norm(v)).tolist()


def test_duplicates_against_any_earlier_row_in_rank_order():
    vectors = np.array([unit(1, 0), unit(1, 0.1), unit(0, 1), unit(1, 0.05)], np.float32)
    # cos(v0, v1) = 1 / sqrt(1.01) = 0.99504; cos(v0, v3) = 1 / sqrt(1.0025) = 0.99875;
    # cos(v1, v3) = 1.005 / sqrt(1.01 * 1.0025) = 0.99876; v2 is orthogonal to all.
    # Each duplicate names its most similar earlier row: v3 is closer to v1 than to v0.
    matches = duplicates_in_cluster(vectors, eps=0.01, block_rows=2)
    assert matches.tolist() == [-1, 0, -1, 1]
    assert kept_of(matches).tolist() == [0, 0, -1, 0]  # v3 -> v1 -> v0, the kept row
    # threshold 0.998: only v3 is too close to an earlier row, v1 (0.99876) more than v0
    matches = duplicates_in_cluster(vectors, eps=0.002, block_rows=1)
    assert matches.tolist() == [-1, -1, -1, 1]
    assert kept_of(matches).tolist() == [-1, 1, -1, 1]
    assert duplicates_in_cluster(vectors, eps=0.0001, block_rows=3).tolist() == [-1] * 4


def test_links_lead_to_the_kept_row_of_a_chain():
    # 1 and 2 duplicate 0 and 1; 3 is kept with no duplicate; 5 duplicates 4 (kept)
    assert kept_of(np.array([-1, 0, 1, -1, -1, 4])).tolist() == [0, 0, 0, -1, 4, 4]
    assert kept_of(np.array([], np.int64)).tolist() == []


def angle_rows(angles):
    """Unit vectors at ``angles`` (degrees): ('xy', a) from x towards y, ('zy', a) from z
    towards y."""
    vectors = []
    for plane, degrees in angles:
        a = np.radians(degrees)
        vectors.append(
            [np.cos(a), np.sin(a), 0.0] if plane == "xy" else [0.0, np.sin(a), np.cos(a)]
        )
    return [{"text": f"t{i}", "vec": v} for i, v in enumerate(vectors)]


def test_every_row_of_a_duplicate_group_names_its_kept_row_in_dp_dup_cluster():
    # Two k-means clusters. 'hard' ranks the farthest from the centroid first:
    # xy: -7 (row 1), 5 (row 2), 0 (row 0); zy: 11 (row 4), 0 (row 5), 2 (row 3).
    # Duplicates are pairs closer than 8 degrees: row 0 is within 7 of row 1 and within 5 of
    # row 2, so it names row 2 (the more similar); row 3 is within 2 of row 5, 9 from row 4.
    records = angle_rows([("xy", 0), ("xy", -7), ("xy", 5), ("zy", 2), ("zy", 11), ("zy", 0)])
    eps = 1 - np.cos(np.radians(8))
    out = run_stage(
        SemanticDedup(eps=eps, num_clusters=2), records, encoder=EncoderSettings(column="vec")
    )
    assert reasons_of(out) == ["semantic_duplicate", None, None, "semantic_duplicate", None, None]
    assert out.column("dp_dup_cluster").to_pylist() == [2, None, 2, 5, None, 5]
    clusters = out.column("dp_semantic_cluster").to_pylist()
    assert sorted(set(clusters)) == [0, 1] and clusters[:3] == [clusters[0]] * 3
    assert clusters[3:] == [clusters[3]] * 3 != clusters[:3]


def rows_with_vectors():
    # Two tight groups and one loner; within group A, row 1 lies farthest from A's centre.
    vectors = [
        unit(1, 0, 0.02),
        unit(1, 0.06, 0),
        unit(1, 0, 0),
        unit(0, 1, 0),
        unit(0, 1, 0.01),
        unit(0, 0, 1),
    ]
    return [{"text": f"t{i}", "vec": v} for i, v in enumerate(vectors)]


@pytest.mark.parametrize(
    ("keep", "expected"),
    [
        # hard keeps the member farthest from its centroid; easy the nearest
        ("hard", [True, False, True, None, None, False]),
        ("easy", [True, True, False, None, None, False]),
    ],
)
def test_keep_order_decides_which_member_survives(keep, expected):
    stage = SemanticDedup(eps=0.01, num_clusters=3, keep=keep)
    out = run_stage(stage, rows_with_vectors(), encoder=EncoderSettings(column="vec"))
    dropped = [r == "semantic_duplicate" for r in reasons_of(out)]
    clusters = out.column("dp_semantic_cluster").to_pylist()
    assert clusters[0] == clusters[1] == clusters[2] and clusters[3] == clusters[4]
    assert len({clusters[0], clusters[3], clusters[5]}) == 3
    # in group B (rows 3, 4) exactly one is dropped; group A as expected
    assert dropped[3] != dropped[4]
    assert [dropped[i] for i in (0, 1, 2, 5)] == [e for e in expected if e is not None]


def test_bad_parameters():
    with pytest.raises(ConfigError, match="The 'eps' parameter of semantic_dedup"):
        SemanticDedup(eps=0).check_params()
    with pytest.raises(ConfigError, match="The 'keep' parameter of semantic_dedup must be one of"):
        SemanticDedup(keep="median").check_params()


@pytest.mark.slow
def test_mrpc_paraphrase_partners_are_removed_far_more_than_other_rows(tmp_path):
    pytest.importorskip("sentence_transformers")
    pairs = [
        r for r in read_jsonl_gz(shared_file("mrpc", "mrpc_test.jsonl.gz")) if r["label"] == 1
    ][:300]
    texts = [r["text1"] for r in pairs] + [r["text2"] for r in pairs]
    stage = SemanticDedup(eps=0.15, num_clusters=10)
    encoder = EncoderSettings(cache_dir=str(tmp_path))
    out = run_stage(stage, [{"text": t} for t in texts], encoder=encoder)
    dropped = np.array([r is not None for r in reasons_of(out)])
    n = len(pairs)
    # A row removed while its partner stays is a paraphrase partner removed (measured: 45% of
    # pairs at eps 0.15); a row removed although its partner is also gone was removed for
    # another row (measured: none).
    partner_removed = (dropped[:n] ^ dropped[n:]).sum()
    other_removed = 2 * (dropped[:n] & dropped[n:]).sum()
    assert partner_removed >= 0.35 * n
    assert other_removed <= 0.05 * partner_removed
