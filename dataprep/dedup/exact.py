"""Exact deduplication: hash each normalized text, keep the first occurrence in input order.

Memory: 24 bytes per alive row during fit (row number and a 128-bit xxh3 hash), then 16 bytes
per duplicate row. Duplicates get reason ``exact_duplicate``; every row of a duplicate group
(the kept first copy included) gets ``dp_dup_cluster`` = the row number of the kept copy.
"""

from __future__ import annotations

from collections.abc import Iterable

import numba as nb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from dataprep.params import check_bool
from dataprep.registry import register
from dataprep.stage import DUP_CLUSTER, ROW_COLUMN, Selector
from dataprep.strings import string_buffers


def normalize_texts(
    texts: pa.Array,
    *,
    nfkc: bool,
    lowercase: bool,
    collapse_whitespace: bool,
    strip_punctuation: bool,
    strip_digits: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Normalized UTF-8 bytes of each text as (data, int64 offsets); null reads as "".

    NFKC runs only on non-ASCII texts (it leaves ASCII unchanged); whitespace collapsing turns
    each run of ASCII whitespace into one space and trims both ends (after NFKC, Unicode spaces
    such as U+00A0 are ASCII spaces already).
    """
    texts = pc.fill_null(texts.cast(pa.large_string()), "")
    if nfkc:
        non_ascii = pc.invert(pc.string_is_ascii(texts))
        if pc.any(non_ascii).as_py():
            normalized = pc.utf8_normalize(texts.filter(non_ascii), form="NFKC")
            texts = pc.replace_with_mask(texts, non_ascii, normalized)
    if lowercase:
        texts = pc.utf8_lower(texts)
    if strip_punctuation:
        texts = pc.replace_substring_regex(texts, r"[\p{P}\p{S}]", "")
    if strip_digits:
        texts = pc.replace_substring_regex(texts, r"\p{Nd}", "")
    data, offsets = string_buffers(texts)
    if collapse_whitespace:
        return _collapse_whitespace(data, offsets)
    return data, offsets


@nb.njit(cache=True)
def _collapse_whitespace(data, offsets):
    n = len(offsets) - 1
    out = np.empty(max(1, offsets[n] - offsets[0]), dtype=np.uint8)
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    size = 0
    for d in range(n):
        pending_space = False
        started = False
        for i in range(offsets[d], offsets[d + 1]):
            byte = data[i]
            if byte == 32 or 9 <= byte <= 13:
                pending_space = started
            else:
                if pending_space:
                    out[size] = 32
                    size += 1
                    pending_space = False
                out[size] = byte
                size += 1
                started = True
        out_offsets[d + 1] = size
    return out, out_offsets


def hash128(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """xxh3-128 of each byte string data[offsets[i]:offsets[i+1]] as an (n, 2) uint64 array."""
    n = len(offsets) - 1
    out = np.empty((n, 2), dtype=np.uint64)
    view = memoryview(data)
    for i in range(n):
        digest = xxhash.xxh3_128_intdigest(view[offsets[i] : offsets[i + 1]])
        out[i, 0] = digest >> 64
        out[i, 1] = digest & _LOW_64
    return out


_LOW_64 = (1 << 64) - 1


@register
class ExactDedup(Selector):
    """Reject rows whose normalized text equals that of an earlier row.

    nfkc: apply Unicode NFKC normalization first (default True).
    lowercase: compare case-insensitively (default True).
    collapse_whitespace: turn every whitespace run into one space and trim (default True).
    strip_punctuation: drop Unicode punctuation and symbols (default False).
    strip_digits: drop decimal digits (default False).
    """

    name = "exact_dedup"
    version = 1

    def __init__(
        self,
        *,
        nfkc: bool = True,
        lowercase: bool = True,
        collapse_whitespace: bool = True,
        strip_punctuation: bool = False,
        strip_digits: bool = False,
    ) -> None:
        self.nfkc = nfkc
        self.lowercase = lowercase
        self.collapse_whitespace = collapse_whitespace
        self.strip_punctuation = strip_punctuation
        self.strip_digits = strip_digits

    def check_params(self) -> None:
        for name, value in self.get_params().items():
            check_bool(self.name, name, value)

    def output_columns(self) -> dict[str, pa.DataType]:
        return {DUP_CLUSTER: pa.int64()}

    def fit_state(self, batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
        data, offsets = normalize_texts(batch.column(self.context.text_column), **self.get_params())
        return batch.column(ROW_COLUMN).to_numpy(), hash128(data, offsets)

    def fit(self, states: Iterable[tuple[np.ndarray, np.ndarray]]) -> None:
        row_parts, hash_parts = [], []
        for rows, hashes in states:
            row_parts.append(rows)
            hash_parts.append(hashes)
        rows = np.concatenate(row_parts) if row_parts else np.empty(0, np.int64)
        hashes = np.concatenate(hash_parts) if hash_parts else np.empty((0, 2), np.uint64)
        order = np.lexsort((rows, hashes[:, 1], hashes[:, 0]))
        rows, hashes = rows[order], hashes[order]
        same_as_previous = np.zeros(len(rows), dtype=bool)
        same_as_previous[1:] = np.all(hashes[1:] == hashes[:-1], axis=1)
        group_start = np.maximum.accumulate(np.where(same_as_previous, 0, np.arange(len(rows))))
        representative = rows[group_start]
        duplicates = same_as_previous
        in_group = duplicates.copy()
        in_group[group_start[duplicates]] = True
        self._set_rejections(
            rows[duplicates], np.zeros(duplicates.sum(), np.int16), ["exact_duplicate"]
        )
        self._set_row_values(DUP_CLUSTER, rows[in_group], representative[in_group])
