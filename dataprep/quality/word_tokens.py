"""English word tokens as datatrove counts them: a fast stand-in for its spaCy tokenizer.

datatrove's Gopher and FineWeb filters count words with ``split_into_words(text, "en")``: the
rule tokenizer of spaCy's blank English pipeline (spaCy 3.8, no model), with whitespace tokens
dropped. This module reproduces that tokenizer's rules in a numba kernel over code points: on
the 1,203 real pages of ``benchmarks/bench_peer_agreement.py``, 1,200 get exactly spaCy's tokens
(the other three differ by one token, ``……`` split in two). Each whitespace-separated chunk is
split as spaCy does:

1. prefixes are peeled from the front and suffixes from the back, one at a time, until the rest
   is a special case or nothing more peels. Prefixes: the characters of spaCy's ``LIST_PUNCT``,
   ``LIST_QUOTES``, ``LIST_CURRENCY``, ``§ % = — –``, ``+`` not before a digit, symbols of
   category So, and runs of two or more ``.``. Suffixes: the same punctuation, quotes and
   symbols, ``— –``, runs of ``..``, ``'s``; after a digit also ``+``, ``%``, a currency sign or
   a unit (``km``, ``kg``, ``MB``, ...); a final ``.`` after a digit, a lowercase letter, one of
   ``% ² - +``, punctuation or a quote, or after two uppercase letters.
2. special cases (spaCy's 1,343 English exceptions, ``dataprep.quality.spacy_exceptions``)
   end the peeling: ``Mr.``, ``e.g.``, ``:)``, ``'s`` stay whole, ``don't`` becomes ``do n't``.
3. what is left is a special case, a URL (kept whole; spaCy's ``URL_MATCH``: an optional
   scheme and ``user@``, a dotted host name ending in 2+ lowercase letters, an optional port and
   path) or is split at infixes: ``..`` runs and ``…``; So symbols; ``+ - * ^`` between digits;
   ``.`` between a lowercase letter and an uppercase one; ``,`` between letters; hyphens
   (``-``, ``--``, ``---``, ``–``, ``—``, ``——``, ``~``) after a letter or digit and before a
   letter; ``: < > = /`` after a letter or digit and before a letter.

Not reproduced: host names that are IP addresses (``http://10.1.2.3/a-b`` is split here) and
spaCy's special cases that match across chunks. Letters are ``str.isalpha``, lowercase and
uppercase ``str.islower`` and ``str.isupper`` (uncased letters count as both, as in spaCy).
"""

from __future__ import annotations

import functools

import numba as nb
import numpy as np

from dataprep.quality.char_classes import (
    T_ALPHA,
    T_CURRENCY,
    T_DIGIT,
    T_ICON,
    T_LOWER,
    T_PREFIX,
    T_PUNCT,
    T_QUOTE,
    T_SPACE,
    T_SUFFIX,
    T_UPPER,
    UNITS,
    token_table,
)
from dataprep.quality.spacy_exceptions import exceptions
from dataprep.quality.span_hashes import find, hash_set, member, span_hash
from dataprep.scripts import decode_utf8 as decode


@functools.cache
def special_cases() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hashes of spaCy's special cases, sorted; their token lengths, one row each, 0-padded;
    hashes of the units)."""
    cases = exceptions()
    hashes = hash_set(list(cases))
    order = {h: k for k, h in enumerate(hashes.tolist())}
    lengths = np.zeros((len(hashes), max(map(len, cases.values()))), np.int64)
    for text, parts in cases.items():
        h = span_hash(np.array([ord(c) for c in text], np.int32), 0, len(text))
        lengths[order[int(h)], : len(parts)] = parts
    return hashes, lengths, hash_set(UNITS)


@nb.njit(inline="always")
def _is(table, c, flag):
    return (table[c] & flag) != 0


@nb.njit(inline="always")
def _prefix_len(cps, lo, hi, table):
    c = cps[lo]
    if c == 46:  # '.': only a run of two or more
        k = lo
        while k < hi and cps[k] == 46:
            k += 1
        return k - lo if k - lo >= 2 else 0
    if (c == 85 and hi - lo >= 3 and cps[lo + 1] == 83 and cps[lo + 2] == 36) or (
        (c == 67 or c == 65) and hi - lo >= 2 and cps[lo + 1] == 36
    ):
        return 3 if c == 85 else 2  # US$ C$ A$
    if c == 43:  # '+' not before a digit
        return 0 if lo + 1 < hi and _is(table, cps[lo + 1], T_DIGIT) else 1
    return 1 if _is(table, c, T_PREFIX) else 0


@nb.njit(inline="always")
def _suffix_len(cps, lo, hi, table, units):
    """Length of the suffix spaCy's regex finds (its leftmost match that ends at hi)."""
    best = hi
    last = cps[hi - 1]
    if _is(table, last, T_SUFFIX):
        best = hi - 1
    if last == 46:
        k = hi
        while k > lo and cps[k - 1] == 46:
            k -= 1
        if hi - k >= 2:
            best = min(best, k)
        elif hi - lo >= 2:
            p = cps[hi - 2]
            # spaCy's class [0-9{al}%²\-\+{p}(?:{q})] also holds | ( ? : )
            after = _is(table, p, T_DIGIT | T_LOWER | T_PUNCT | T_QUOTE)
            after |= p in (37, 178, 45, 43, 124)
            if hi - lo >= 3:
                before = cps[hi - 3]
                after |= _is(table, p, T_UPPER) and _is(table, before, T_UPPER)
                after |= before == 176 and (p | 32) in (102, 99, 107)  # °F °C °K
            if after:
                best = min(best, hi - 1)
    if hi - lo >= 2 and (last == 115 or last == 83) and (cps[hi - 2] == 39 or cps[hi - 2] == 8217):
        best = min(best, hi - 2)
    # after a digit: '+', a currency sign or a unit
    d = hi - 1
    while d >= lo and not _is(table, cps[d], T_DIGIT):
        d -= 1
    if lo <= d < hi - 1:
        p = d + 1
        c = cps[p]
        if (p == hi - 1 and (c == 43 or _is(table, c, T_CURRENCY))) or member(cps, p, hi, units):
            best = min(best, p)
    return hi - best


