"""Pacing functions against their formulas, eligibility, coverage and the draw's invariants."""

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from dataprep.errors import ConfigError
from dataprep.schedule.curriculum import (
    DRAWS,
    PACED,
    PACINGS,
    Curriculum,
    DifficultyOrder,
    PlanDrawer,
)


def competence(steps_total=20, **params):
    return Curriculum(**params).competence(np.arange(steps_total + 5), steps_total)


def test_linear_competence_is_platanios_linear():
    values = competence(pacing="linear", c0=0.1, ramp_steps=10)
    assert values[0] == pytest.approx(0.1)
    assert values[5] == pytest.approx(0.1 + 0.9 * 5 / 10)
    assert values[9] == pytest.approx(0.91)
    assert values[10] == 1.0 and values[24] == 1.0


def test_root_competence_is_platanios_root():
    values = competence(pacing="root", c0=0.1, power=2.0, ramp_steps=10)
    assert values[0] == pytest.approx(0.1)
    assert values[5] == pytest.approx(math.sqrt(0.01 + 0.99 * 0.5))
    cube = competence(pacing="root", c0=0.2, power=3.0, ramp_steps=8)
    assert cube[2] == pytest.approx((0.008 + 0.992 * 2 / 8) ** (1 / 3))
    assert values[10] == 1.0


def test_exponential_is_hacohen_weinshall_fixed_exponential():
    params = dict(pacing="exponential", starting_fraction=0.1, increase=2.0, step_length=3)
    values = competence(**params)
    expected = [0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.4, 0.4, 0.4, 0.8, 0.8, 0.8, 1.0, 1.0]
    assert values[:14].tolist() == pytest.approx(expected)


def test_exponential_default_step_length_spreads_the_increases_over_the_ramp():
    curriculum = Curriculum(pacing="exponential", starting_fraction=0.04, increase=1.9)
    # 100 steps, ramp 50; ceil(log(25) / log(1.9)) = 6 increases -> every floor(50 / 6) = 8 steps
    assert curriculum.exponential_step_length(100) == 8
    assert curriculum.competence(np.array([48]), 100)[0] == 1.0
    assert curriculum.competence(np.array([47]), 100)[0] == pytest.approx(0.04 * 1.9**5)


