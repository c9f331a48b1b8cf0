"""Exact deduplication: hash each normalized text, keep the first occurrence in input order.

Memory: 24 bytes per alive row during fit (row number and a 128-bit xxh3 hash), then 16 bytes
per duplicate row. Duplicates get reason ``exact_duplicate``; every row of a duplicate group
(the kept first copy included) gets ``dp_dup_cluster`` = the row number of the kept copy.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from dataprep.params import check_bool
from dataprep.registry import register
from dataprep.stage import DUP_CLUSTER, ROW_COLUMN, Selector


def normalize_texts(
    texts: pa.Array,
    *,
    nfkc: bool,
    lowercase: bool,
    collapse_whitespace: bool,
    strip_punctuation: bool,
    strip_digits: bool,
) -> pa.Array:
    """Arrow-vectorized text normalization; null becomes the empty string."""
    texts = pc.fill_null(texts.cast(pa.large_string()), "")
    if nfkc:
        texts = pc.utf8_normalize(texts, form="NFKC")
    if lowercase:
        texts = pc.utf8_lower(texts)
    if strip_punctuation:
        texts = pc.replace_substring_regex(texts, r"[\p{P}\p{S}]", "")
    if strip_digits:
        texts = pc.replace_substring_regex(texts, r"\p{Nd}", "")
    if collapse_whitespace:
        texts = pc.utf8_trim_whitespace(pc.replace_substring_regex(texts, r"\s+", " "))
    return texts


def hash128(texts: pa.Array) -> np.ndarray:
    """xxh3-128 of each string's UTF-8 bytes as an (n, 2) uint64 array."""
    out = np.empty((len(texts), 2), dtype=np.uint64)
    mask = (1 << 64) - 1
    for i, text in enumerate(texts.to_pylist()):
        digest = xxhash.xxh3_128_intdigest(text.encode("utf-8", "surrogatepass"))
        out[i, 0] = digest >> 64
        out[i, 1] = digest & mask
    return out


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
        texts = normalize_texts(batch.column(self.context.text_column), **self.get_params())
        return batch.column(ROW_COLUMN).to_numpy(), hash128(texts)

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
        self._set_rejections(rows[duplicates], np.zeros(duplicates.sum(), np.int16), ["exact_duplicate"])
        self._set_row_values(DUP_CLUSTER, rows[in_group], representative[in_group])
