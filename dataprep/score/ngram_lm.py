"""``ngram_perplexity``: perplexity of each document under a word n-gram language model with
interpolated Kneser-Ney smoothing, trained on a local reference corpus.

Model (Chen & Goodman 1998, "An Empirical Study of Smoothing Techniques for Language
Modeling", TR-10-98, eq. 17-18 and sec. 3.5, interpolated KN with one discount per order)::

    p_k(w | h) = max(c_k(h w) - D_k, 0) / c_k(h .)  +  D_k * N1+(h .) / c_k(h .) * p_{k-1}(w | h')

for orders k = n .. 1, where h is the last k-1 words, h' drops h's first word, c_k(h .) is the
sum of c_k(h v) over all v and N1+(h .) the number of distinct v with c_k(h v) > 0.
- c_n is the raw count of the n-gram; for k < n, c_k(g) = N1+(. g) is the continuation count:
  the number of distinct words seen before g (Kneser & Ney 1995).
- When c_k(h .) = 0 (history never seen), p_k(w | h) = p_{k-1}(w | h').
- p_0(w) = 1 / |V|: the unigram level is interpolated with the uniform distribution over the
  vocabulary V = training words (except <s>) + "</s>" + "<unk>". Words absent from training map
  to "<unk>", which therefore gets p_1(<unk>) = D_1 * N1+(.) / c_1(.) / |V| (the mass the
  unigram discount frees, spread evenly). This is the choice of KenLM's ``--interpolate_unigrams``
  and keeps every probability positive and each p(. | h) summing to 1 over V.
- D_k = n1 / (n1 + 2 n2) (Ney, Essen & Kneser 1994), where n1 and n2 are the numbers of
  k-grams with c_k equal to 1 and 2; when n1 = 0 (tiny corpora) D_k = 0.5. A fixed ``discount``
  overrides every order.

Tokens are the whitespace-separated words of the lowercased text. Each document (or, with
``per_line``, each non-empty line) is one sequence, padded as ``<s>`` * (n-1) + words + ``</s>``
(Jurafsky & Martin, 3rd ed., sec. 3.1): every predicted word, ``</s>`` included, has a full
history, and ``<s>`` is never predicted. Score = exp(-(1/T) sum ln p(token | history)) over the
T predicted tokens of the document (``</s>`` included); NaN for a document without words.

Parameters:
    reference: path of a local reference corpus (JSONL, optionally .gz/.zst, Parquet, Arrow, or a
        .txt/.txt.gz file with one document per line); required. Read on the first score call.
    n: the model order, an int in [2, 5] (default 3).
    discount: a fixed discount in (0, 1] for every order, or null (default) for D_k above.
    per_line: treat each line as its own sequence, in training and scoring (default False).
    reference_column: the text column of a tabular reference (default "text").

Memory: the counts are Python dicts with at most n * (T_ref + S_ref) entries, T_ref the tokens
and S_ref the sequences of the reference corpus (measured 0.23 KB per reference token at n = 3
on wikitext-2 valid; budget 0.3 KB, so a 2-million-token reference needs about 0.6 GB).
Each worker process loads its own copy.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa

from dataprep.params import check_bool, check_number, check_string
from dataprep.registry import register
from dataprep.score.rarity import read_reference_texts
from dataprep.stage import Scorer, text_values

BOS = "<s>"
EOS = "</s>"
UNK = "<unk>"
FALLBACK_DISCOUNT = 0.5


def sequences(text: str, per_line: bool = False) -> list[list[str]]:
    """The token sequences of a text: lowercased whitespace tokens, one list per document (or per
    non-empty line)."""
    text = text.lower()
    if not per_line:
        tokens = text.split()
        return [tokens] if tokens else []
    return [tokens for tokens in (line.split() for line in text.splitlines()) if tokens]


class KneserNeyLM:
    """Interpolated Kneser-Ney word n-gram model (see the module docstring for the formulas).

    ``KneserNeyLM.train(sequences, n=3)`` builds one; ``prob(word, context)`` is p(word | the
    last n-1 words of context), where a context shorter than n-1 words is taken as the start of
    a sequence (left-padded with <s>); ``logprob_sequence(tokens)`` sums ln p over a sequence.
    """

    def __init__(self, n: int = 3, discount: float | None = None) -> None:
        self.n = n
        self.discount = discount
        self._ngrams: Counter = Counter()

    @classmethod
    def train(
        cls, seqs: Iterable[Sequence[str]], n: int = 3, discount: float | None = None
    ) -> KneserNeyLM:
        model = cls(n, discount)
        for tokens in seqs:
            model.add(tokens)
        model.finish()
        return model

    def _padded(self, tokens: Sequence[str]) -> list[str]:
        return [BOS] * (self.n - 1) + list(tokens) + [EOS]

    def add(self, tokens: Sequence[str]) -> None:
        """Count the n-grams of one training sequence (before ``finish``)."""
        padded = self._padded(tokens)
        n = self.n
        self._ngrams.update(tuple(padded[i - n + 1 : i + 1]) for i in range(n - 1, len(padded)))

    def finish(self) -> None:
        """Derive continuation counts, history totals and discounts from the n-gram counts."""
        n = self.n
        # counts[k]: k-gram -> c_k; history[k]: (k-1)-gram -> [c_k(h .), N1+(h .)]
        self.counts: list[dict] = [{} for _ in range(n + 1)]
        self.counts[n] = dict(self._ngrams)
        del self._ngrams
        for k in range(n - 1, 0, -1):
            continuation: Counter = Counter(gram[1:] for gram in self.counts[k + 1])
            self.counts[k] = dict(continuation)
        self.history: list[dict] = [{} for _ in range(n + 1)]
        self.discounts = [0.0] * (n + 1)
        for k in range(1, n + 1):
            history = self.history[k]
            n1 = n2 = 0
            for gram, count in self.counts[k].items():
                stats = history.get(gram[:-1])
                if stats is None:
                    history[gram[:-1]] = [count, 1]
                else:
                    stats[0] += count
                    stats[1] += 1
                n1 += count == 1
                n2 += count == 2
            if self.discount is not None:
                self.discounts[k] = float(self.discount)
            else:
                self.discounts[k] = n1 / (n1 + 2 * n2) if n1 > 0 else FALLBACK_DISCOUNT
        self.vocab = frozenset(gram[0] for gram in self.counts[1]) | {UNK}

    def _map(self, word: str) -> str:
        return word if word in self.vocab or word == BOS else UNK

    def prob(self, word: str, context: Sequence[str] = ()) -> float:
        """p(word | context); a word outside the vocabulary gets p(<unk> | context)."""
        history = [self._map(w) for w in list(context)[len(context) - (self.n - 1) :]]
        history = [BOS] * (self.n - 1 - len(history)) + history
        return self._prob(self._map(word), tuple(history))

    def _prob(self, word: str, history: tuple) -> float:
        p = 1.0 / len(self.vocab)
        for k in range(1, self.n + 1):
            h = history[len(history) - (k - 1) :] if k > 1 else ()
            stats = self.history[k].get(h)
            if stats is None:
                continue
            total, types = stats
            discount = self.discounts[k]
            count = self.counts[k].get((*h, word), 0)
            p = (max(count - discount, 0.0) + discount * types * p) / total
        return p

    def logprob_sequence(self, tokens: Sequence[str]) -> tuple[float, int]:
        """(sum of ln p, number of predicted tokens) over ``tokens`` followed by </s>."""
        padded = [self._map(w) for w in self._padded(tokens)]
        n = self.n
        logs = [
            math.log(self._prob(padded[i], tuple(padded[i - n + 1 : i])))
            for i in range(n - 1, len(padded))
        ]
        return math.fsum(logs), len(logs)

    def perplexity(self, seqs: Iterable[Sequence[str]]) -> float:
        """exp(-mean ln p) over all predicted tokens of ``seqs``; NaN when there are none."""
        parts = [self.logprob_sequence(tokens) for tokens in seqs]
        count = sum(c for _, c in parts)
        if count == 0:
            return float("nan")
        return math.exp(-math.fsum(s for s, _ in parts) / count)


@register
class NgramPerplexityScorer(Scorer):
    """Perplexity under an interpolated Kneser-Ney n-gram model of a reference corpus."""

    name = "ngram_perplexity"
    version = 1

    def __init__(
        self,
        *,
        reference: str = "",
        n: int = 3,
        discount: float | None = None,
        per_line: bool = False,
        reference_column: str = "text",
    ) -> None:
        self.reference = reference
        self.n = n
        self.discount = discount
        self.per_line = per_line
        self.reference_column = reference_column

    def check_params(self) -> None:
        check_string(self.name, "reference", self.reference)
        check_number(self.name, "n", self.n, low=2, high=5, integer=True)
        check_number(
            self.name, "discount", self.discount, low=0, high=1, low_open=True, allow_none=True
        )
        check_bool(self.name, "per_line", self.per_line)
        check_string(self.name, "reference_column", self.reference_column)

    def model(self) -> KneserNeyLM:
        """The model, trained on the reference corpus on first use."""
        if getattr(self, "model_", None) is None:
            texts = read_reference_texts(self.reference, self.reference_column, self.name)
            seqs = (s for text in texts for s in sequences(text, self.per_line))
            self.model_ = KneserNeyLM.train(seqs, self.n, self.discount)
        return self.model_

    def score(self, batch: pa.RecordBatch) -> np.ndarray:
        model = self.model()
        texts = text_values(batch, self.context.text_column)
        return np.array([model.perplexity(sequences(t, self.per_line)) for t in texts], np.float64)
