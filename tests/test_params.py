import pytest

from dataprep.errors import ConfigError
from dataprep.params import (
    check_bool,
    check_choice,
    check_number,
    check_string,
    check_string_list,
)


def message(check, *args, **kwargs) -> str:
    with pytest.raises(ConfigError) as error:
        check(*args, **kwargs)
    return str(error.value)


def test_number_errors_name_stage_parameter_interval_and_value():
    assert message(check_number, "s", "t", 1.5, low=0, high=1, low_open=True) == (
        "The 't' parameter of s must be a float in (0, 1]. Got 1.5 instead."
    )
    assert message(check_number, "s", "n", 2.5, low=1, integer=True) == (
        "The 'n' parameter of s must be an int in [1, inf). Got 2.5 instead."
    )
    assert "or null" in message(check_number, "s", "n", "x", allow_none=True)


@pytest.mark.parametrize("value", [True, float("nan"), "1", None])
def test_numbers_reject_bools_nan_strings_and_null(value):
    with pytest.raises(ConfigError):
        check_number("s", "p", value)


def test_valid_values_pass():
    check_number("s", "p", 0, low=0)
    check_number("s", "p", None, allow_none=True)
    check_choice("s", "p", "a", ["a", "b"])
    check_bool("s", "p", False)
    check_string("s", "p", "x")
    check_string_list("s", "p", ["a"])


def test_other_checks():
    assert message(check_choice, "s", "keep", "x", ["hard", "easy"]) == (
        "The 'keep' parameter of s must be one of 'hard', 'easy'. Got 'x' instead."
    )
    assert "a bool" in message(check_bool, "s", "p", 1)
    assert "a non-empty string" in message(check_string, "s", "p", "")
    assert "a list of strings" in message(check_string_list, "s", "p", "abc")
