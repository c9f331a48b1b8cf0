"""Native (numba) kernels for MinHash: tokenize, shingle, hash and take minima over a whole
batch at once, straight from the Arrow string buffers (no Python object per document).

Tokenizers (``TOKENIZERS``; one per call, or per document with ``auto``):

- ``words``: tokens are maximal runs of non-whitespace bytes (ASCII whitespace: space, \\t,
  \\n, \\v, \\f, \\r) and a shingle is ``ngram`` consecutive tokens.
- ``chars``: tokens are the text's code points after every run of whitespace
  (``str.isspace()``) becomes one space and leading and trailing whitespace is dropped; a
  shingle is ``ngram_chars`` consecutive code points.
- ``auto``: ``chars`` for documents that are unspaced (dataprep.scripts: at least 30% of their
  letters in Han, Kana, Thai, Lao, Khmer, Myanmar, Tibetan...), ``words`` for the others, whose
  shingles are exactly those of ``words``.

A document with fewer tokens than the shingle size has one shingle made of all its tokens; a
document with no token has no shingle. Shingles are
hashed to 32 bits; permutation ``p`` maps a shingle hash ``x`` to ``fmix32(x ^ seed[p])``
(MurmurHash3's finalizer, a bijection on 32-bit values), and the signature keeps the minimum
per permutation. ``shingle_hashes`` is the exact reference used for Jaccard verification.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import pyarrow as pa

from dataprep.hashing import COMBINE, FNV_OFFSET, FNV_PRIME, fmix64
from dataprep.scripts import SPACE, char_class, decode_utf8, is_unspaced, script_table
from dataprep.strings import string_buffers

EMPTY = np.uint32(0xFFFFFFFF)
TOKENIZERS = ("words", "chars", "auto")
_WORDS, _CHARS, _AUTO = 0, 1, 2
# Added to a code point before hashing, so a one-character token never hashes like a word.
_CHAR_SALT = np.uint64(0x5C4A2C0DE0000000)


@nb.njit(inline="always")
def _fmix32(h):
    # numba widens uint32 products, so cut every product back to 32 bits explicitly.
    h = np.uint32(h ^ (h >> np.uint32(16)))
    h = np.uint32((h * np.uint32(0x85EBCA6B)) & np.uint32(0xFFFFFFFF))
    h = np.uint32(h ^ (h >> np.uint32(13)))
    h = np.uint32((h * np.uint32(0xC2B2AE35)) & np.uint32(0xFFFFFFFF))
    return np.uint32(h ^ (h >> np.uint32(16)))


@nb.njit(inline="always")
def _update_minima(current, x, seeds):
    """current[p] = min(current[p], permutation p of shingle hash x), for every p."""
    for p in range(len(seeds)):
        current[p] = min(current[p], _fmix32(x ^ seeds[p]))


@nb.njit(inline="always")
def _is_space(byte):
    return byte == 32 or (9 <= byte <= 13)


@nb.njit(cache=True)
def _token_hashes(data, start, end, out):
    """Hash each whitespace-separated token of data[start:end] into out; returns the count."""
    count = 0
    i = start
    while i < end:
        while i < end and _is_space(data[i]):
            i += 1
        if i >= end:
            break
        h = FNV_OFFSET
        while i < end and not _is_space(data[i]):
            h = (h ^ np.uint64(data[i])) * FNV_PRIME
            i += 1
        out[count] = fmix64(h)
        count += 1
    return count


@nb.njit(cache=True)
def _char_hashes(data, start, end, out, table):
    """Hash each code point of data[start:end], whitespace runs collapsed to one space and
    both ends trimmed, into out; returns the count."""
    count = 0
    pending_space = False
    i = start
    while i < end:
        b = data[i]
        if b < 0x80:
            code, width = np.int64(b), 1
            space = b == 32 or (9 <= b <= 13) or (28 <= b <= 31)
        else:
            code, width = decode_utf8(data, i)
            space = char_class(table, code) == SPACE
        i += width
        if space:
            pending_space = count > 0
            continue
        if pending_space:
            out[count] = fmix64(np.uint64(32) + _CHAR_SALT)
            count += 1
            pending_space = False
        out[count] = fmix64(np.uint64(code) + _CHAR_SALT)
        count += 1
    return count


@nb.njit(cache=True)
def _unspaced(data, start, end, table):
    # A call, not inlined: keeps the hot shingle loop of _minhash as compact as before.
    return is_unspaced(data, start, end, table)


@nb.njit(inline="always")
def _tokens(data, start, end, out, mode, table):
    """(token count, shingle size index: 0 words, 1 chars) of one document."""
    if mode == _CHARS or (mode == _AUTO and _unspaced(data, start, end, table)):
        return _char_hashes(data, start, end, out, table), 1
    return _token_hashes(data, start, end, out), 0


@nb.njit(inline="always")
def _shingle_hash(tokens, first, length):
    h = np.uint64(length)
    for k in range(length):
        h = fmix64((h ^ tokens[first + k]) * COMBINE)
    return np.uint32(h >> np.uint64(32))


@nb.njit(cache=True)
def _minhash(data, offsets, sizes, seeds, out, keep_shingles, mode, table):
    """MinHash signature of every document into out[n, num_perm]; ``sizes`` = (ngram,
    ngram_chars), ``mode`` one of _WORDS, _CHARS, _AUTO. Returns (shingle values, shingles per
    document); the values (each document's shingle hashes in text order, repeats kept, back to
    back) are filled only when ``keep_shingles``."""
    n = len(offsets) - 1
    longest = 0
    for d in range(n):
        longest = max(longest, offsets[d + 1] - offsets[d])
    # Words: at most one per 2 bytes; characters: at most one per byte.
    capacity = longest // 2 + 1 if mode == _WORDS else longest + 1
    tokens = np.empty(capacity, dtype=np.uint64)
    shingles = np.empty(capacity, dtype=np.uint32)
    current = np.empty(len(seeds), dtype=np.uint32)
    lengths = np.zeros(n, dtype=np.int64)
    values = np.empty(max(16, (offsets[n] - offsets[0]) // 4) if keep_shingles else 0, np.uint32)
    filled = 0
    for d in range(n):
        count, kind = _tokens(data, offsets[d], offsets[d + 1], tokens, mode, table)
        current[:] = EMPTY
        if count > 0:
            length = min(sizes[kind], count)
            total = count - length + 1
            for s in range(total):
                x = _shingle_hash(tokens, s, length)
                shingles[s] = x
                _update_minima(current, x, seeds)
            lengths[d] = total
            if keep_shingles:
                if filled + total > len(values):
                    values = np.resize(values, max(2 * len(values), filled + total))
                values[filled : filled + total] = shingles[:total]
                filled += total
        out[d, :] = current
    return values[:filled].copy(), lengths


@nb.njit(cache=True)
def _band_hashes(signatures, bands, rows, out):
    """One 64-bit hash per (document, band) of the band's ``rows`` signature values."""
    n = signatures.shape[0]
    for d in range(n):
        for band in range(bands):
            h = np.uint64(band + 1) * COMBINE
            for k in range(band * rows, (band + 1) * rows):
                h = fmix64(h ^ np.uint64(signatures[d, k]))
            out[d, band] = h


