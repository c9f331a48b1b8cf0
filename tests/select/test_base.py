import pytest

from dataprep.errors import ConfigError
from dataprep.select.base import budget_rows, check_budget


@pytest.mark.parametrize(
    ("budget", "n", "rows"),
    [
        (0.1, 100, 10),
        (0.25, 10, 3),
        (0.15, 10, 2),
        (0.01, 10, 1),
        (0.5, 0, 0),
        (5, 100, 5),
        (500, 100, 100),
    ],
)
def test_budget_rows(budget, n, rows):
    # fractions round half up (2.5 -> 3, 1.5 -> 2) and keep at least one row; counts are capped
    assert budget_rows(budget, n) == rows


@pytest.mark.parametrize("budget", [0.0, 1.0, 0, -3, True, "10%"])
def test_bad_budgets(budget):
    with pytest.raises(ConfigError, match="The 'budget' parameter of random must be a float in"):
        check_budget("random", budget)
