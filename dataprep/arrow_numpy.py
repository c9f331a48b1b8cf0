"""NumPy arrays as Arrow arrays without ``pa.array``.

``pa.array`` first asks whether its argument is a pandas object, and the first time it asks,
pyarrow imports pandas (about 0.3 s). A filter run otherwise never needs pandas, so the code
on its path builds arrays from buffers instead.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_TYPES = {
    np.dtype(np.int8): pa.int8(),
    np.dtype(np.int16): pa.int16(),
    np.dtype(np.int32): pa.int32(),
    np.dtype(np.int64): pa.int64(),
    np.dtype(np.uint8): pa.uint8(),
    np.dtype(np.uint16): pa.uint16(),
    np.dtype(np.uint32): pa.uint32(),
    np.dtype(np.uint64): pa.uint64(),
    np.dtype(np.float32): pa.float32(),
    np.dtype(np.float64): pa.float64(),
}
_DTYPES = {arrow_type: dtype for dtype, arrow_type in _TYPES.items()}


def from_numpy(values: np.ndarray) -> pa.Array:
    """The Arrow array (no nulls) of a one-dimensional numeric or boolean array; numeric data
    is shared, not copied, when ``values`` is contiguous."""
    values = np.ascontiguousarray(values)
    if values.ndim != 1:
        raise ValueError(f"expected a one-dimensional array, got shape {values.shape}")
    if values.dtype == np.bool_:
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])
    arrow_type = _TYPES.get(values.dtype)
    if arrow_type is None:
        raise TypeError(f"no Arrow type for NumPy dtype {values.dtype}")
    return pa.Array.from_buffers(arrow_type, len(values), [None, pa.py_buffer(values)])


def byte_lengths(texts: pa.Array) -> np.ndarray:
    """Byte length (UTF-8 bytes for text) of each value of a string or binary array, -1
    where it is null."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    kind = texts.type
    large = pa.types.is_large_string(kind) or pa.types.is_large_binary(kind)
    if not (large or pa.types.is_string(kind) or pa.types.is_binary(kind)):
        raise TypeError(f"expected a string or binary array, got {kind}")
    large = pa.types.is_large_string(kind) or pa.types.is_large_binary(kind)
    offset_type = np.int64 if large else np.int32
    offsets = np.frombuffer(texts.buffers()[1], offset_type)
    offsets = offsets[texts.offset : texts.offset + len(texts) + 1].astype(np.int64)
    lengths = np.diff(offsets)
    if texts.null_count:
        lengths[~valid_mask(texts)] = -1
    return lengths


def valid_mask(values: pa.Array) -> np.ndarray:
    """True where ``values`` is not null, as a NumPy bool array."""
    if values.null_count == 0:
        return np.ones(len(values), np.bool_)
    bitmap = np.frombuffer(values.buffers()[0], np.uint8)
    bits = np.unpackbits(bitmap, bitorder="little")
    return bits[values.offset : values.offset + len(values)].astype(np.bool_)


def strings_at(length: int, positions, values) -> pa.Array:
    """A string array of ``length`` rows, null except ``values[i]`` at ``positions[i]`` (a
    None value leaves its row null; of repeated positions the last wins)."""
    codes_of: dict = {None: -1}
    codes = np.fromiter(
        (codes_of.setdefault(value, len(codes_of) - 1) for value in values), np.int32, len(values)
    )
    names = [value for value in codes_of if value is not None]
    return coded_strings(length, positions, codes, names)


def coded_strings(length: int, positions, codes, names: list[str]) -> pa.Array:
    """A string array of ``length`` rows, null except ``names[codes[i]]`` at ``positions[i]``
    (code -1 leaves the row null; of repeated positions the last wins)."""
    chosen = np.full(length, -1, np.int32)
    chosen[np.asarray(positions, dtype=np.int64)] = codes
    valid = chosen >= 0
    kept = int(valid.sum())
    if kept == 0:
        return pa.nulls(length, pa.string())
    indices = pa.Array.from_buffers(
        pa.int32(),
        length,
        [pa.py_buffer(np.packbits(valid, bitorder="little")), pa.py_buffer(np.maximum(chosen, 0))],
        null_count=length - kept,
    )
    return pa.DictionaryArray.from_arrays(indices, _small_strings(list(names))).cast(pa.string())


def _small_strings(values: list[str]) -> pa.Array:
    """A string array of ``values`` (no nulls)."""
    encoded = [value.encode() for value in values]
    offsets = np.zeros(len(encoded) + 1, np.int32)
    np.cumsum([len(data) for data in encoded], out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(pa.string(), len(encoded), buffers)


def bools(values: pa.Array) -> np.ndarray:
    """A boolean Arrow array as a NumPy bool array (nulls read as False)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not pa.types.is_boolean(values.type):
        raise TypeError(f"expected a boolean array, got {values.type}")
    bits = np.unpackbits(np.frombuffer(values.buffers()[1], np.uint8), bitorder="little")
    result = bits[values.offset : values.offset + len(values)].astype(np.bool_)
    return result & valid_mask(values) if values.null_count else result


def to_numpy(values: pa.Array) -> np.ndarray:
    """A numeric Arrow array without nulls as a NumPy view of its data (no copy)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    dtype = _DTYPES.get(values.type)
    if dtype is None or values.null_count:
        raise TypeError(f"expected a numeric array without nulls, got {values.type}")
    data = np.frombuffer(values.buffers()[1], dtype)
    return data[values.offset : values.offset + len(values)]


def string_scalar(value: str) -> pa.Scalar:
    """An Arrow string scalar."""
    return strings_at(1, [0], [value])[0]