@nb.njit(cache=True)
def _shingle_set(data, start, end, sizes, mode, table):
    tokens = np.empty(end - start + 1, dtype=np.uint64)
    count, kind = _tokens(data, start, end, tokens, mode, table)
    if count == 0:
        return np.empty(0, dtype=np.uint32)
    length = min(sizes[kind], count)
    out = np.empty(count - length + 1, dtype=np.uint32)
    for s in range(count - length + 1):
        out[s] = _shingle_hash(tokens, s, length)
    return np.unique(out)


@nb.njit(cache=True)
def _distinct_sets(values, starts, ends, docs):
    """The sorted distinct values of each listed document's slice, back to back."""
    size = 0
    for d in docs:
        size += ends[d] - starts[d]
    out = np.empty(size, dtype=values.dtype)
    out_ends = np.empty(len(docs), dtype=np.int64)
    filled = 0
    for k in range(len(docs)):
        distinct = np.unique(values[starts[docs[k]] : ends[docs[k]]])
        out[filled : filled + len(distinct)] = distinct
        filled += len(distinct)
        out_ends[k] = filled
    return out[:filled], out_ends


@nb.njit(cache=True)
def _sorted_pair_jaccard(values, ends, left, right):
    out = np.empty(len(left), dtype=np.float64)
    for k in range(len(left)):
        i = ends[left[k] - 1] if left[k] > 0 else 0
        j = ends[right[k] - 1] if right[k] > 0 else 0
        i_end, j_end = ends[left[k]], ends[right[k]]
        total = (i_end - i) + (j_end - j)
        common = 0
        while i < i_end and j < j_end:
            if values[i] == values[j]:
                common += 1
                i += 1
                j += 1
            elif values[i] < values[j]:
                i += 1
            else:
                j += 1
        out[k] = common / (total - common) if total > common else 0.0
    return out


