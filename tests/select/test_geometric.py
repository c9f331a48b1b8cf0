import math

import numpy as np
import pytest
from conftest import read_jsonl_gz, shared_file

from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.select.base import budget_rows
from dataprep.select.geometric import (
    D4,
    DensitySample,
    FacilityLocation,
    KCenterGreedy,
    Prototypes,
)
from dataprep.select.graph import coverage, knn_graph
from dataprep.testing import reasons_of, run_stage

VEC = EncoderSettings(column="vec")  # the run's encoder settings: vectors from column 'vec'


def run(stage, records, **options):
    """``run_stage`` with the vectors read from the records' ``vec`` column."""
    return run_stage(stage, records, encoder=VEC, **options)


def kept(out):
    return [i for i, r in enumerate(reasons_of(out)) if r is None]


def angle_rows(*degrees):
    return [
        {"text": f"t{i}", "vec": [math.cos(math.radians(a)), math.sin(math.radians(a))]}
        for i, a in enumerate(degrees)
    ]


def random_rows(n, dim=8, seed=0):
    vectors = np.random.default_rng(seed).normal(size=(n, dim))
    return [{"text": f"t{i}", "vec": v.tolist()} for i, v in enumerate(vectors)]


def all_stages(budget, seed=0):
    common = dict(budget=budget, seed=seed)
    return [
        KCenterGreedy(**common),
        FacilityLocation(knn=5, **common),
        DensitySample(knn=5, **common),
        Prototypes(num_clusters=3, **common),
        D4(num_clusters=3, eps=0.01, **common),
    ]


@pytest.mark.parametrize("n", [1, 7, 25])
@pytest.mark.parametrize("budget", [0.5, 0.1, 3, 100])
def test_budgets_are_met_exactly(n, budget):
    records = random_rows(n)
    for stage in all_stages(budget):
        out = run(stage, records)
        assert len(kept(out)) == budget_rows(budget, n), stage
        assert set(reasons_of(out)) <= {None, "not_in_coreset", "semantic_duplicate"}


def test_deterministic_given_seed_and_across_batch_splits():
    records = random_rows(40, seed=3)
    for whole_stage, split_stage in zip(all_stages(0.25), all_stages(0.25), strict=True):
        whole = reasons_of(run(whole_stage, records))
        assert reasons_of(run(split_stage, records, batch_rows=3)) == whole, whole_stage
    for stage in (KCenterGreedy, DensitySample):
        first = kept(run(stage(budget=10, seed=1), records))
        other = kept(run(stage(budget=10, seed=2), records))
        assert first != other  # the seed matters


def test_kcenter_greedy_order_by_hand():
    # Unit vectors at 0, 10, 90, 180 and 105 degrees; distance = 1 - cos(angle between).
    records = angle_rows(0, 10, 90, 180, 105)
    stage = KCenterGreedy(budget=5, start="first")
    run(stage, records, batch_rows=3)
    # 1. start at row 0 (0 deg). Distances to it: r1 1-cos10 = 0.015, r2 1-cos90 = 1,
    #    r3 1-cos180 = 2, r4 1-cos105 = 1.259 -> take r3.
    # 2. to r3 (180): r1 1-cos170 = 1.985, r2 1-cos90 = 1, r4 1-cos75 = 0.741; running minima
    #    r1 0.015, r2 1, r4 0.741 -> take r2.
    # 3. to r2 (90): r1 1-cos80 = 0.826, r4 1-cos15 = 0.034; minima r1 0.015, r4 0.034
    #    -> take r4, then r1.
    assert stage.selected_rows_.tolist() == [0, 3, 2, 4, 1]
    stage = KCenterGreedy(budget=3, start="first")
    assert kept(run(stage, records)) == [0, 2, 3]
    # a seeded random start still spreads out: from any start, 3 rows never include both 0
    # and 10 degrees
    for seed in range(5):
        stage = KCenterGreedy(budget=3, seed=seed)
        assert not {0, 1} <= set(kept(run(stage, records)))


def test_facility_location_beats_random_sets_on_real_embeddings(tmp_path):
    pytest.importorskip("sentence_transformers")
    rows = read_jsonl_gz(shared_file("sst2", "sst2_train.jsonl.gz"))[:300]
    records = [{"text": r["text"]} for r in rows]
    stage = FacilityLocation(budget=30, knn=20)
    encoder = EncoderSettings(cache_dir=str(tmp_path))
    out = run_stage(stage, records, batch_rows=100, encoder=encoder)
    chosen = kept(out)
    assert len(chosen) == 30
    vectors = stage.vectors(out)  # cached now: same vectors as the fit saw
    indices, sims = knn_graph(vectors, 20, 64)
    best = coverage(indices, sims, chosen)
    assert best == pytest.approx(stage.objective_, rel=1e-5)
    rng = np.random.default_rng(0)
    for _ in range(20):
        assert best >= coverage(indices, sims, rng.choice(300, 30, replace=False))


