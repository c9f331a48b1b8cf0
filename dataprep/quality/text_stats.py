"""Shared text statistics for the rule-based quality filters (Gopher, C4, FineWeb).

Definitions used by the filters of this package (Python ``str`` semantics throughout; C4 and
FineWeb document their own line handling):

- character: a Unicode code point (what ``len(str)`` counts).
- whitespace: ``str.isspace()``; line break: a character ``str.splitlines()`` splits at, with
  ``\\r\\n`` read as one break.
- token: a maximal run of non-whitespace characters (what ``str.split()`` returns).
- punctuation character: Unicode general category punctuation (P*) or symbol (S*), e.g.
  ``. , ! ? ' " ( ) - # $ % * + / < = > @ [ ] ^ _ { | } ~ “ ” — … • ©``.
- word: a token holding a character that is not punctuation, with its leading and trailing
  punctuation stripped (``"(hello),"`` is ``hello``; ``"don't"`` stays ``don't``; ``"--"`` is
  not a word). datatrove counts NLTK tokens minus punctuation-only ones; stripping gives about
  the same counts and lengths without NLTK.
- line (Gopher): a piece between line breaks, stripped; blank (whitespace-only) lines are left
  out.
- paragraph: a maximal run of non-blank lines, taken from its first to its last non-whitespace
  character.

The hot loops run as numba kernels over a whole batch at once, straight from the Arrow string
buffers (UTF-8 bytes and offsets): one pass per document, linear time. Lines, paragraphs and
n-grams are compared through 64-bit hashes of their bytes; a false match between two different
pieces has a probability around 1e-19 per pair.
"""

from __future__ import annotations

import functools
import unicodedata

import numba as nb
import numpy as np

from dataprep.hashing import FNV_OFFSET, FNV_PRIME, mix

SPACE, PUNCT, ALPHA, BREAK = 1, 2, 4, 8
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@functools.cache
def char_table() -> np.ndarray:
    """uint8 flags (SPACE, PUNCT, ALPHA, BREAK) for every code point; built once per process."""
    table = np.zeros(0x110000, np.uint8)
    # Letters end below U+40000 and P*/S* characters below U+20000; whitespace below U+3001.
    alpha = np.frombuffer(bytes(map(str.isalpha, map(chr, range(0x40000)))), np.uint8)
    table[: len(alpha)] |= alpha * np.uint8(ALPHA)
    for code in range(0x20000):
        if unicodedata.category(chr(code))[0] in "PS":
            table[code] |= PUNCT
    for code in range(0x3001):
        if chr(code).isspace():
            table[code] |= SPACE
    for char in LINE_BREAKS:
        table[ord(char)] |= BREAK
    return table


@functools.cache
def lower_table() -> np.ndarray:
    """int32 lowercase of each BMP code point (itself when ``str.lower`` gives 2+ characters)."""
    lowered = (chr(code).lower() for code in range(0x10000))
    return np.fromiter(
        (ord(low) if len(low) == 1 else code for code, low in enumerate(lowered)), np.int32
    )


@nb.njit(inline="always")
def decode(data, i):
    """(code point, byte width) of the UTF-8 character starting at data[i]."""
    b = np.int64(data[i])
    if b < 0x80:
        return b, 1
    if b < 0xE0:
        return ((b & 0x1F) << 6) | (np.int64(data[i + 1]) & 0x3F), 2
    if b < 0xF0:
        return (
            ((b & 0x0F) << 12) | ((np.int64(data[i + 1]) & 0x3F) << 6) | (data[i + 2] & 0x3F)
        ), 3
    return (
        ((b & 0x07) << 18)
        | ((np.int64(data[i + 1]) & 0x3F) << 12)
        | ((np.int64(data[i + 2]) & 0x3F) << 6)
        | (np.int64(data[i + 3]) & 0x3F)
    ), 4