@nb.njit(inline="always")
def _host_char(table, c):
    return c >= 0xA1 or 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122


@nb.njit(inline="always")
def _is_url(cps, lo, hi, table):
    """spaCy's URL_MATCH, simplified: [scheme://][user@]label.[label.]tld[:port][/?#path]
    where the tld is 2-63 lowercase letters (IP-address hosts are not recognised)."""
    p = lo
    k = lo
    while k < hi - 2 and not (cps[k] == 58 and cps[k + 1] == 47 and cps[k + 2] == 47):
        k += 1
    if k < hi - 2 and k - lo >= 2:
        scheme = True
        for j in range(lo, k):
            c = cps[j]
            scheme &= _host_char(table, c) or c == 95 or c == 43 or c == 45 or c == 46
        if scheme:
            p = k + 3
    for j in range(hi - 1, p, -1):
        if cps[j] == 64:  # '@': the host follows the last one
            p = j + 1
            break
    labels = 0
    while p < hi:
        e = p
        while e < hi and (_host_char(table, cps[e]) or cps[e] == 95 or cps[e] == 45):
            e += 1
        if e < hi and cps[e] == 46 and e > p:
            if not (_host_char(table, cps[p]) and _host_char(table, cps[e - 1])):
                return False
            labels += 1
            p = e + 1
            continue
        # the top-level domain: lowercase letters only
        t = p
        while t < e and _is(table, cps[t], T_LOWER):
            t += 1
        if labels == 0 or t - p < 2 or t - p > 63:
            return False
        p = t
        break
    else:
        return False
    if p < hi and cps[p] == 58:
        d = p + 1
        while d < hi and _is(table, cps[d], T_DIGIT):
            d += 1
        if 2 <= d - p - 1 <= 5:
            p = d
    return p == hi or cps[p] == 47 or cps[p] == 63 or cps[p] == 35


@nb.njit(inline="always")
def _infix_len(cps, lo, hi, k, table):
    """Length of the infix starting at k (lo < k < hi), or 0."""
    c = cps[k]
    if c == 46 and k + 1 < hi and cps[k + 1] == 46:
        e = k
        while e < hi and cps[e] == 46:
            e += 1
        return e - k
    if c == 0x2026 or _is(table, c, T_ICON):
        return 1
    p = cps[k - 1]
    if k + 1 >= hi:
        return 0
    n = cps[k + 1]
    if _is(table, p, T_DIGIT) and c in (43, 45, 42, 94) and (_is(table, n, T_DIGIT) or n == 45):
        return 1
    if c == 46 and _is(table, p, T_LOWER | T_QUOTE) and _is(table, n, T_UPPER | T_QUOTE):
        return 1
    if c == 44 and _is(table, p, T_ALPHA) and _is(table, n, T_ALPHA):
        return 1
    if _is(table, p, T_ALPHA | T_DIGIT):
        if c == 58 or c == 60 or c == 62 or c == 61 or c == 47:
            return 1 if _is(table, n, T_ALPHA) else 0
        if c == 45 or c == 0x2014 or c == 0x2013 or c == 126:
            e = k + 1
            limit = 3 if c == 45 else (2 if c == 0x2014 else 1)
            while e < hi and e - k < limit and cps[e] == c:
                e += 1
            # the regex tries the longest hyphen run first, then shorter ones
            while e > k:
                if e < hi and _is(table, cps[e], T_ALPHA):
                    return e - k
                e -= 1
    return 0


@nb.njit(inline="always")
def _emit(tok_lo, tok_hi, count, lo, hi):
    tok_lo[count] = lo
    tok_hi[count] = hi
    return count + 1


