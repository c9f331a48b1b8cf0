"""The curriculum's choices by name (dataprep.schedule.names): PACINGS, PACED, DRAWS."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from dataprep.cli import main
from dataprep.errors import ConfigError
from dataprep.schedule.curriculum import Curriculum
from dataprep.schedule.names import DRAWS, PACED, PACINGS


def test_paced_is_a_subset_of_pacings():
    assert set(PACED) < set(PACINGS)
    assert set(PACINGS) - set(PACED) == {"random", "sorted", "anti"}
    assert len(set(PACINGS)) == len(PACINGS) == 7


def test_draws():
    assert DRAWS == ("uniform", "iid", "rounds")


@pytest.mark.parametrize("pacing", PACINGS)
def test_every_pacing_is_accepted(pacing):
    Curriculum(pacing=pacing).check_params()


@pytest.mark.parametrize("draw", DRAWS)
def test_every_draw_is_accepted(draw):
    Curriculum(draw=draw).check_params()


def test_unknown_names_are_rejected():
    with pytest.raises(ConfigError, match="pacing"):
        Curriculum(pacing="step").check_params()
    with pytest.raises(ConfigError, match="draw"):
        Curriculum(draw="shuffle").check_params()


def test_schedule_help_lists_exactly_the_pacings():
    result = CliRunner().invoke(main, ["schedule", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    [listed] = re.findall(r"--pacing \[([^\]]*)\]", result.output)
    assert tuple(listed.split("|")) == PACINGS
