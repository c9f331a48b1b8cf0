"""report.md and train.png of the training benchmark, from hand-built results."""

import copy

import pytest

from dataprep.bench.train_report import (
    GOAL_FRACTION,
    plot_curves,
    report_markdown,
    table_lines,
    verdict,
)


def _interval(mean, low, high):
    return {"mean": mean, "low": low, "high": high, "sd": 0.1, "n": 3}


def _reach(steps, low, high, total=100):
    def share(value):
        return None if value is None else value / total

    return {
        "steps": steps,
        "low": low,
        "high": high,
        "fraction": share(steps),
        "fraction_low": share(low),
        "fraction_high": share(high),
        "reached_share": 1.0,
    }


def _arm(final, diff, reach, unique, curve):
    return {
        "final_loss": _interval(final, final - 0.1, final + 0.1),
        "vs_random": _interval(diff, diff - 0.05, diff + 0.05),
        "steps_to_random_final": reach,
        "unique_rows": unique,
        "mean_curve": curve,
    }


STEPS = [25, 50, 75, 100]
RESULTS = {
    "eval_steps": STEPS,
    "random_final_loss": 2.5,
    "command": "dataprep bench train --pool pool.jsonl",
    "provenance": {"commit": "0123456789abcdef", "dirty": True, "device": "cpu"},
    "seconds": 90.0,
    "settings": {
        "pool": "pool.jsonl",
        "pool_documents": 1200,
        "pool_groups": {"a": 400, "b": 400, "c": 400},
        "fraction": 0.25,
        "budget_rows": 300,
        "valid": "valid.jsonl",
        "valid_documents": 512,
        "target": None,
        "steps": 100,
        "batch_size": 32,
        "seeds": 3,
        "model": {"context": 64, "width": 64, "layers": 2, "learning_rate": 0.003},
    },
    "arms": {
        "random": _arm(2.5, 0.0, _reach(100, 100, 100), [300, 300, 300], [4, 3, 2.7, 2.5]),
        "linear": _arm(2.25, -0.25, _reach(50, 25, 75), [180, 190, 200], [4, 2.5, 2.3, 2.25]),
        "odm": _arm(2.4, -0.1, _reach(60, 50, None), [300, 300, 300], [4, 3, 2.5, 2.4]),
        "anti": _arm(2.75, 0.25, _reach(None, None, None), [300, 300, 300], [4, 3, 2.8, 2.75]),
    },
}


def _with(arm: str, reach: dict) -> dict:
    results = copy.deepcopy(RESULTS)
    results["arms"][arm]["steps_to_random_final"] = reach
    return results


def test_goal_is_seventy_percent():
    assert GOAL_FRACTION == 0.7


def test_verdict_names_the_winner():
    # linear: 50% of the steps, interval [25, 75]; odm's interval reaches inf; anti never does
    assert verdict(RESULTS) == (
        "Arms that reach the random arm's final validation loss in at most 70% of the steps, "
        "with a bootstrap interval that excludes 100%: linear (50% of the steps, interval up "
        "to 75%)."
    )


def test_verdict_lists_every_winner_in_arm_order():
    results = _with("odm", _reach(70, 50, 95))  # exactly 70%: counts
    assert verdict(results).endswith(
        ": linear (50% of the steps, interval up to 75%), "
        "odm (70% of the steps, interval up to 95%)."
    )


NO_WINNER = (
    "No arm reaches the random arm's final validation loss in at most 70% of the steps with "
    "an interval that excludes 100%."
)


@pytest.mark.parametrize(
    "reach",
    [
        _reach(75, 50, 90),  # 75% of the steps: above the goal
        _reach(50, 25, 100),  # interval up to the whole run: does not exclude 100%
        _reach(50, 25, None),  # interval up to never
        _reach(None, None, None),  # never reached
    ],
)
def test_verdict_without_a_winner(reach):
    assert verdict(_with("linear", reach)) == NO_WINNER


def test_verdict_ignores_the_random_arm():
    results = _with("linear", _reach(None, None, None))
    results["arms"]["random"]["steps_to_random_final"] = _reach(50, 25, 75)
    assert verdict(results) == NO_WINNER


def test_report_markdown_settings_and_verdict():
    text = report_markdown(RESULTS)
    assert text.startswith("# Training benchmark: does the prepared data train a better LM?\n")
    assert (
        "Pool: `pool.jsonl` (1,200 documents in 3 groups); selection budget 25% (300 rows). "
        "Validation: `valid.jsonl` (first 512 texts). DSIR target: `None`." in text
    )
    assert "Every run: 100 steps of 32 samples (the first 65 bytes of a document)" in text
    assert "(context 64, width 64, 2 layers), AdamW at 0.003" in text
    assert "3 seeds per arm" in text
    assert (
        "Command: `dataprep bench train --pool pool.jsonl`; commit `0123456789ab` "
        "(uncommitted changes); device cpu; 1.5 minutes." in text
    )
    assert f"**{verdict(RESULTS)}**" in text


def test_report_markdown_ranks_arms_by_final_loss():
    table = report_markdown(RESULTS).splitlines()[-6:]
    assert table == [
        "| arm | final validation loss | vs random | steps to random's final loss | unique rows |",
        "|---|---|---|---|---|",
        "| linear | 2.2500 [2.1500, 2.3500] | -0.2500 [-0.3000, -0.2000] | 50 (50%) [25, 75] "
        "| 180-200 |",
        "| odm | 2.4000 [2.3000, 2.5000] | -0.1000 [-0.1500, -0.0500] | 60 (60%) [50, never] "
        "| 300-300 |",
        "| random | 2.5000 [2.4000, 2.6000] | +0.0000 [-0.0500, +0.0500] | 100 (100%) [100, 100] "
        "| 300-300 |",
        "| anti | 2.7500 [2.6500, 2.8500] | +0.2500 [+0.2000, +0.3000] | never [never, never] "
        "| 300-300 |",
    ]


def test_table_lines_are_the_report_table():
    lines = table_lines(RESULTS)
    assert len(lines) == 6 and lines[2].startswith("| linear | 2.2500 ")
    assert report_markdown(RESULTS).endswith("\n".join(lines) + "\n")


def test_report_markdown_clean_commit():
    results = copy.deepcopy(RESULTS)
    results["provenance"]["dirty"] = False
    assert "commit `0123456789ab`; device cpu" in report_markdown(results)


def test_plot_curves_writes_a_png(tmp_path):
    path = tmp_path / "train.png"
    plot_curves(RESULTS, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5000
