import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from dataprep.arrow_numpy import (
    bools,
    byte_lengths,
    coded_strings,
    from_numpy,
    string_scalar,
    strings_at,
    to_numpy,
    valid_mask,
)


@pytest.mark.parametrize(
    "values",
    [
        np.array([3, -1, 7], np.int64),
        np.array([1.5, 2.0], np.float32),
        np.arange(5, dtype=np.uint16),
    ],
)
def test_from_numpy_matches_pa_array(values):
    assert from_numpy(values).equals(pa.array(values))
    assert from_numpy(values[::2]).equals(pa.array(values[::2]))


def test_from_numpy_bools_pack_bits():
    values = np.array([True, False, True, True, False, False, False, False, True, False])
    assert from_numpy(values).to_pylist() == values.tolist()


def test_from_numpy_refuses_objects():
    with pytest.raises(TypeError, match="object"):
        from_numpy(np.array(["a"], dtype=object))


def test_strings_at_places_values_and_nulls():
    array = strings_at(5, [3, 0, 3, 1], ["x", "é", "y", None])
    assert array.to_pylist() == ["é", None, None, "y", None]
    assert array.null_count == 3
    assert strings_at(2, [], []).to_pylist() == [None, None]
    assert string_scalar("stage").as_py() == "stage"


def test_byte_lengths_and_masks_of_sliced_arrays():
    texts = pa.array(["ab", None, "", "日本", "x"]).slice(1)
    assert byte_lengths(texts).tolist() == [-1, 0, 6, 1]
    assert valid_mask(texts).tolist() == [False, True, True, True]
    assert byte_lengths(pa.array(["abc"], pa.large_binary())).tolist() == [3]
    flags = pa.array([True, None, False, True]).slice(1)
    assert bools(flags).tolist() == [False, False, True]
    assert to_numpy(pa.array([4, 5, 6], pa.int64()).slice(1)).tolist() == [5, 6]
    with pytest.raises(TypeError):
        to_numpy(pa.array([1, None]))


def test_a_filter_run_never_imports_pandas(tmp_path):
    """pyarrow imports pandas (0.3 s) the first time pa.array sees a Python or NumPy object:
    nothing on a filter run's path may call it."""
    corpus = tmp_path / "in.jsonl"
    lines = [f'{{"id": "{i}", "text": "line {i % 7} of the text, é {i % 3}"}}' for i in range(40)]
    corpus.write_text("\n".join(lines) + "\n")
    script = (
        "import sys\n"
        "from dataprep.pipeline import Pipeline\n"
        "from dataprep.config import build_stages\n"
        "stages = build_stages([{'exact_dedup': {'nfkc': True}},"
        " {'minhash_dedup': {'threshold': 0.8}}])\n"
        f"Pipeline(stages).run([{str(corpus)!r}], {str(tmp_path / 'out')!r})\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_coded_strings_name_each_position_by_its_code():
    array = coded_strings(6, [5, 1, 3, 1], np.array([1, 0, -1, 1]), ["near", "exact"])
    assert array.to_pylist() == [None, "exact", None, None, None, "exact"]
    assert coded_strings(3, [0], np.array([-1]), ["x"]).null_count == 3
