import pytest

from dataprep.errors import ConfigError, DataprepError, InputError, OutputError


@pytest.mark.parametrize("error", [ConfigError, InputError, OutputError])
def test_every_user_error_is_a_dataprep_error(error):
    # The CLI turns exactly these into one-line messages.
    assert issubclass(error, DataprepError)
    assert not issubclass(DataprepError, (ValueError, OSError))