def test_baby_steps_adds_one_bucket_per_phase():
    values = competence(pacing="baby_steps", num_buckets=4, ramp_steps=8)
    assert values[:10].tolist() == [0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize("pacing", ["random", "sorted", "anti"])
def test_baselines_have_full_competence(pacing):
    assert (competence(pacing=pacing) == 1.0).all()


def test_difficulty_cdf_and_buckets_by_quantiles():
    difficulty = DifficultyOrder.from_values(
        np.array([3.0, 1.0, 2.0, 2.0, 5.0]), descending=False, num_buckets=5, seed=0
    )
    assert difficulty.order[0] == 1 and set(difficulty.order[1:3]) == {2, 3}
    assert difficulty.order[3:].tolist() == [0, 4]
    assert difficulty.cdf.tolist() == pytest.approx([0.2, 0.6, 0.6, 0.8, 1.0])
    assert difficulty.bucket.tolist() == [3, 0, 2, 2, 4]  # ceil(cdf * 5) - 1, by row
    flipped = DifficultyOrder.from_values(
        np.array([3.0, 1.0, 2.0, 2.0, 5.0]), descending=True, num_buckets=5, seed=0
    )
    assert flipped.order[0] == 4 and flipped.order[-1] == 1


def test_ties_unlock_together_and_some_row_is_always_eligible():
    difficulty = DifficultyOrder.from_values(
        np.array([1.0, 1.0, 1.0, 2.0]), descending=False, num_buckets=2, seed=0
    )
    counts = difficulty.eligible_count(np.array([0.01, 0.5, 0.75, 1.0]), by_cdf=True)
    assert counts.tolist() == [3, 3, 3, 4]


def plan(values, **params):
    curriculum = Curriculum(**params)
    difficulty = DifficultyOrder.from_values(
        np.asarray(values, dtype=float),
        descending=curriculum.order == "descending",
        num_buckets=curriculum.num_buckets,
        seed=curriculum.seed,
    )
    drawer = PlanDrawer(curriculum, difficulty)
    rows, steps = drawer.draw(0, drawer.steps)
    return curriculum, difficulty, drawer, rows, steps


def cdf_of_rows(difficulty):
    """The difficulty CDF (percentile) of every row, by row number."""
    cdf = np.empty(len(difficulty.order))
    cdf[difficulty.order] = difficulty.cdf
    return cdf


@pytest.mark.parametrize("pacing", ["linear", "root", "baby_steps"])
@pytest.mark.parametrize("draw", DRAWS)
def test_competence_pacing_never_serves_a_row_above_competence(pacing, draw):
    values = np.random.default_rng(3).normal(size=997).round(2)  # many ties
    _curriculum, difficulty, drawer, rows, steps = plan(
        values, pacing=pacing, batch_size=16, epochs=3, c0=0.05, draw=draw
    )
    cdf_of_row = np.empty(len(values))
    cdf_of_row[difficulty.order] = difficulty.cdf
    bound = drawer.competence(0, drawer.steps)[steps]
    first_tie = difficulty.cdf[0]
    assert (cdf_of_row[rows] <= np.maximum(bound, first_tie) + 1e-12).all()
    assert (np.diff(steps) >= 0).all() and len(rows) == 3 * 997


@pytest.mark.parametrize("draw", DRAWS)
def test_exponential_serves_only_the_easiest_share(draw):
    values = np.random.default_rng(4).random(500)
    _curriculum, difficulty, drawer, rows, steps = plan(
        values, pacing="exponential", batch_size=10, starting_fraction=0.1, increase=2.0, draw=draw
    )
    rank = np.empty(len(values), dtype=int)
    rank[difficulty.order] = np.arange(len(values))
    share = drawer.competence(0, drawer.steps)[steps]
    assert (rank[rows] < np.ceil(share * len(values))).all()
    assert rank[rows[:10]].max() < 50


@pytest.mark.parametrize("pacing", PACINGS)
@pytest.mark.parametrize("draw", ["uniform", "rounds"])
def test_a_plan_with_a_full_epoch_at_full_competence_serves_every_row(pacing, draw):
    values = np.random.default_rng(5).random(1_003)
    _, _, drawer, rows, _ = plan(
        values, pacing=pacing, batch_size=7, epochs=2, ramp_fraction=0.45, draw=draw
    )
    assert drawer.samples == 2_006 and len(rows) == 2_006
    assert drawer.samples - drawer.full_step * 7 >= 1_003  # an epoch after the ramp
    assert np.bincount(rows, minlength=1_003).min() >= 1


def test_random_pacing_is_a_permutation_per_epoch():
    _, _, _, rows, steps = plan(np.arange(100.0), pacing="random", batch_size=8, epochs=1)
    assert sorted(rows.tolist()) == list(range(100))
    assert rows.tolist() != list(range(100))
    assert np.bincount(steps).tolist() == [8] * 12 + [4]  # the last step is short


def test_sorted_and_anti_follow_difficulty_each_epoch():
    values = np.random.default_rng(6).random(50)
    _, _, _, rows, _ = plan(values, pacing="sorted", batch_size=5, epochs=2)
    assert (np.diff(values[rows[:50]]) >= 0).all() and rows[:50].tolist() == rows[50:].tolist()
    _, _, _, rows, _ = plan(values, pacing="anti", batch_size=5, epochs=1)
    assert (np.diff(values[rows]) <= 0).all()


@pytest.mark.parametrize("pacing", ["linear", "exponential", "baby_steps", "random", "sorted"])
@pytest.mark.parametrize("draw", DRAWS)
@pytest.mark.parametrize("chunk", [1, 3, 17])
def test_drawing_in_chunks_equals_drawing_at_once(pacing, draw, chunk):
    # 301 rows, batches of 4: many epochs after the ramp, and batches that span two epochs.
    values = np.random.default_rng(7).random(301)
    params = dict(pacing=pacing, batch_size=4, epochs=5, ramp_fraction=0.3, draw=draw)
    _, difficulty, drawer, whole, _ = plan(values, **params)
    chunked = PlanDrawer(drawer.curriculum, difficulty)
    bounds = [*range(0, drawer.steps, chunk), drawer.steps]
    pieces = [chunked.draw(a, b)[0] for a, b in itertools.pairwise(bounds)]
    assert np.concatenate(pieces).tolist() == whole.tolist()
    with pytest.raises(ValueError):
        chunked.draw(0, 5)


@pytest.mark.parametrize("draw", DRAWS)
def test_the_seed_decides_the_plan(draw):
    values = np.random.default_rng(8).random(200)
    a = plan(values, pacing="root", seed=1, draw=draw)[3]
    b = plan(values, pacing="root", seed=1, draw=draw)[3]
    c = plan(values, pacing="root", seed=2, draw=draw)[3]
    assert a.tolist() == b.tolist() and a.tolist() != c.tolist()


@pytest.mark.parametrize("draw", ["uniform", "rounds"])
def test_draws_without_replacement_when_every_row_is_eligible(draw):
    # All rows eligible from step 0 (c0 = 1): every 10 draws are a permutation (shuffled
    # epochs for uniform, rounds for rounds).
    params = dict(pacing="linear", c0=1.0, batch_size=5, epochs=3, draw=draw)
    _, _, drawer, rows, _ = plan(np.arange(10.0), **params)
    assert drawer.full_step == 0
    for start in range(0, 30, 10):
        assert sorted(rows[start : start + 10].tolist()) == list(range(10))


def mean_percentile_by_competence(pacing, draw, targets=(0.2, 0.5, 0.8), head=1.0, **params):
    """(competence, mean CDF of the rows drawn at that competence) for each target competence:
    the steps whose competence is within 0.05 of it (the exact level for stepwise pacings),
    only the first ``head`` share of each run of steps with one competence."""
    values = np.random.default_rng(11).random(10_000)
    _, difficulty, drawer, rows, steps = plan(
        values, pacing=pacing, batch_size=32, epochs=2, draw=draw, **params
    )
    by_step = drawer.competence(0, drawer.steps)
    run_start = np.concatenate([[0], np.flatnonzero(np.diff(by_step)) + 1])
    run_of_step = np.searchsorted(run_start, np.arange(drawer.steps), side="right") - 1
    run_length = np.diff(np.concatenate([run_start, [drawer.steps]]))[run_of_step]
    in_head = np.arange(drawer.steps) - run_start[run_of_step] < np.maximum(1, head * run_length)
    level = by_step[steps]
    percentile = cdf_of_rows(difficulty)[rows]
    found = []
    for target in targets:
        near = (np.abs(level - target) <= 0.05) & in_head[steps]
        assert near.sum() >= 300, (target, near.sum())  # enough draws for a tight mean
        found.append((level[near].mean(), percentile[near].mean()))
    return found


STEPWISE = {  # levels 0.2, 0.4, 0.8, then 1; and 0.2, 0.4, 0.6, 0.8, then 1
    "exponential": dict(starting_fraction=0.2, increase=2.0, targets=(0.2, 0.4, 0.8)),
    "baby_steps": dict(num_buckets=5, targets=(0.2, 0.4, 0.6, 0.8)),
}


@pytest.mark.parametrize("pacing", PACED)
@pytest.mark.parametrize("head", [1.0, 0.2])
def test_the_default_draw_is_uniform_over_the_easiest_share(pacing, head):
    # Acceptance criterion of issue 12: at competence c the rows drawn have a mean difficulty
    # percentile of about c / 2 (uniform over the rows with CDF <= c), within 0.4c .. 0.6c;
    # also right after each rise of a stepwise pacing (head 0.2: the first fifth of a level).
    params = STEPWISE.get(pacing, {})
    for level, mean in mean_percentile_by_competence(pacing, "uniform", head=head, **params):
        assert 0.4 * level <= mean <= 0.6 * level, (level, mean)


@pytest.mark.parametrize("pacing", ["linear", "root"])
def test_rounds_draw_concentrates_at_the_competence_frontier(pacing):
    # The documented bias of draw: rounds: rows that become eligible join the current round,
    # so they are drawn ahead of the easier rows already served: on the linear ramp the mean
    # percentile at competence c is close to c, not c / 2 (root: once its rise slows down).
    ratios = [mean / level for level, mean in mean_percentile_by_competence(pacing, "rounds")]
    if pacing == "linear":
        assert min(ratios) > 0.75, ratios
    else:
        assert ratios[-1] > 0.7, ratios


def test_draws_at_a_fixed_step_are_uniform_over_the_eligible_rows():
    # 400 plans with different seeds; the 8 rows each draws at step 20 (competence 0.5, 100 of
    # the 200 rows eligible): chi-square against uniform counts, and never outside the set.
    values = np.arange(200.0)  # distinct: the eligible set does not depend on the seed
    counts = np.zeros(200, dtype=int)
    for seed in range(400):
        curriculum = Curriculum(pacing="linear", c0=0.1, ramp_steps=45, batch_size=8, seed=seed)
        difficulty = DifficultyOrder.from_values(values, descending=False, num_buckets=10, seed=0)
        drawer = PlanDrawer(curriculum, difficulty)
        assert drawer.eligible(20, 21)[0] == 100
        rows, steps = drawer.draw(0, 21)
        batch = rows[steps == 20]
        assert len(set(batch.tolist())) == 8  # no repeat within the batch
        np.add.at(counts, batch, 1)
    assert counts[100:].sum() == 0
    assert stats.chisquare(counts[:100]).pvalue > 0.001
    # the same over a long stretch of steps of one plan (baby_steps phase 0: 50 rows eligible)
    _, _, drawer, rows, steps = plan(
        np.arange(200.0), pacing="baby_steps", num_buckets=4, ramp_steps=4_000, batch_size=10
    )
    phase0 = rows[steps < 1_000]
    assert phase0.max() < 50
    assert stats.chisquare(np.bincount(phase0, minlength=50)).pvalue > 0.001


def test_iid_draw_is_uniform_with_replacement():
    _, _, _, rows, steps = plan(
        np.arange(200.0),
        pacing="baby_steps",
        num_buckets=4,
        ramp_steps=4_000,
        batch_size=10,
        draw="iid",
    )
    phase0, phase0_steps = rows[steps < 1_000], steps[steps < 1_000]
    assert phase0.max() < 50
    assert stats.chisquare(np.bincount(phase0, minlength=50)).pvalue > 0.001
    repeats = sum(len(set(phase0[phase0_steps == s].tolist())) < 10 for s in range(1_000))
    assert repeats > 500  # 10 draws among 50 rows repeat one with probability 0.62


def test_no_row_repeats_within_a_batch_when_enough_rows_are_eligible():
    # 103 rows, batches of 8: after the ramp, 1 batch in 8 spans two epochs.
    values = np.random.default_rng(12).random(103)
    for pacing in (*PACED, "random"):
        _, _, drawer, rows, steps = plan(values, pacing=pacing, batch_size=8, epochs=9)
        eligible = drawer.eligible(0, drawer.steps)
        for step in range(drawer.steps):
            batch = rows[steps == step].tolist()
            if eligible[step] >= 8:
                assert len(set(batch)) == len(batch), (pacing, step)
            else:  # shuffled copies of the eligible rows: each appears as evenly as it can
                counts = np.bincount(batch)
                assert counts.max() - counts[counts > 0].min() <= 1


@pytest.mark.parametrize("pacing", PACINGS[:5])
def test_after_full_competence_every_epoch_serves_every_row_once(pacing):
    values = np.random.default_rng(13).random(103)
    _, _, drawer, rows, _ = plan(values, pacing=pacing, batch_size=8, epochs=9)
    after = rows[drawer.full_step * 8 :]
    assert len(after) >= 4 * 103
    for start in range(0, len(after) - 102, 103):
        assert sorted(after[start : start + 103].tolist()) == list(range(103))
    if pacing == "random":
        assert drawer.full_step == 0


def test_small_plans_by_hand():
    # 3 rows, linear from c0 = 0.1 over 4 steps of 4: eligible 1, 2, 3 (CDF <= 0.1, 0.325,
    # 0.55 and 0.775 keeps 0, 0, 1 and 2 rows above the first: 1, 1, 2, 3 rows).
    curriculum, _, drawer, rows, steps = plan(
        [0.0, 1.0, 2.0], pacing="linear", c0=0.1, ramp_steps=4, batch_size=4, total_samples=28
    )
    assert drawer.eligible(0, 7).tolist() == [1, 1, 1, 2, 3, 3, 3]
    assert drawer.full_step == 4
    by_step = [rows[steps == s].tolist() for s in range(7)]
    assert by_step[:3] == [[0, 0, 0, 0]] * 3  # one eligible row: it fills the batch
    assert sorted(by_step[3]) == [0, 0, 1, 1]  # two shuffled copies of rows 0 and 1
    # from step 4 on: shuffled epochs of the 3 rows, epoch k = default_rng([seed, 3, k])
    epochs = [np.random.default_rng([curriculum.seed, 3, k]).permutation(3) for k in range(4)]
    stream = rows[16:]
    assert stream[:3].tolist() == epochs[0].tolist()
    for k in range(4):
        assert sorted(stream[3 * k : 3 * k + 3].tolist()) == [0, 1, 2]


def test_plan_size_from_epochs_or_total_samples():
    assert Curriculum(epochs=1.5, batch_size=4).plan_size(10) == (15, 4)
    assert Curriculum(total_samples=9, batch_size=4).plan_size(1000) == (9, 3)
    assert Curriculum().plan_size(10) == (20, 1)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"pacing": "cosine"}, "The 'pacing' parameter of schedule must be one of"),
        ({"c0": 0.0}, "The 'c0' parameter of schedule must be a float in (0, 1]. Got 0.0"),
        ({"batch_size": 0}, "'batch_size' parameter of schedule must be an int in [1, inf)"),
        ({"increase": 1.0}, "'increase' parameter of schedule must be a float in (1, inf)"),
        ({"order": "up"}, "'order' parameter of schedule must be one of 'ascending'"),
        ({"draw": "rounds!"}, "The 'draw' parameter of schedule must be one of 'uniform'"),
        ({"replacement": True}, "schedule has no parameter 'replacement'. Its parameters:"),
        ({"ramp": 3}, "schedule has no parameter 'ramp'. Its parameters: pacing,"),
    ],
)
def test_bad_parameters_are_one_sentence_errors(params, message):
    with pytest.raises(ConfigError) as error:
        Curriculum.from_mapping(params)
    assert message in str(error.value)
