"""dataprep.strings.string_buffers: UTF-8 bytes and int64 offsets of Arrow string arrays."""

import numpy as np
import pyarrow as pa
import pytest

from dataprep.strings import string_buffers


def decode(data, offsets):
    """The strings that (data, offsets) describe, by the documented contract."""
    return [
        bytes(data[offsets[i] : offsets[i + 1]]).decode("utf-8") for i in range(len(offsets) - 1)
    ]


def check(array, expected):
    data, offsets = string_buffers(array)
    assert data.dtype == np.uint8
    assert offsets.dtype == np.int64
    assert len(offsets) == len(expected) + 1
    assert decode(data, offsets) == expected
    # offsets count UTF-8 bytes, not characters
    assert np.diff(offsets).tolist() == [len(s.encode("utf-8")) for s in expected]
    return data, offsets


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_plain_array_with_non_ascii(kind):
    data, offsets = check(pa.array(["ab", "", "cé", "日本"], kind), ["ab", "", "cé", "日本"])
    assert offsets.tolist() == [0, 2, 2, 5, 11]
    assert bytes(data[:11]) == "abcé日本".encode()


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_nulls_read_as_empty_strings(kind):
    check(pa.array([None, "x", None, "ñ"], kind), ["", "x", "", "ñ"])


def test_all_null_and_empty_arrays():
    check(pa.array([None, None], pa.string()), ["", ""])
    check(pa.nulls(3, pa.string()), ["", "", ""])
    check(pa.array([], pa.string()), [])
    check(pa.array(["", ""], pa.large_string()), ["", ""])


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_sliced_array_gives_only_the_slice(kind):
    base = pa.array(["zero", "ü1", "two", "日3", "four"], kind)
    check(base.slice(1, 3), ["ü1", "two", "日3"])
    check(base.slice(4), ["four"])
    check(base.slice(2, 0), [])


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_sliced_array_with_nulls(kind):
    base = pa.array(["a", None, "bé", None, "c"], kind)
    check(base.slice(1, 3), ["", "bé", ""])
    check(base.slice(2, 3), ["bé", "", "c"])


def test_chunked_arrays_are_combined():
    chunked = pa.chunked_array([["a", None], [], ["cd", "日"]], pa.string())
    check(chunked, ["a", "", "cd", "日"])
    check(pa.chunked_array([], pa.large_string()), [])
    check(pa.chunked_array([["x"], ["yz"]], pa.large_string()).slice(1), ["yz"])


def test_string_view_input():
    check(pa.array(["a", None, "bé"], pa.string_view()), ["a", "", "bé"])


def test_returns_views_not_copies_of_the_arrow_buffers():
    array = pa.array(["abc", "de"], pa.large_string())
    data, offsets = string_buffers(array)
    _, offsets_buffer, data_buffer = array.buffers()
    assert data.ctypes.data == data_buffer.address
    assert offsets.ctypes.data == offsets_buffer.address


def test_a_string_array_text_is_not_copied_either():
    """32-bit offsets are widened to int64; the text bytes stay Arrow's."""
    array = pa.array(["abc", "dé"], pa.string())
    data, offsets = string_buffers(array.slice(1))
    assert data.ctypes.data == array.buffers()[2].address
    assert offsets.dtype == np.int64 and offsets.tolist() == [3, 6]