@nb.njit(inline="always")
def _span_hash_chars(data, lo, hi):
    """(64-bit hash, character count) of data[lo:hi]."""
    h = FNV_OFFSET
    chars = 0
    for k in range(lo, hi):
        h = (h ^ np.uint64(data[k])) * FNV_PRIME
        if (data[k] & 0xC0) != 0x80:
            chars += 1
    return mix(h, np.uint64(hi - lo)), chars


@nb.njit(inline="always")
def _slot(keys, used, mask, h):
    """Open-addressing slot of h in a table of mask + 1 slots; (slot, newly inserted)."""
    k = np.int64(h & np.uint64(mask))
    while used[k]:
        if keys[k] == h:
            return k, False
        k = (k + 1) & mask
    used[k] = True
    keys[k] = h
    return k, True


@nb.njit(inline="always")
def _table_mask(n):
    size = 2
    while size < 2 * n:
        size *= 2
    return size - 1


@nb.njit(inline="always")
def _duplicates(data, lo, hi, keys, used):
    """(items equal to an earlier item, their characters) over the byte spans lo[i]:hi[i]."""
    mask = _table_mask(len(lo))
    used[: mask + 1] = False
    count = 0
    chars = 0
    for i in range(len(lo)):
        h, n_chars = _span_hash_chars(data, lo[i], hi[i])
        _, new = _slot(keys, used, mask, h)
        if not new:
            count += 1
            chars += n_chars
    return count, chars


@nb.njit(inline="always")
def _count_tokens_lines(data, i, end, table):
    """(tokens, an upper bound on non-blank lines) of data[i:end]."""
    tokens = lines = 0
    in_tok = nonblank = False
    while i < end:
        c, w = decode(data, i)
        if table[c] & SPACE:
            in_tok = False
            if table[c] & BREAK:
                lines += nonblank
                nonblank = False
        else:
            tokens += not in_tok
            in_tok = nonblank = True
        i += w
    return tokens, lines + 1


