"""Pacing functions against their formulas, eligibility, coverage and the draw's invariants."""

import math

import numpy as np
import pytest

from dataprep.errors import ConfigError
from dataprep.schedule.curriculum import PACINGS, Curriculum, DifficultyOrder, PlanDrawer


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


@pytest.mark.parametrize("pacing", ["linear", "root", "baby_steps"])
@pytest.mark.parametrize("replacement", [False, True])
def test_competence_pacing_never_serves_a_row_above_competence(pacing, replacement):
    values = np.random.default_rng(3).normal(size=997).round(2)  # many ties
    _curriculum, difficulty, drawer, rows, steps = plan(
        values, pacing=pacing, batch_size=16, epochs=3, c0=0.05, replacement=replacement
    )
    cdf_of_row = np.empty(len(values))
    cdf_of_row[difficulty.order] = difficulty.cdf
    bound = drawer.competence(0, drawer.steps)[steps]
    first_tie = difficulty.cdf[0]
    assert (cdf_of_row[rows] <= np.maximum(bound, first_tie) + 1e-12).all()
    assert (np.diff(steps) >= 0).all() and len(rows) == 3 * 997


def test_exponential_serves_only_the_easiest_share():
    values = np.random.default_rng(4).random(500)
    _curriculum, difficulty, drawer, rows, steps = plan(
        values, pacing="exponential", batch_size=10, starting_fraction=0.1, increase=2.0
    )
    rank = np.empty(len(values), dtype=int)
    rank[difficulty.order] = np.arange(len(values))
    share = drawer.competence(0, drawer.steps)[steps]
    assert (rank[rows] < np.ceil(share * len(values))).all()
    assert rank[rows[:10]].max() < 50


@pytest.mark.parametrize("pacing", PACINGS)
def test_a_plan_with_a_full_epoch_at_full_competence_serves_every_row(pacing):
    values = np.random.default_rng(5).random(1_003)
    _, _, drawer, rows, _ = plan(values, pacing=pacing, batch_size=7, epochs=2)
    assert drawer.samples == 2_006 and len(rows) == 2_006
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


def test_drawing_in_chunks_equals_drawing_at_once():
    values = np.random.default_rng(7).random(300)
    _, difficulty, drawer, whole, _ = plan(values, pacing="linear", batch_size=4, epochs=3)
    chunked = PlanDrawer(drawer.curriculum, difficulty)
    pieces = [chunked.draw(a, min(drawer.steps, a + 17))[0] for a in range(0, drawer.steps, 17)]
    assert np.concatenate(pieces).tolist() == whole.tolist()
    with pytest.raises(ValueError):
        chunked.draw(0, 5)


def test_the_seed_decides_the_plan():
    values = np.random.default_rng(8).random(200)
    a = plan(values, pacing="root", seed=1)[3]
    b = plan(values, pacing="root", seed=1)[3]
    c = plan(values, pacing="root", seed=2)[3]
    assert a.tolist() == b.tolist() and a.tolist() != c.tolist()


def test_rounds_draw_without_replacement_until_the_pool_is_spent():
    # All rows eligible from step 0 (c0 = 1): each round of 10 draws is a permutation.
    _, _, _, rows, _ = plan(np.arange(10.0), pacing="linear", c0=1.0, batch_size=5, epochs=3)
    for start in range(0, 30, 10):
        assert sorted(rows[start : start + 10].tolist()) == list(range(10))


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
        ({"replacement": "yes"}, "'replacement' parameter of schedule must be a bool"),
        ({"ramp": 3}, "schedule has no parameter 'ramp'. Its parameters: pacing,"),
    ],
)
def test_bad_parameters_are_one_sentence_errors(params, message):
    with pytest.raises(ConfigError) as error:
        Curriculum.from_mapping(params)
    assert message in str(error.value)
