import pytest

from dataprep.runners.local import LocalRunner


def scale(payload, item):
    return payload * item


@pytest.mark.parametrize("num_proc", [1, 2])
def test_results_come_back_in_input_order(num_proc):
    # The payload travels to each worker once; the generator is consumed lazily.
    items = (i for i in range(25))
    assert list(LocalRunner(num_proc).map(scale, 3, items)) == [3 * i for i in range(25)]


def test_worker_errors_reach_the_caller():
    with pytest.raises(TypeError):
        list(LocalRunner(2).map(scale, None, [1, 2]))