def pair_jaccard(values: np.ndarray, ends: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Exact Jaccard of each pair of sets stored back to back in ``values`` (set i is the
    distinct values of values[ends[i-1]:ends[i]], in any order, repeats allowed). Each set in a
    pair is sorted once, however many pairs it is in."""
    if len(pairs) == 0:
        return np.empty(0, dtype=np.float64)
    docs = np.unique(pairs)
    # Only the listed documents' bounds: O(pairs), not O(all documents), per call.
    doc_ends = ends[docs].astype(np.int64)
    doc_starts = np.where(docs > 0, ends[np.maximum(docs - 1, 0)], 0).astype(np.int64)
    distinct, distinct_ends = _distinct_sets(
        values, doc_starts, doc_ends, np.arange(len(docs), dtype=np.int64)
    )
    local = np.searchsorted(docs, pairs)
    return _sorted_pair_jaccard(distinct, distinct_ends, local[:, 0], local[:, 1])


def distinct_sets(values: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Documents' shingles (``lengths[i]`` values of document i, back to back, any order,
    repeats allowed) as each document's sorted distinct set: (values, lengths)."""
    lengths = np.asarray(lengths, np.int64)
    ends = np.cumsum(lengths)
    out, out_ends = _distinct_sets(values, ends - lengths, ends, np.arange(len(lengths)))
    return out, np.diff(out_ends, prepend=0)


def sorted_pair_jaccard(values: np.ndarray, ends: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Exact Jaccard of each pair of sets stored sorted and distinct, back to back, in
    ``values`` (set i ends at ``ends[i]``): ``pair_jaccard`` without sorting any set."""
    if len(pairs) == 0:
        return np.empty(0, dtype=np.float64)
    left, right = np.ascontiguousarray(pairs[:, 0]), np.ascontiguousarray(pairs[:, 1])
    return _sorted_pair_jaccard(values, np.asarray(ends, np.int64), left, right)


def permutation_seeds(num_perm: int, seed: int) -> np.ndarray:
    """The 32-bit seeds of the ``num_perm`` hash permutations, derived from ``seed``."""
    return np.random.default_rng(seed).integers(0, 2**32, size=num_perm, dtype=np.uint32)


def _mode(tokenizer: str) -> int:
    if tokenizer not in TOKENIZERS:
        raise ValueError(f"tokenizer must be one of {TOKENIZERS}. Got {tokenizer!r} instead.")
    return TOKENIZERS.index(tokenizer)


def signatures(
    texts: pa.Array,
    ngram: int,
    seeds: np.ndarray,
    *,
    tokenizer: str = "words",
    ngram_chars: int = 5,
) -> tuple[np.ndarray, np.ndarray]:
    """(uint32 signatures [n, num_perm], shingle count per document) for a string array.

    ngram: words per shingle; ngram_chars: code points per shingle with the chars tokenizer
    (default 5); tokenizer: 'words' (default), 'chars' or 'auto' (the module docstring).
    Lowercasing, if wanted, is done by the caller (``pyarrow.compute.utf8_lower``).
    """
    data, offsets = string_buffers(texts)
    out = np.empty((len(texts), len(seeds)), dtype=np.uint32)
    sizes = np.array([ngram, ngram_chars], np.int64)
    _, counts = _minhash(data, offsets, sizes, seeds, out, False, _mode(tokenizer), script_table())
    return out, counts


def signatures_and_shingles(
    texts: pa.Array,
    ngram: int,
    seeds: np.ndarray,
    *,
    tokenizer: str = "words",
    ngram_chars: int = 5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(signatures, flat shingle hashes, shingles per document) in one tokenizing pass; document
    i's shingles are values[sum(lengths[:i]) : sum(lengths[:i + 1])]. Parameters as in
    ``signatures``."""
    data, offsets = string_buffers(texts)
    out = np.empty((len(texts), len(seeds)), dtype=np.uint32)
    sizes = np.array([ngram, ngram_chars], np.int64)
    values, lengths = _minhash(
        data, offsets, sizes, seeds, out, True, _mode(tokenizer), script_table()
    )
    return out, values, lengths


def band_hashes(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """uint64 [n, bands]: the LSH bucket key of each document in each band."""
    out = np.empty((signatures.shape[0], bands), dtype=np.uint64)
    _band_hashes(signatures, bands, rows, out)
    return out


def shingle_hashes(
    texts: pa.Array, ngram: int, *, tokenizer: str = "words", ngram_chars: int = 5
) -> list[np.ndarray]:
    """The sorted set of 32-bit shingle hashes of each document (for exact Jaccard); parameters
    as in ``signatures``."""
    data, offsets = string_buffers(texts)
    sizes = np.array([ngram, ngram_chars], np.int64)
    mode, table = _mode(tokenizer), script_table()
    return [
        _shingle_set(data, offsets[i], offsets[i + 1], sizes, mode, table)
        for i in range(len(texts))
    ]


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted unique arrays (0.0 when both are empty)."""
    if len(a) == 0 and len(b) == 0:
        return 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)