@nb.njit(inline="always")
def _emit_special(tok_lo, tok_hi, count, lo, lengths):
    for length in lengths:
        if length == 0:
            break
        count = _emit(tok_lo, tok_hi, count, lo, lo + length)
        lo += length
    return count


@nb.njit(inline="always")
def _merge_specials(cps, first, count, specials, special_lengths, tok_lo, tok_hi):
    """Merge 2 or 3 adjacent tokens of one chunk that spell a special case (spaCy's special
    matcher, e.g. ``)`` ``:`` -> ``):``); returns the new token count."""
    i = w = first
    while i < count:
        merged = False
        for length in (3, 2):
            if i + length <= count:
                special = find(cps, tok_lo[i], tok_hi[i + length - 1], specials)
                if special >= 0 and special_lengths[special, length - 1 :].sum() == 0:
                    w = _emit_special(tok_lo, tok_hi, w, tok_lo[i], special_lengths[special])
                    i += length
                    merged = True
                    break
        if not merged:
            tok_lo[w], tok_hi[w] = tok_lo[i], tok_hi[i]
            w += 1
            i += 1
    return w


@nb.njit(cache=True)
def tokenize(cps, n, table, specials, special_lengths, units, tok_lo, tok_hi, suffix_lo):
    """Token spans of cps[:n] into tok_lo/tok_hi (code point offsets); returns their count.

    tok_lo, tok_hi and suffix_lo need room for n entries (a token is at least one character).
    """
    count = 0
    i = 0
    while i < n:
        while i < n and _is(table, cps[i], T_SPACE):
            i += 1
        if i >= n:
            break
        lo = i
        chunk_first = count
        while i < n and not _is(table, cps[i], T_SPACE):
            i += 1
        hi = i
        letters = True  # fast path: only ASCII letters, so no affix, infix or URL applies
        for k in range(lo, hi):
            c = cps[k] | 32
            if c < 97 or c > 122:
                letters = False
                break
        if letters:
            special = find(cps, lo, hi, specials)
            if special >= 0:
                count = _emit_special(tok_lo, tok_hi, count, lo, special_lengths[special])
            else:
                count = _emit(tok_lo, tok_hi, count, lo, hi)
            continue
        n_suffix = 0
        # suffix k spans suffix_lo[k] .. (suffix_lo[k - 1] or the chunk end)
        while lo < hi:
            if member(cps, lo, hi, specials):
                break
            pre = _prefix_len(cps, lo, hi, table)
            if pre and lo + pre < hi and member(cps, lo + pre, hi, specials):
                count = _emit(tok_lo, tok_hi, count, lo, lo + pre)
                lo += pre
                break
            suf = _suffix_len(cps, lo + pre, hi, table, units) if lo + pre < hi else 0
            if suf and hi - suf > lo and member(cps, lo, hi - suf, specials):
                suffix_lo[n_suffix] = hi - suf
                n_suffix += 1
                hi -= suf
                break
            if not pre and not suf:
                break
            if pre:
                count = _emit(tok_lo, tok_hi, count, lo, lo + pre)
                lo += pre
            if suf:
                suffix_lo[n_suffix] = hi - suf
                n_suffix += 1
                hi -= suf
        if lo < hi:
            special = find(cps, lo, hi, specials)
            if special >= 0:
                count = _emit_special(tok_lo, tok_hi, count, lo, special_lengths[special])
            elif _is_url(cps, lo, hi, table):
                count = _emit(tok_lo, tok_hi, count, lo, hi)
            else:
                start = lo
                k = lo + 1
                while k < hi:
                    width = _infix_len(cps, lo, hi, k, table)
                    if width:
                        if k > start:
                            count = _emit(tok_lo, tok_hi, count, start, k)
                        count = _emit(tok_lo, tok_hi, count, k, k + width)
                        start = k = k + width
                    else:
                        k += 1
                if start < hi:
                    count = _emit(tok_lo, tok_hi, count, start, hi)
        # suffixes were peeled from the end inwards: the first one peeled is the last token
        for s in range(n_suffix - 1, -1, -1):
            count = _emit(tok_lo, tok_hi, count, suffix_lo[s], i if s == 0 else suffix_lo[s - 1])
        count = _merge_specials(cps, chunk_first, count, specials, special_lengths, tok_lo, tok_hi)
    return count


@nb.njit(inline="always")
def decode_into(data, i, end, cps):
    """Decode the UTF-8 bytes data[i:end] into cps; returns the number of code points."""
    n = 0
    while i < end:
        c, w = decode(data, i)
        cps[n] = c
        n += 1
        i += w
    return n


def split_words(text: str) -> list[str]:
    """The tokens of ``text`` (for tests and inspection; the filters call ``tokenize``)."""
    cps = np.fromiter(map(ord, text), np.int32, len(text))
    n = len(cps)
    lo, hi, scratch = (np.empty(n, np.int64) for _ in range(3))
    count = tokenize(cps, n, token_table(), *special_cases(), lo, hi, scratch)
    return [text[a:b] for a, b in zip(lo[:count].tolist(), hi[:count].tolist(), strict=True)]
