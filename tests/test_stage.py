"""dataprep.stage: the Stage base class, the three stage kinds and the batch helpers."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from dataprep.errors import ConfigError
from dataprep.stage import (
    REJECT_REASON,
    REJECT_STAGE,
    ROW_COLUMN,
    Filter,
    Modifier,
    RunContext,
    Scorer,
    Selector,
    Stage,
    _lookup,
    alive_mask,
    mark_rejected,
    set_column,
    text_values,
)


def batch_of(texts, stages=None, reasons=None, rows=None):
    """A batch with a text column, optional row numbers and optional reject columns."""
    columns = {"text": pa.array(texts, pa.string())}
    if rows is not None:
        columns[ROW_COLUMN] = pa.array(rows, pa.int64())
    if stages is not None:
        columns[REJECT_STAGE] = pa.array(stages, pa.string())
        columns[REJECT_REASON] = pa.array(reasons, pa.string())
    return pa.RecordBatch.from_pydict(columns)


def column(batch, name):
    return batch.column(name).to_pylist()


# --- Stage: keyword-only parameters, params, repr, requirements ---


class Demo(Stage):
    name = "demo"

    def __init__(self, *, beta: int = 1, alpha: str = "x") -> None:
        self.beta = beta
        self.alpha = alpha


@pytest.mark.parametrize(
    "signature",
    ["self, a", "self, a=1", "self, *args", "self, **kwargs", "self, a, /", "self, *, a, **kw"],
)
def test_init_with_any_non_keyword_only_parameter_is_refused_at_class_creation(signature):
    namespace = {}
    exec(f"def __init__({signature}):\n    pass", namespace)
    with pytest.raises(TypeError, match=r"^Bad\.__init__ takes keyword-only parameters$"):
        type("Bad", (Stage,), {"name": "bad", "__init__": namespace["__init__"]})


def test_keyword_only_init_and_no_init_are_accepted():
    class Sub(Demo):  # inherits Demo's __init__: nothing to check, and its params are Demo's
        name = "sub"

    assert Sub.param_names() == ["beta", "alpha"]
    assert Sub(beta=3).get_params() == {"beta": 3, "alpha": "x"}


def test_param_names_follow_signature_order_not_alphabetical():
    assert Demo.param_names() == ["beta", "alpha"]
    assert Stage.param_names() == []


def test_get_params_reads_the_stored_attributes():
    stage = Demo(alpha="y")
    stage.beta = 7  # read back from the attribute, not from the call
    assert stage.get_params() == {"beta": 7, "alpha": "y"}


def test_get_params_fails_when_a_parameter_is_not_stored():
    class Forgetful(Stage):
        name = "forgetful"

        def __init__(self, *, size: int = 1) -> None:
            pass

    with pytest.raises(AttributeError):
        Forgetful().get_params()


def test_repr_shows_class_name_and_params_in_order_with_reprs():
    assert repr(Demo(beta=2, alpha="a b")) == "Demo(beta=2, alpha='a b')"
    assert repr(Stage()) == "Stage()"


def test_check_requirements_names_the_missing_module_and_pip_line():
    class Needy(Stage):
        name = "needy"
        requires = (("json", "pip install json"), ("dataprep_no_such_mod", "pip install thing>=2"))

    with pytest.raises(ConfigError) as info:
        Needy().check_requirements()
    assert str(info.value) == "needy needs the 'dataprep_no_such_mod' package: pip install thing>=2"


def test_check_requirements_passes_when_every_module_is_importable():
    class Fine(Stage):
        name = "fine"
        requires = (("json", "pip install json"), ("numpy", "pip install numpy"))

    Fine().check_requirements()
    Stage().check_requirements()


def test_context_defaults_until_bound():
    stage = Demo()
    assert stage.context == RunContext("text", "id", None)
    bound = RunContext(text_column="body", id_column="key", work_dir=Path("/tmp/w"))
    stage.bind(bound)
    assert stage.context is bound


def test_base_defaults():
    stage = Stage()
    assert stage.output_columns() == {}
    assert stage.check_params() is None
    assert stage.check_columns(["text"]) is None
    with pytest.raises(NotImplementedError):
        stage.transform_batch(batch_of(["a"]))
    assert (Filter.kind, Scorer.kind, Selector.kind) == ("filter", "scorer", "selector")
    assert (Filter.needs_fit, Scorer.needs_fit, Selector.needs_fit) == (False, False, True)


# --- Filter ---


class ShortFilter(Filter):
    """Rejects texts shorter than 3 characters; 'x' is rejected as 'has_x'; records what it saw."""

    name = "short"

    def __init__(self) -> None:
        self.seen = []

    def reject_reasons(self, batch):
        texts = text_values(batch, "text")
        self.seen.append(texts)
        return ["has_x" if t == "x" else "too_short" if len(t) < 3 else None for t in texts]


def test_filter_marks_rejections_with_stage_and_reason_and_keeps_rows():
    stage = ShortFilter()
    out = stage.transform_batch(batch_of(["ab", "abcd", "x", "hello"]))
    assert column(out, "text") == ["ab", "abcd", "x", "hello"]
    assert out.schema.names == ["text", REJECT_STAGE, REJECT_REASON]
    assert column(out, REJECT_STAGE) == ["short", None, "short", None]
    assert column(out, REJECT_REASON) == ["too_short", None, "has_x", None]
    assert stage.seen == [["ab", "abcd", "x", "hello"]]


def test_filter_that_keeps_everything_adds_no_columns():
    batch = batch_of(["long enough", "also long"])
    assert ShortFilter().transform_batch(batch) is batch


def test_filter_sees_only_alive_rows_and_leaves_earlier_rejections_alone():
    stage = ShortFilter()
    batch = batch_of(
        ["ab", "okay", "x", "fine", "no"],
        stages=["earlier", None, None, "earlier", None],
        reasons=["first", None, None, "other", None],
    )
    out = stage.transform_batch(batch)
    assert stage.seen == [["okay", "x", "no"]]
    assert column(out, REJECT_STAGE) == ["earlier", None, "short", "earlier", "short"]
    assert column(out, REJECT_REASON) == ["first", None, "has_x", "other", "too_short"]


def test_filter_with_no_alive_rows_does_not_call_reject_reasons():
    stage = ShortFilter()
    batch = batch_of(["a", "b"], stages=["e", "e"], reasons=["r", "r"])
    assert stage.transform_batch(batch) is batch
    assert stage.seen == []


# --- Scorer ---


class LengthScorer(Scorer):
    name = "length"

    def score(self, batch):
        return [len(t) for t in text_values(batch, "text")]  # ints: must become float64


def test_scorer_adds_float64_score_column_named_after_the_stage():
    stage = LengthScorer()
    assert stage.score_column == "dp_score_length"
    assert stage.output_columns() == {"dp_score_length": pa.float64()}
    out = stage.transform_batch(batch_of(["abc", None, "héllo"]))
    assert out.schema.field("dp_score_length").type == pa.float64()
    assert column(out, "dp_score_length") == [3.0, 0.0, 5.0]
    assert out.schema.names == ["text", "dp_score_length"]


def test_scorer_replaces_an_existing_score_column_in_place():
    batch = batch_of(["ab", "c"])
    batch = batch.append_column("dp_score_length", pa.array([9, 9], pa.int32()))
    batch = batch.append_column("after", pa.array([1, 2]))
    out = LengthScorer().transform_batch(batch)
    assert out.schema.names == ["text", "dp_score_length", "after"]
    assert out.schema.field("dp_score_length").type == pa.float64()
    assert column(out, "dp_score_length") == [2.0, 1.0]


# --- Selector ---


class FixedSelector(Selector):
    """A selector whose 'learned' rejections and row values are given up front."""

    name = "fixed"

    def __init__(self, *, rows=(), codes=(), reasons=(), value_rows=None, values=None) -> None:
        self.rows = rows
        self.codes = codes
        self.reasons = reasons
        self.value_rows = value_rows
        self.values = values

    def output_columns(self):
        return {"dp_cluster": pa.int64()}

    def fit_state(self, batch):
        return batch.num_rows

    def fit(self, states):
        self.states_ = list(states)
        self._set_rejections(np.array(self.rows), np.array(self.codes), list(self.reasons))
        if self.value_rows is not None:
            self._set_row_values("dp_cluster", np.array(self.value_rows), np.array(self.values))


def test_set_rejections_sorts_rows_and_keeps_codes_aligned():
    stage = FixedSelector(rows=[5, 1, 3], codes=[1, 0, 1], reasons=("dup", "far"))
    stage.fit([])
    assert stage.rejected_rows_.tolist() == [1, 3, 5]
    assert stage.rejected_rows_.dtype == np.int64
    assert stage.rejected_codes_.tolist() == [0, 1, 1]
    assert stage.rejected_codes_.dtype == np.int16
    assert stage.reasons_ == ["dup", "far"]


def test_set_row_values_sorts_rows_and_values_together():
    stage = FixedSelector(value_rows=[4, 0, 2], values=[40, 0, 20])
    stage.fit([])
    rows, values = stage.row_values_["dp_cluster"]
    assert rows.tolist() == [0, 2, 4]
    assert values.tolist() == [0, 20, 40]


def test_selector_rejects_by_global_row_number_across_batches():
    stage = FixedSelector(rows=[5, 1, 3], codes=[1, 0, 1], reasons=["dup", "far"])
    stage.fit([3, 3])
    assert stage.states_ == [3, 3]
    first = stage.transform_batch(batch_of(["a", "b", "c"], rows=[0, 1, 2]))
    second = stage.transform_batch(batch_of(["d", "e", "f"], rows=[3, 4, 5]))
    assert column(first, REJECT_STAGE) == [None, "fixed", None]
    assert column(first, REJECT_REASON) == [None, "dup", None]
    assert column(second, REJECT_STAGE) == ["fixed", None, "fixed"]
    assert column(second, REJECT_REASON) == ["far", None, "far"]


def test_selector_keeps_earlier_rejections():
    stage = FixedSelector(rows=[0, 1], codes=[0, 0], reasons=["dup"])
    stage.fit([])
    batch = batch_of(["a", "b", "c"], ["early", None, None], ["why", None, None], rows=[0, 1, 2])
    out = stage.transform_batch(batch)
    assert column(out, REJECT_STAGE) == ["early", "fixed", None]
    assert column(out, REJECT_REASON) == ["why", "dup", None]


def test_selector_row_values_fill_known_rows_and_null_the_rest():
    stage = FixedSelector(value_rows=[4, 0], values=[7, 9])
    stage.fit([])
    out = stage.transform_batch(batch_of(list("abcdef"), rows=[0, 1, 2, 3, 4, 5]))
    assert out.schema.field("dp_cluster").type == pa.int64()
    assert column(out, "dp_cluster") == [9, None, None, None, 7, None]
    assert REJECT_STAGE not in out.schema.names  # nothing rejected: no reject columns


def test_selector_row_values_do_not_overwrite_values_already_present():
    stage = FixedSelector(value_rows=[0, 1], values=[10, 11])
    stage.fit([])
    batch = batch_of(["a", "b", "c"], rows=[0, 1, 2])
    batch = batch.append_column("dp_cluster", pa.array([None, 5, 6], pa.int64()))
    out = stage.transform_batch(batch)
    assert out.schema.names == ["text", ROW_COLUMN, "dp_cluster"]
    assert column(out, "dp_cluster") == [10, 5, 6]


def test_selector_with_no_row_values_gives_an_all_null_typed_column():
    stage = FixedSelector(value_rows=[], values=[])
    stage.fit([])
    out = stage.transform_batch(batch_of(["a", "b"], rows=[0, 1]))
    assert out.schema.field("dp_cluster").type == pa.int64()
    assert column(out, "dp_cluster") == [None, None]


def test_selector_must_be_fitted_before_transform():
    with pytest.raises(RuntimeError, match="fixed must be fitted"):
        FixedSelector().transform_batch(batch_of(["a"], rows=[0]))


def test_selector_base_hooks_are_abstract():
    class Bare(Selector):
        name = "bare"

    with pytest.raises(NotImplementedError):
        Bare().fit_state(batch_of(["a"]))
    with pytest.raises(NotImplementedError):
        Bare().fit([])


# --- helpers ---


def test_lookup_finds_present_keys_and_clamps_the_rest():
    keys = np.array([2, 5, 9], dtype=np.int64)
    found, where = _lookup(keys, np.array([0, 2, 3, 9, 10, 5]))
    assert found.tolist() == [False, True, False, True, False, True]
    assert where.tolist() == [0, 0, 1, 2, 2, 1]


def test_lookup_with_no_keys():
    found, where = _lookup(np.array([], dtype=np.int64), np.array([1, 2, 3]))
    assert found.tolist() == [False, False, False]
    assert where.dtype == np.int64
    assert where.tolist() == [0, 0, 0]


def test_set_column_replaces_in_place_or_appends():
    batch = pa.RecordBatch.from_pydict({"a": [1, 2], "b": ["x", "y"]})
    replaced = set_column(batch, "a", pa.array([1.5, 2.5]))
    assert replaced.schema.names == ["a", "b"]
    assert replaced.schema.field("a").type == pa.float64()
    assert column(replaced, "a") == [1.5, 2.5]
    appended = set_column(batch, "c", pa.array([True, False]))
    assert appended.schema.names == ["a", "b", "c"]
    assert column(appended, "c") == [True, False]
    assert batch.schema.names == ["a", "b"]  # the input batch is not changed


def test_alive_mask():
    assert alive_mask(batch_of(["a", "b"])).tolist() == [True, True]
    batch = batch_of(["a", "b", "c"], [None, "s", None], [None, "r", None])
    mask = alive_mask(batch)
    assert mask.dtype == bool
    assert mask.tolist() == [True, False, True]


def test_mark_rejected_adds_string_columns_and_ignores_none_reasons():
    batch = batch_of(["a", "b", "c", "d"])
    out = mark_rejected(batch, "st", np.array([3, 0, 2]), ["r3", "r0", None])
    assert out.schema.field(REJECT_STAGE).type == pa.string()
    assert out.schema.field(REJECT_REASON).type == pa.string()
    assert column(out, REJECT_STAGE) == ["st", None, None, "st"]
    assert column(out, REJECT_REASON) == ["r0", None, None, "r3"]


def test_mark_rejected_first_rejection_wins():
    batch = batch_of(["a", "b", "c"], ["one", None, None], ["r1", None, None])
    out = mark_rejected(batch, "two", np.array([0, 1]), ["again", "new"])
    assert column(out, REJECT_STAGE) == ["one", "two", None]
    assert column(out, REJECT_REASON) == ["r1", "new", None]


def test_mark_rejected_with_nothing_to_mark_returns_the_batch_unchanged():
    batch = batch_of(["a", "b"])
    assert mark_rejected(batch, "st", np.array([0, 1]), [None, None]) is batch
    assert mark_rejected(batch, "st", np.array([], dtype=np.int64), []) is batch


def test_text_values_turns_nulls_into_empty_strings():
    batch = pa.RecordBatch.from_pydict(
        {"body": pa.array(["añb", None, "", "日本"], pa.large_string())}
    )
    assert text_values(batch, "body") == ["añb", "", "", "日本"]


# --- Modifier: rewrites alive rows' text, records what it removed, never rejects ---


class FirstLineKeeper(Modifier):
    name = "first_line"

    def rewrite(self, texts):
        return [t.split("\n")[0] for t in texts], [t.count("\n") for t in texts]


def test_modifier_rewrites_alive_rows_only_and_counts_removals():
    batch = batch_of(
        ["a\nbb\nc", "x\ny", "keep", None], ["earlier", None, None, None], ["r", None, None, None]
    )
    out = FirstLineKeeper().transform_batch(batch)
    assert column(out, "text") == ["a\nbb\nc", "x", "keep", None]
    assert column(out, "dp_first_line_lines_removed") == [None, 1, 0, 0]
    assert column(out, "dp_first_line_chars_removed") == [None, 2, 0, 0]
    assert column(out, REJECT_STAGE) == ["earlier", None, None, None]
    assert FirstLineKeeper().output_columns() == {
        "dp_first_line_lines_removed": pa.int64(),
        "dp_first_line_chars_removed": pa.int64(),
    }


def test_modifier_that_changes_nothing_keeps_the_text_buffers():
    batch = batch_of(["one", "two"])
    out = FirstLineKeeper().transform_batch(batch)
    assert out.column("text").buffers()[2].address == batch.column("text").buffers()[2].address
    assert FirstLineKeeper.kind == "modifier"
