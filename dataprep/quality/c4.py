"""C4's rules (Raffel et al. 2020, "Exploring the Limits of Transfer Learning with a Unified
Text-to-Text Transformer", JMLR, section 2.2) as huggingface/datatrove's ``C4QualityFilter`` runs
them, split in two stages. Matched: src/datatrove/pipeline/filters/c4_filters.py at commit
a649de79c14a550dc90f48a15c025f2dd3fd3b57 (release 0.10.0; C4QualityFilter is the same in 0.10.1).

- ``c4_line_cleaner`` (a modifier) removes the lines that fail the line rules and rewrites the
  text as the kept lines joined by ``\n`` (then stripped), as datatrove does;
- ``c4_quality`` (a filter) judges the page it is given; put it right after ``c4_line_cleaner``
  (as configs/filter/default.yaml does) to get datatrove's decision on the cleaned page.

Line rules of ``c4_line_cleaner``, for each line of ``str.splitlines()``, stripped, in this order:

1. drop it when a whitespace-separated word is longer than ``max_word_length`` (default 1000);
2. remove citation markers ``[1]``, ``[]``, ``[edit]``, ``[citation needed]`` when
   ``remove_citations`` (default true);
3. drop it, when ``filter_no_terminal_punct`` (default true), unless it ends in ``.``, ``?``,
   ``!``, ``"`` or ``'`` and not in ``...`` (checked after step 2, so a line ending in a citation
   after a space fails);
4. drop it when it has fewer than ``min_words_per_line`` words (default 3; counted before
   step 2, as datatrove does; null turns it off);
5. keep it, when ``filter_lorem_ipsum`` (default true), if it contains "lorem ipsum" (any case):
   datatrove rejects the page here, so the line stays for ``c4_quality`` to see;
6. drop it, when ``filter_javascript`` (default true), if it contains "javascript" (any case);
7. keep it, when ``filter_curly_bracket`` (default true), if it contains ``{`` (as in step 5);
8. drop it, when ``filter_policy`` (default true), if it contains "terms of use",
   "privacy policy", "cookie policy", "uses cookies", "use of cookies" or "use cookies".

``dp_c4_line_cleaner_lines_removed`` counts the dropped lines that were not blank (blank lines
always go when step 3 or 4 is on); ``dp_c4_line_cleaner_chars_removed`` is the length lost.
Give both stages the same ``filter_lorem_ipsum`` and ``filter_curly_bracket``.

Page rules of ``c4_quality``, in this order (the first failing one names the reason):

1. ``c4_lorem_ipsum``/``c4_curly_bracket``: the first line containing "lorem ipsum" (any case,
   when ``filter_lorem_ipsum``) or ``{`` (when ``filter_curly_bracket``) names the reason (both
   in one line: lorem ipsum);
2. ``c4_too_few_sentences``: the lines hold fewer than ``min_num_sentences`` sentences
   (default 5; null turns it off; an empty page has 0, so it is rejected unless the rule is off);
3. ``c4_bad_words``: the text contains a word or phrase from the file at ``bad_words_path``
   (default null: rule off), e.g. the LDNOOBW "en" list C4 used (datatrove's separate
   ``C4BadWordsFilter``). The file holds one entry per line (UTF-8, blank lines ignored), matched
   case-insensitively and only as a whole word. It is read on first use, never downloaded.

Sentences are counted per line as datatrove's ``split_into_sentences`` counts them for English
(spaCy's blank English tokenizer and rule-based sentencizer), approximated without spaCy: a
sentence ends at a ``!`` or ``?`` ending a whitespace-separated chunk (closing quotes and brackets
aside), at a ``.`` ending one after a lowercase letter, a digit, ``%``, a quote or punctuation or
two capitals (not "U.S.", "J.") unless the chunk is one of spaCy's abbreviations ("Mr.", "e.g.",
"Dec.", "a.m.", ...), and at a ``.`` between a lowercase letter and a capital ("end.Next"); an end
counts when a word follows it in the line; a line counts at least 1 (an empty one too). On 632
pages (the hand-built ones of tests/quality/test_c4.py, web_samples and the DCLM annotations)
this gives datatrove 0.10.1's decision for every page.

Differences from datatrove: the sentence count above is an approximation; a rejected page is
written with its cleaned text (datatrove writes excluded documents unchanged); blank lines kept
(only when steps 3 and 4 are both off) at the start or end of a page are stripped before
``c4_quality`` counts them; the sentence-level mode (``split_paragraph=False``) is not offered.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyarrow as pa

from dataprep.errors import ConfigError
from dataprep.params import check_bool, check_number, check_string
from dataprep.registry import register
from dataprep.stage import Filter, Modifier, Stage, text_values

END_PUNCTUATION = (".", "?", "!", '"', "'")
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
    "c4_too_few_sentences",
    "c4_bad_words",
)
_CITATION_RE = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
_WORD_RE = re.compile(r"\w")
_INFIX_PERIOD_RE = re.compile(r"(?<=[^\W\d_A-Z]|[\"'`‘’´])\.(?=[^\W\d_a-z]|[\"'`‘’´])")
_CLOSERS = "\"'’”)]}"
_AFTER_PERIOD = "%²-+\"'’”)]}!?,:;"
# spaCy's English tokenizer exceptions that end in "." (the token keeps its period)
_ABBREVIATIONS = frozenset(
    "Adm. Ak. Ala. Apr. Ariz. Ark. Aug. Bros. Calif. Co. Colo. Conn. Corp. D.C. Dec. Del. Dr. "  # noqa: SIM905
    "E.G. E.g. Feb. Fla. Ga. Gen. Gov. I.E. I.e. Ia. Id. Ill. Inc. Ind. Jan. Jr. Jul. Jun. Kan. "
    "Kans. Ky. La. Ltd. Mar. Mass. Md. Messrs. Mich. Minn. Miss. Mo. Mont. Mr. Mrs. Ms. Mt. N.C. "
    "N.D. N.H. N.J. N.M. N.Y. Neb. Nebr. Nev. Nov. Oct. Okla. Ore. Pa. Ph.D. Prof. Rep. Rev. S.C. "
    "Sen. Sep. Sept. St. Tenn. Va. Wash. Wis. a.m. co. e.g. i.e. p.m. v.s. vs.".split()
    + [f"{c}." for c in "abcdefghijklmnopqrstuvwxyzäöü"]
    + [f"{h}{m}" for h in range(1, 13) for m in ("a.m.", "p.m.")]
)


def count_sentences(line: str) -> int:
    """Sentences in a line, approximating spaCy's English sentencizer (see the module
    docstring); at least 1."""
    chunks = line.split()
    ends = 0
    for position, chunk in enumerate(chunks):
        later = any(_WORD_RE.search(c) for c in chunks[position + 1 :])
        core = chunk.rstrip(_CLOSERS)
        for infix in _INFIX_PERIOD_RE.finditer(core):  # "end.Next": a "." token of its own
            ends += bool(later or _WORD_RE.search(core, infix.end()))
        if _ends_sentence(chunk) and later:
            ends += 1
    return ends + 1


def _ends_sentence(chunk: str) -> bool:
    """Whether spaCy's English tokenizer splits a sentence-ending ``.``, ``!`` or ``?`` token
    off the end of this whitespace-separated chunk (closing quotes and brackets aside)."""
    core = chunk.rstrip(_CLOSERS)
    if not core or core[-1] not in ".!?":
        return False
    if core[-1] != ".":
        return True
    if core.endswith("..") or core in _ABBREVIATIONS or len(core) < 2:
        return len(core) == 1  # a lone "." token ends a sentence; "..", "Mr." do not
    before = core[-2]
    if before.islower() or before.isdigit() or before in _AFTER_PERIOD:
        return True
    return len(core) >= 3 and before.isupper() and core[-3].isupper()


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


def _check_line_params(stage: Stage) -> None:
    check_number(
        stage.name, "max_word_length", stage.max_word_length, low=1, integer=True, allow_none=True
    )
    check_number(
        stage.name,
        "min_words_per_line",
        stage.min_words_per_line,
        low=0,
        integer=True,
        allow_none=True,
    )


@register
class C4LineCleaner(Modifier):
    """C4's line rules as a modifier; see the module docstring for rules and defaults.

    max_word_length: drop lines with a longer word (default 1000; null: off).
    remove_citations: remove ``[1]``, ``[edit]``, ``[citation needed]`` (default true).
    filter_no_terminal_punct: drop lines without terminal punctuation (default true).
    min_words_per_line: drop lines with fewer words (default 3; null: off).
    filter_lorem_ipsum: keep lines with "lorem ipsum" for c4_quality (default true).
    filter_javascript: drop lines mentioning "javascript" (default true).
    filter_curly_bracket: keep lines with ``{`` for c4_quality (default true).
    filter_policy: drop lines with cookie, privacy-policy or terms-of-use phrases (default true).
    """

    name = "c4_line_cleaner"
    version = 1

    def __init__(
        self,
        *,
        max_word_length: int | None = 1000,
        remove_citations: bool = True,
        filter_no_terminal_punct: bool = True,
        min_words_per_line: int | None = 3,
        filter_lorem_ipsum: bool = True,
        filter_javascript: bool = True,
        filter_curly_bracket: bool = True,
        filter_policy: bool = True,
    ) -> None:
        self.max_word_length = max_word_length
        self.remove_citations = remove_citations
        self.filter_no_terminal_punct = filter_no_terminal_punct
        self.min_words_per_line = min_words_per_line
        self.filter_lorem_ipsum = filter_lorem_ipsum
        self.filter_javascript = filter_javascript
        self.filter_curly_bracket = filter_curly_bracket
        self.filter_policy = filter_policy

    def check_params(self) -> None:
        _check_line_params(self)
        for param in (
            "remove_citations",
            "filter_no_terminal_punct",
            "filter_lorem_ipsum",
            "filter_javascript",
            "filter_curly_bracket",
            "filter_policy",
        ):
            check_bool(self.name, param, getattr(self, param))

    def rewrite(self, texts: list[str]) -> tuple[list[str], list[int]]:
        clean = self._cleaner()
        results = [clean(text) for text in texts]
        return [text for text, _ in results], [removed for _, removed in results]

    def _cleaner(self) -> Callable[[str], tuple[str, int]]:
        """A per-document function with every setting bound to a local name."""
        max_word = self.max_word_length
        citations, punct = self.remove_citations, self.filter_no_terminal_punct
        min_words = self.min_words_per_line or 0
        lorem, javascript = self.filter_lorem_ipsum, self.filter_javascript
        curly, policy = self.filter_curly_bracket, self.filter_policy

        def keep(line: str) -> str | None:
            """The line as kept, or None when a rule drops it (datatrove's order)."""
            words = line.split()
            too_long = max_word is not None and len(line) > max_word
            if too_long and any(len(word) > max_word for word in words):
                return None
            if citations and "[" in line:
                line = _CITATION_RE.sub("", line)
            if punct and (not line.endswith(END_PUNCTUATION) or line.endswith(ELLIPSIS)):
                return None
            if len(words) < min_words:
                return None
            lower = line.lower()
            if lorem and "lorem ipsum" in lower:
                return line
            if javascript and "javascript" in lower:
                return None
            if curly and "{" in line:
                return line
            if policy and any(phrase in lower for phrase in POLICY_SUBSTRINGS):
                return None
            return line

        def clean(text: str) -> tuple[str, int]:
            kept, removed = [], 0
            for raw in text.splitlines():
                line = raw.strip()
                result = keep(line)
                if result is None:
                    removed += bool(line)
                else:
                    kept.append(result)
            return "\n".join(kept).strip(), removed

        return clean


@register
class C4QualityFilter(Filter):
    """C4's page rules, judging the page c4_line_cleaner leaves; see the module docstring.

    min_num_sentences: reject pages with fewer sentences (default 5; null: off).
    filter_lorem_ipsum: reject pages with "lorem ipsum" (default true).
    filter_curly_bracket: reject pages with ``{`` (default true).
    bad_words_path: a bad-words file, one entry per line (default null: rule off).
    """

    name = "c4_quality"
    version = 2

    def __init__(
        self,
        *,
        min_num_sentences: int | None = 5,
        filter_lorem_ipsum: bool = True,
        filter_curly_bracket: bool = True,
        bad_words_path: str | None = None,
    ) -> None:
        self.min_num_sentences = min_num_sentences
        self.filter_lorem_ipsum = filter_lorem_ipsum
        self.filter_curly_bracket = filter_curly_bracket
        self.bad_words_path = bad_words_path

    def check_params(self) -> None:
        check_number(
            self.name,
            "min_num_sentences",
            self.min_num_sentences,
            low=0,
            integer=True,
            allow_none=True,
        )
        for param in ("filter_lorem_ipsum", "filter_curly_bracket"):
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

        def check(text: str) -> str | None:
            sentences = 0
            for line in text.splitlines():
                if lorem and "lorem ipsum" in line.lower():
                    return "c4_lorem_ipsum"
                if curly and "{" in line:
                    return "c4_curly_bracket"
                if min_sentences is not None:
                    sentences += count_sentences(line)
            if min_sentences is not None and sentences < min_sentences:
                return "c4_too_few_sentences"
            if bad_words is not None and bad_words.search(text.lower()):
                return "c4_bad_words"
            return None

        return check