def test_facility_location_covers_each_cluster_on_hand_built_vectors():
    # three tight groups of 4 around 0, 120 and 240 degrees: 3 rows cover one group each
    records = angle_rows(0, 2, -2, 1, 120, 122, 118, 121, 240, 242, 238, 241)
    stage = FacilityLocation(budget=3, knn=4)
    chosen = kept(run(stage, records, batch_rows=3))
    assert sorted(i // 4 for i in chosen) == [0, 1, 2]


def test_prototypes_keep_farthest_or_nearest():
    # one cluster; the centroid of the unit vectors at 0, 5, -5, 30, -40 degrees lies at
    # atan2(sum sin, sum cos) = atan2(-0.143, 4.624) = -1.77 degrees, so the angles from it are
    # 1.8, 6.8, 3.2, 31.8 and 38.2 degrees.
    records = angle_rows(0, 5, -5, 30, -40)
    hard = Prototypes(budget=2, num_clusters=1)
    assert kept(run(hard, records)) == [3, 4]
    assert hard.selected_rows_.tolist() == [4, 3]  # farthest first
    easy = Prototypes(budget=2, num_clusters=1, keep="easy")
    assert kept(run(easy, records, batch_rows=2)) == [0, 2]


def test_density_prefers_isolated_points():
    rng = np.random.default_rng(0)
    dim = 16
    centre = np.zeros(dim)
    centre[0] = 1.0
    tight = centre + 0.02 * rng.normal(size=(50, dim))  # 50 near-identical rows
    isolated = rng.normal(size=(10, dim))  # 10 rows in random directions
    vectors = np.concatenate([tight, isolated])
    records = [{"text": str(i), "vec": v.tolist()} for i, v in enumerate(vectors)]
    picks = 0
    for seed in range(10):
        stage = DensitySample(budget=10, knn=5, seed=seed)
        picks += sum(i >= 50 for i in kept(run(stage, records)))
        assert stage.density_[50:].max() < stage.density_[:50].min()
    # uniform sampling would take 10 * 10 / 60 = 1.7 isolated rows per run; this takes ~all
    assert picks >= 80


def test_d4_removes_duplicates_then_fills_with_prototypes():
    # rows 0-2 are near-identical (cosine > 0.999); rows 3-5 are far apart
    records = angle_rows(0, 0.5, 1, 90, 180, 270)
    reasons = reasons_of(run(D4(budget=4, num_clusters=1, eps=0.01), records))
    assert reasons[3:] == [None, None, None]
    assert reasons[:3].count("semantic_duplicate") == 2 and reasons[:3].count(None) == 1
    # a smaller budget: survivors are ranked by distance to the centroid
    reasons = reasons_of(run(D4(budget=2, num_clusters=1, eps=0.01), records))
    assert reasons.count("semantic_duplicate") == 2 and reasons.count("not_in_coreset") == 2
    # a budget above the survivors refills from the duplicates
    reasons = reasons_of(run(D4(budget=5, num_clusters=1, eps=0.01), records))
    assert reasons.count("semantic_duplicate") == 1 and reasons.count(None) == 5


def test_bad_parameters():
    with pytest.raises(ConfigError, match="The 'budget' parameter of kcenter_greedy"):
        KCenterGreedy(budget=1.5).check_params()
    with pytest.raises(ConfigError, match="The 'start' parameter of kcenter_greedy"):
        KCenterGreedy(start="last").check_params()
    with pytest.raises(ConfigError, match="The 'knn' parameter of facility_location"):
        FacilityLocation(knn=0).check_params()
    with pytest.raises(ConfigError, match="The 'bandwidth' parameter of density"):
        DensitySample(bandwidth=0).check_params()
    with pytest.raises(ConfigError, match="The 'keep' parameter of prototypes"):
        Prototypes(keep="random").check_params()
    with pytest.raises(ConfigError, match="The 'eps' parameter of d4"):
        D4(eps=0).check_params()
    with pytest.raises(ConfigError, match="The 'num_clusters' parameter of d4"):
        D4(num_clusters=0).check_params()
