"""C4 rule-based quality filter as a document-level stage: ``c4_quality``.

Source: Raffel et al. 2020, "Exploring the Limits of Transfer Learning with a Unified Text-to-Text
Transformer" (JMLR), section 2.2 "Colossal Clean Crawled Corpus", and its reference code
(tensorflow_datasets ``c4_utils.clean_page``), as also implemented by huggingface/datatrove's
``C4QualityFilter`` and ``C4BadWordsFilter``.

The original *rewrites* pages: it drops the lines that fail the line rules and keeps the rest.
This stage never rewrites text. It evaluates the same line rules and rejects a whole document
only when C4 would have dropped the whole page; a kept document keeps all its lines (a later
stage may drop lines if wanted). Because the kept text includes every line, the page-level
checks (lorem ipsum, curly bracket, bad words) look at the whole text, as the paper states,
rather than only at the lines C4 would have kept, as its reference code does.

Line rules, applied to each line (``str.splitlines()``, stripped; blank lines are skipped) in
this order; a line failing one is dropped:

1. any whitespace-separated word longer than ``max_word_length`` characters (default 1000);
2. (not a drop) citation markers ``[1]``, ``[edit]``, ``[citation needed]`` are removed first
   when ``remove_citations`` (default true);
3. ``filter_no_terminal_punct`` (default true): the line must end in ``.``, ``!``, ``?`` or
   ``"`` and must not end in ``...``;
4. fewer than ``min_words_per_line`` words (default 3);
5. ``filter_javascript`` (default true): the line mentions "javascript" (any case);
6. ``filter_policy`` (default true): the line mentions "terms of use", "privacy policy",
   "cookie policy", "uses cookies", "use of cookies" or "use cookies" (any case).

Document rules, in the order they are checked (the first failing one names the reason):

1. ``c4_lorem_ipsum``: the text contains "lorem ipsum" (any case), when ``filter_lorem_ipsum``
   (default true).
2. ``c4_curly_bracket``: the text contains ``{``, when ``filter_curly_bracket`` (default true).
3. ``c4_no_valid_lines``: no line survives the line rules.
4. ``c4_too_few_sentences``: the surviving lines hold fewer than ``min_num_sentences``
   sentences (default 5; null turns it off).
5. ``c4_bad_words``: the text contains a word or phrase from the file at ``bad_words_path``
   (default null: rule off), e.g. the LDNOOBW "en" list C4 used. The file holds one entry per
   line (UTF-8, blank lines ignored), matched case-insensitively and only as a whole word (not
   inside a longer word). It is read on first use, never downloaded.

Sentences are counted without NLTK: a sentence ends at ``.``, ``!`` or ``?`` (optionally followed
by closing quotes or brackets) followed by whitespace and a character that is not a lowercase
ASCII letter; the text after the last such end is one more sentence. C4 used NLTK's punkt, which
knows abbreviations; this splitter may count "Mr. Smith" as two sentences.

Differences from datatrove: the page-level checks look at the whole text (see above); terminal
punctuation is C4's ``. ! ? "`` (datatrove adds ``'``); words per line are counted after citation
removal, as in C4; C4's sentence-level mode (``split_paragraph=False``) is not offered.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.params import check_bool, check_number, check_string
from dataprep.registry import register
from dataprep.stage import Filter, text_values

END_PUNCTUATION = (".", "?", "!", '"')
ELLIPSIS = "..."
POLICY_SUBSTRINGS = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)
REASONS = (
    "c4_lorem_ipsum",
    "c4_curly_bracket",
    "c4_no_valid_lines",
    "c4_too_few_sentences",
    "c4_bad_words",
)
_CITATION_RE = re.compile(r"\[\d*\]|\[edit\]|\[citation needed\]")
_SENTENCE_BOUNDARY_RE = re.compile(r"(?<=[.!?])[\"'’”)\]]*\s+(?=[^\sa-z])")


def count_sentences(line: str) -> int:
    """Sentences in a non-empty stripped line, by the simple splitter described above."""
    return len(_SENTENCE_BOUNDARY_RE.split(line))


def _trie_pattern(entries: list[str]) -> str:
    """A regex matching any of ``entries``, factored by common prefixes so it scans fast."""
    trie: dict[str, dict] = {}
    for entry in entries:
        node = trie
        for char in entry:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = "(?:" + "|".join(branches) + ")"
        return body + "?" if "" in node else body

    return build(trie)


def load_bad_words(path: str) -> re.Pattern[str] | None:
    """Compile the bad-words file into one whole-word regex; None for an empty list."""
    try:
        with open(path, encoding="utf-8") as handle:
            entries = sorted({line.strip().lower() for line in handle if line.strip()})
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            f"The bad-words file {path!r} of c4_quality cannot be read: {error}."
        ) from None
    if not entries:
        return None
    return re.compile(rf"(?<!\w)(?:{_trie_pattern(entries)})(?!\w)")


@register
class C4QualityFilter(Filter):
    """C4's page rules as a document filter; see the module docstring for rules and defaults."""

    name = "c4_quality"
    version = 1

    def __init__(
        self,
        *,
        min_num_sentences: int | None = 5,
        min_words_per_line: int | None = 3,
        max_word_length: int | None = 1000,
        remove_citations: bool = True,
        filter_no_terminal_punct: bool = True,
        filter_javascript: bool = True,
        filter_policy: bool = True,
        filter_lorem_ipsum: bool = True,
        filter_curly_bracket: bool = True,
        bad_words_path: str | None = None,
    ) -> None:
        self.min_num_sentences = min_num_sentences
        self.min_words_per_line = min_words_per_line
        self.max_word_length = max_word_length
        self.remove_citations = remove_citations
        self.filter_no_terminal_punct = filter_no_terminal_punct
        self.filter_javascript = filter_javascript
        self.filter_policy = filter_policy
        self.filter_lorem_ipsum = filter_lorem_ipsum
        self.filter_curly_bracket = filter_curly_bracket
        self.bad_words_path = bad_words_path

    def check_params(self) -> None:
        for param in ("min_num_sentences", "min_words_per_line"):
            check_number(
                self.name, param, getattr(self, param), low=0, integer=True, allow_none=True
            )
        check_number(
            self.name, "max_word_length", self.max_word_length, low=1, integer=True, allow_none=True
        )
        for param in (
            "remove_citations",
            "filter_no_terminal_punct",
            "filter_javascript",
            "filter_policy",
            "filter_lorem_ipsum",
            "filter_curly_bracket",
        ):
            check_bool(self.name, param, getattr(self, param))
        check_string(self.name, "bad_words_path", self.bad_words_path, allow_none=True)

    def reason_names(self) -> list[str]:
        """Every reason this stage can give, in the order its rules are checked."""
        return list(REASONS)

    def bad_words(self) -> re.Pattern[str] | None:
        """The compiled bad-words regex, read from ``bad_words_path`` on first use."""
        if self.bad_words_path is None:
            return None
        if getattr(self, "bad_words_source_", None) != self.bad_words_path:
            self.bad_words_re_ = load_bad_words(self.bad_words_path)
            self.bad_words_source_ = self.bad_words_path
        return self.bad_words_re_

    def reject_reasons(self, batch: pa.RecordBatch) -> list[str | None]:
        check = self._checker()
        return [check(text) for text in text_values(batch, self.context.text_column)]

    def _checker(self) -> Callable[[str], str | None]:
        """A per-document function with every setting bound to a local name."""
        lorem, curly = self.filter_lorem_ipsum, self.filter_curly_bracket
        min_sentences = self.min_num_sentences
        bad_words = self.bad_words()
        max_word = self.max_word_length
        citations = self.remove_citations
        punct = self.filter_no_terminal_punct
        # a line has at least k words when splitting it at most k - 1 times gives k pieces
        min_words = self.min_words_per_line or 0
        javascript, policy = self.filter_javascript, self.filter_policy
        use_lower = javascript or policy or lorem or bad_words is not None

        def check(text: str) -> str | None:
            lower = text.lower() if use_lower else text
            if lorem and "lorem ipsum" in lower:
                return "c4_lorem_ipsum"
            if curly and "{" in text:
                return "c4_curly_bracket"
            sentences = 0
            any_valid = False
            # str.lower never adds or removes line breaks, so the two line lists align
            for raw, raw_lower in zip(text.splitlines(), lower.splitlines(), strict=True):
                line = raw.strip()
                if not line:
                    continue
                too_long = max_word is not None and len(line) > max_word
                if too_long and any(len(word) > max_word for word in line.split()):
                    continue
                if citations and "[" in line:
                    line = _CITATION_RE.sub("", line)
                    if not line:
                        continue
                    raw_lower = line.lower()
                if punct and (not line.endswith(END_PUNCTUATION) or line.endswith(ELLIPSIS)):
                    continue
                if min_words and len(line.split(None, min_words - 1)) < min_words:
                    continue
                if javascript and "javascript" in raw_lower:
                    continue
                if policy and any(phrase in raw_lower for phrase in POLICY_SUBSTRINGS):
                    continue
                any_valid = True
                if min_sentences is None:
                    break
                sentences += count_sentences(line)
                if sentences >= min_sentences:
                    break
            if not any_valid:
                return "c4_no_valid_lines"
            if min_sentences is not None and sentences < min_sentences:
                return "c4_too_few_sentences"
            if bad_words is not None and bad_words.search(lower):
                return "c4_bad_words"
            return None

        return check