@nb.njit(cache=True)
def repetition_counts(data, offsets, table, max_n):
    """Per document, the counts behind Gopher's repetition rules.

    Returns (base, top, dup): base[d] = [characters, paragraphs, repeated paragraphs, their
    characters, lines, repeated lines, their characters]; top[d, n] = characters of the most
    frequent n-gram that occurs twice or more (tokens joined by single spaces) times its count,
    ties going to the earliest; dup[d, n] = characters (token lengths) of the n-grams that
    repeat an earlier one, scanning left to right and jumping past each repeat (datatrove's
    ``find_all_duplicate``), for 1 <= n <= max_n.
    """
    n_docs = len(offsets) - 1
    base = np.zeros((n_docs, 7), np.int64)
    top = np.zeros((n_docs, max_n + 1), np.int64)
    dup = np.zeros((n_docs, max_n + 1), np.int64)
    for d in range(n_docs):
        i, end = offsets[d], offsets[d + 1]
        # scratch sized to this document's tokens and lines, not to its bytes
        max_tok, max_lines = _count_tokens_lines(data, i, end, table)
        tok_hash = np.empty(max_tok, np.uint64)
        cum = np.zeros(max_tok + 1, np.int64)
        grams = np.empty(max_tok, np.uint64)
        slot = np.empty(max_tok, np.int64)
        rep = np.empty(max_tok + 1, np.bool_)
        line_lo = np.empty(max_lines, np.int64)
        line_hi = np.empty(max_lines, np.int64)
        para_lo = np.empty(max_lines, np.int64)
        para_hi = np.empty(max_lines, np.int64)
        size = _table_mask(max(max_tok, max_lines)) + 1
        keys = np.empty(size, np.uint64)
        used = np.empty(size, np.bool_)
        counts = np.empty(size, np.int64)
        seen = np.empty(size, np.bool_)
        chars = n_tok = n_lines = n_paras = 0
        in_tok = False
        h = FNV_OFFSET
        tok_chars = 0
        first = last = para_first = para_last = -1
        while i <= end:
            if i < end:
                c, w = decode(data, i)
                flags = table[c]
            else:
                c, w, flags = 10, 1, SPACE | BREAK  # a final line break closes everything
            if flags & SPACE:
                if in_tok:
                    tok_hash[n_tok] = mix(h, np.uint64(tok_chars))
                    n_tok += 1
                    cum[n_tok] = cum[n_tok - 1] + tok_chars
                    in_tok = False
                if flags & BREAK:
                    if c == 13 and i + 1 < end and data[i + 1] == 10:
                        w = 2
                        chars += 1
                    if first >= 0:
                        line_lo[n_lines], line_hi[n_lines] = first, last
                        n_lines += 1
                        if para_first < 0:
                            para_first = first
                        para_last = last
                    elif para_first >= 0:
                        para_lo[n_paras], para_hi[n_paras] = para_first, para_last
                        n_paras += 1
                        para_first = -1
                    first = -1
            else:
                if not in_tok:
                    in_tok = True
                    h = FNV_OFFSET
                    tok_chars = 0
                for k in range(i, i + w):
                    h = (h ^ np.uint64(data[k])) * FNV_PRIME
                tok_chars += 1
                if first < 0:
                    first = i
                last = i + w
            chars += 1
            i += w
        if para_first >= 0:
            para_lo[n_paras], para_hi[n_paras] = para_first, para_last
            n_paras += 1
        base[d, 0] = chars - 1  # the closing break is not part of the text
        base[d, 1] = n_paras
        base[d, 2], base[d, 3] = _duplicates(data, para_lo[:n_paras], para_hi[:n_paras], keys, used)
        base[d, 4] = n_lines
        base[d, 5], base[d, 6] = _duplicates(data, line_lo[:n_lines], line_hi[:n_lines], keys, used)
        # n-gram levels: an (n+1)-gram can repeat only where the n-grams at p and p + 1 repeat.
        rep[: n_tok + 1] = True
        grams[:n_tok] = FNV_OFFSET
        for n in range(1, max_n + 1):
            m = n_tok - n + 1
            if m <= 0:
                break
            n_cand = 0
            for p in range(m):
                if rep[p] and rep[p + 1]:
                    n_cand += 1
            if n_cand < 2:
                break
            mask = _table_mask(n_cand)
            used[: mask + 1] = False
            for p in range(m):
                if rep[p] and rep[p + 1]:
                    grams[p] = mix(grams[p], tok_hash[p + n - 1])
                    k, new = _slot(keys, used, mask, grams[p])
                    if new:
                        counts[k] = 0
                        seen[k] = False
                    counts[k] += 1
                    slot[p] = k
                    rep[p] = True
                else:
                    rep[p] = False
            rep[m] = False
            best = 0
            total = 0
            next_free = -1
            for p in range(m):
                if rep[p]:
                    k = slot[p]
                    if counts[k] < 2:
                        rep[p] = False
                        continue
                    if counts[k] > best:
                        best = counts[k]
                        top[d, n] = (cum[p + n] - cum[p] + n - 1) * counts[k]
                    if p >= next_free:
                        if seen[k]:
                            total += cum[p + n] - cum[p]
                            next_free = p + n
                        else:
                            seen[k] = True
            dup[d, n] = total
            if best == 0:
                break
    return base, top, dup


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Elementwise numerator / denominator as float64, 0.0 where the denominator is 0."""
    numerator = np.asarray(numerator, np.float64)
    denominator = np.asarray(denominator, np.float64)
    out = np.zeros(np.broadcast(numerator, denominator).shape, np.float64)
    return np.divide(numerator, denominator, out=out, where=denominator != 0)


def first_failures(n_rows: int, rules: list[tuple[str, np.ndarray | None]]) -> list[str | None]:
    """Per row, the reason of the first rule (in list order) whose mask is True, else None.

    A rule whose mask is None is off.
    """
    codes = np.full(n_rows, -1, np.int64)
    names = []
    for reason, fails in rules:
        if fails is None:
            continue
        codes[(codes < 0) & fails] = len(names)
        names.append(reason)
    lookup = [*names, None]
    return [lookup[code] for code in codes.tolist()]
