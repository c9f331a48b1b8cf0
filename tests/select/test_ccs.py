import numpy as np
import pytest

from dataprep.errors import ConfigError
from dataprep.select.base import budget_rows
from dataprep.select.ccs import CCS, bin_allocate, ccs_plan, prune_hardest, strata_of
from dataprep.testing import reasons_of, run_stage


def kept(out):
    return [i for i, r in enumerate(reasons_of(out)) if r is None]


def test_bin_allocate_fills_the_sparsest_bins_first():
    # by size: bin 3 (0) gets min(0, 8 // 4) = 0; bin 1 (1) min(1, 8 // 3) = 1; bin 2 (3)
    # min(3, 7 // 2) = 3; bin 0 (10) the 4 left
    assert bin_allocate(np.array([10, 1, 3, 0]), 8).tolist() == [4, 1, 3, 0]
    assert bin_allocate(np.array([5, 5, 5]), 14).tolist() == [4, 5, 5]  # ties: bin order
    assert bin_allocate(np.array([2, 9]), 11).tolist() == [2, 9]


def test_strata_are_equal_width_with_the_maximum_in_the_last():
    assert strata_of(np.array([0.0, 0.1, 0.5, 0.49, 1.0]), 2).tolist() == [0, 0, 1, 0, 1]
    assert strata_of(np.array([-3.0, -2.0, -1.0]), 4).tolist() == [0, 2, 3]
    assert strata_of(np.array([7.0, 7.0]), 5).tolist() == [0, 0]


def test_prune_hardest_keeps_enough_rows_for_the_budget():
    hardness = np.array([5.0, 1.0, 9.0, 3.0])
    assert prune_hardest(hardness, 0.5, 2).tolist() == [1, 3]  # 9 and 5 go
    assert prune_hardest(hardness, 0.5, 3).tolist() == [0, 1, 3]  # only 9 goes
    assert prune_hardest(hardness, 0.0, 1).tolist() == [0, 1, 2, 3]


def test_plan_prunes_then_spreads_the_budget_over_strata():
    # hardness 0..9; prune 0.2 drops 9 and 8; bins of 0..7 with 2 strata: [0, 3.5) and [3.5, 7]
    plan = ccs_plan(np.arange(10.0), 5, 0.2, 2)
    assert [(p.tolist(), b) for p, b in plan] == [([0, 1, 2, 3], 2), ([4, 5, 6, 7], 3)]


def test_stage_by_hand_and_hard_low():
    # scores 0..9 (higher = harder); prune 0.2, 2 strata, budget 4: 2 from rows 0-3, 2 from 4-7
    records = [{"text": f"t{i}", "q": float(i)} for i in range(10)]
    for seed in range(5):
        chosen = kept(
            run_stage(CCS(budget=4, column="q", prune_hard=0.2, strata=2, seed=seed), records)
        )
        assert len([i for i in chosen if i < 4]) == 2
        assert len([i for i in chosen if 4 <= i < 8]) == 2
    # hard: low prunes the lowest scores instead
    chosen = kept(run_stage(CCS(budget=8, column="q", hard="low", prune_hard=0.2), records))
    assert chosen == list(range(2, 10))


def test_seeded_deterministic_and_budget_exact():
    rng = np.random.default_rng(0)
    records = [{"text": "x", "q": float(v)} for v in rng.random(50)]
    for budget in (0.5, 0.1, 3, 100):
        first = kept(run_stage(CCS(budget=budget, column="q", seed=3), records))
        split = kept(run_stage(CCS(budget=budget, column="q", seed=3), records, batch_rows=7))
        assert first == split and len(first) == budget_rows(budget, 50)
    assert kept(run_stage(CCS(budget=10, column="q", seed=1), records)) != kept(
        run_stage(CCS(budget=10, column="q", seed=2), records)
    )


def test_missing_scores_come_last_and_bad_parameters_are_config_errors():
    # rows without a score only fill the budget when the scored rows run out
    records = [{"text": "x", "q": None}, {"text": "y", "q": 1.0}, {"text": "z", "q": None}]
    assert kept(run_stage(CCS(budget=1, column="q"), records)) == [1]
    stage = CCS(budget=2, column="q")
    run_stage(stage, records)
    assert stage.selected_rows_.tolist() == [1, 0]
    with pytest.raises(ConfigError, match="'prune_hard' parameter of ccs"):
        CCS(prune_hard=1.0).check_params()
    with pytest.raises(ConfigError, match="'hard' parameter of ccs"):
        CCS(hard="up").check_params()
    with pytest.raises(ConfigError, match="no column 'dp_score_difficulty'"):
        CCS().check_columns(["text"])
