"""Shared text statistics for the rule-based quality filters (Gopher, C4, FineWeb).

Definitions (Python ``str`` semantics throughout; each filter documents its own lines):

- character: a Unicode code point (what ``len(str)`` counts).
- whitespace: ``str.isspace()``; line break: a character ``str.splitlines()`` splits at, with
  ``\\r\\n`` read as one break.
- punctuation character (``char_table``'s PUNCT flag): Unicode general category punctuation (P*)
  or symbol (S*), e.g. ``. , ! ? ' " ( ) - # $ % * + / < = > @ [ ] ^ _ { | } ~ “ ” — … • ©``.
- word tokens (Gopher, FineWeb): datatrove's English word tokenizer, reproduced by
  ``dataprep.quality.word_tokens``.

``repetition_counts`` is the numba kernel behind ``gopher_repetition``: one pass per document
over the Arrow string buffers (UTF-8 bytes and offsets), linear time. Lines, paragraphs and
n-grams are compared through 64-bit hashes of their code points; a false match between two
different pieces has a probability around 1e-19 per pair.
"""

from __future__ import annotations

import functools
import unicodedata

import numba as nb
import numpy as np

from dataprep.hashing import FNV_OFFSET, mix
from dataprep.quality.char_classes import T_SPACE
from dataprep.quality.word_tokens import decode_into, span_hash, tokenize

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
def _duplicates(cps, lo, hi, keys, used):
    """(items equal to an earlier item, their characters) over the spans cps[lo[i]:hi[i]]."""
    mask = _table_mask(len(lo))
    used[: mask + 1] = False
    count = 0
    chars = 0
    for i in range(len(lo)):
        _, new = _slot(keys, used, mask, span_hash(cps, lo[i], hi[i]))
        if not new:
            count += 1
            chars += hi[i] - lo[i]
    return count, chars


@nb.njit(inline="always")
def _newline_pieces(cps, start, stop, min_run, lo, hi):
    """Split cps[start:stop] at runs of at least min_run newlines (``re.split``); returns the
    number of pieces written to lo/hi."""
    count = 0
    piece = k = start
    while k < stop:
        if cps[k] == 10:
            run = k
            while run < stop and cps[run] == 10:
                run += 1
            if run - k >= min_run:
                lo[count], hi[count] = piece, k
                count += 1
                piece = run
            k = run
        else:
            k += 1
    lo[count], hi[count] = piece, stop
    return count + 1


@nb.njit(cache=True)
def repetition_counts(data, offsets, table, specials, special_lengths, units, max_n):
    """Per document, the counts behind Gopher's repetition rules (datatrove's definitions).

    ``table``, ``specials``, ``special_lengths`` and ``units`` are those of
    ``dataprep.quality.word_tokens`` (its ``token_table`` and ``special_cases``). Returns
    (base, top, dup): base[d] = [characters, paragraphs (``re.split(r"\n{2,}",
    text.strip())``), repeated paragraphs, their characters, lines (``re.split("\n+", text)``),
    repeated lines, their characters]; top[d, n] = characters of the most frequent word n-gram
    (words joined by single spaces) times its count, ties going to the earliest, for every
    document with at least n words; dup[d, n] = characters (word lengths) of the n-grams that
    repeat an earlier one, scanning left to right and jumping past each repeat (datatrove's
    ``find_all_duplicate``), for 1 <= n <= max_n.
    """
    n_docs = len(offsets) - 1
    base = np.zeros((n_docs, 7), np.int64)
    top = np.zeros((n_docs, max_n + 1), np.int64)
    dup = np.zeros((n_docs, max_n + 1), np.int64)
    longest = 1
    for d in range(n_docs):
        longest = max(longest, offsets[d + 1] - offsets[d] + 1)
    cps = np.empty(longest, np.int32)
    tok_lo = np.empty(longest, np.int64)
    tok_hi = np.empty(longest, np.int64)
    scratch = np.empty(longest, np.int64)
    piece_lo = np.empty(longest + 1, np.int64)
    piece_hi = np.empty(longest + 1, np.int64)
    for d in range(n_docs):
        n = decode_into(data, offsets[d], offsets[d + 1], cps)
        n_tok = tokenize(cps, n, table, specials, special_lengths, units, tok_lo, tok_hi, scratch)
        newlines = 0
        for k in range(n):
            newlines += cps[k] == 10
        # hash tables sized to the words and lines, not to the characters
        size = _table_mask(max(n_tok, newlines + 1)) + 1
        keys = np.empty(size, np.uint64)
        used = np.empty(size, np.bool_)
        counts = np.empty(size, np.int64)
        seen = np.empty(size, np.bool_)
        first, last = 0, n
        while first < n and table[cps[first]] & T_SPACE:
            first += 1
        while last > first and table[cps[last - 1]] & T_SPACE:
            last -= 1
        base[d, 0] = n
        paras = _newline_pieces(cps, first, last, 2, piece_lo, piece_hi)
        base[d, 1] = paras
        base[d, 2], base[d, 3] = _duplicates(cps, piece_lo[:paras], piece_hi[:paras], keys, used)
        lines = _newline_pieces(cps, 0, n, 1, piece_lo, piece_hi)
        base[d, 4] = lines
        base[d, 5], base[d, 6] = _duplicates(cps, piece_lo[:lines], piece_hi[:lines], keys, used)
        tok_hash = np.empty(n_tok, np.uint64)
        cum = np.zeros(n_tok + 1, np.int64)
        for t in range(n_tok):
            tok_hash[t] = span_hash(cps, tok_lo[t], tok_hi[t])
            cum[t + 1] = cum[t] + tok_hi[t] - tok_lo[t]
        for n_gram in range(1, max_n + 1):
            if n_tok >= n_gram:  # no repeat: the first n-gram is the most common one
                top[d, n_gram] = cum[n_gram] + n_gram - 1
        _ngram_repeats(tok_hash, cum, n_tok, max_n, keys, used, counts, seen, top[d], dup[d])
    return base, top, dup


@nb.njit(inline="always")
def _ngram_repeats(tok_hash, cum, n_tok, max_n, keys, used, counts, seen, top, dup):
    """Fill top[n] (when some n-gram repeats) and dup[n] for one document."""
    grams = np.empty(n_tok, np.uint64)
    slot = np.empty(n_tok, np.int64)
    rep = np.empty(n_tok + 1, np.bool_)
    # an (n+1)-gram can repeat only where the n-grams at p and p + 1 repeat
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
        best = 1
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
                    top[n] = (cum[p + n] - cum[p] + n - 1) * counts[k]
                if p >= next_free:
                    if seen[k]:
                        total += cum[p + n] - cum[p]
                        next_free = p + n
                    else:
                        seen[k] = True
        dup[n] = total
        if best == 1:
            break


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
