"""Zero-copy access to Arrow string arrays for native (numba) kernels."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def string_buffers(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(UTF-8 bytes as uint8, int64 offsets of length n + 1) of a string array; string i is
    data[offsets[i]:offsets[i + 1]]. Nulls read as empty strings. The bytes are not copied
    (only a string array's 32-bit offsets are widened)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        texts = texts.cast(pa.large_string())
    if texts.null_count:
        texts = pc.fill_null(texts, "")
    offset_type = np.int64 if pa.types.is_large_string(texts.type) else np.int32
    _, offsets_buffer, data_buffer = texts.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[
        texts.offset : texts.offset + len(texts) + 1
    ].astype(np.int64, copy=False)
    if data_buffer is None:
        return np.zeros(1, dtype=np.uint8), offsets
    return np.frombuffer(data_buffer, dtype=np.uint8), offsets
