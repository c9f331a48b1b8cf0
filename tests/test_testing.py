"""dataprep.testing: make_batch, run_stage and reasons_of."""

import numpy as np
import pyarrow as pa
import pytest

from dataprep.errors import ConfigError
from dataprep.stage import REJECT_REASON, REJECT_STAGE, ROW_COLUMN, Filter, Scorer, Selector
from dataprep.testing import make_batch, reasons_of, run_stage, same_column

# --- make_batch ---


def test_make_batch_adds_row_numbers_and_empty_reject_columns():
    batch = make_batch([{"text": "a", "n": 1}, {"text": "b", "n": 2}, {"text": None, "n": 3}])
    assert batch.schema == pa.schema(
        [
            ("text", pa.string()),
            ("n", pa.int64()),
            (ROW_COLUMN, pa.int64()),
            (REJECT_STAGE, pa.string()),
            (REJECT_REASON, pa.string()),
        ]
    )
    assert batch.to_pydict() == {
        "text": ["a", "b", None],
        "n": [1, 2, 3],
        ROW_COLUMN: [0, 1, 2],
        REJECT_STAGE: [None, None, None],
        REJECT_REASON: [None, None, None],
    }


def test_make_batch_with_schema():
    schema = pa.schema([("text", pa.large_string()), ("score", pa.float32())])
    batch = make_batch([{"text": "é", "score": 1}], schema=schema)
    assert batch.schema.names == ["text", "score", ROW_COLUMN, REJECT_STAGE, REJECT_REASON]
    assert batch.schema.field("text").type == pa.large_string()
    assert batch.schema.field("score").type == pa.float32()
    assert batch.column("score").to_pylist() == [1.0]


def test_make_batch_of_no_records():
    batch = make_batch([])
    assert batch.num_rows == 0
    assert batch.schema.names == [ROW_COLUMN, REJECT_STAGE, REJECT_REASON]


# --- reasons_of ---


def test_reasons_of():
    batch = make_batch([{"text": "a"}, {"text": "b"}])
    assert reasons_of(batch) == [None, None]
    batch = batch.set_column(
        batch.schema.get_field_index(REJECT_REASON), REJECT_REASON, pa.array(["x", None])
    )
    assert reasons_of(batch) == ["x", None]


# --- run_stage ---


class EmptyFilter(Filter):
    """Rejects empty texts of the context's text column; records what it saw."""

    name = "empty"

    def __init__(self) -> None:
        self.contexts = []

    def reject_reasons(self, batch):
        self.contexts.append(self.context)
        column = batch.column(self.context.text_column).to_pylist()
        return ["empty" if not text else None for text in column]


def test_run_stage_filter_on_records():
    out = run_stage(EmptyFilter(), [{"text": "a"}, {"text": ""}, {"text": None}, {"text": "b"}])
    assert reasons_of(out) == [None, "empty", "empty", None]
    assert out.column(REJECT_STAGE).to_pylist() == [None, "empty", "empty", None]
    assert out.column(ROW_COLUMN).to_pylist() == [0, 1, 2, 3]
    assert out.column("text").to_pylist() == ["a", "", None, "b"]


def test_run_stage_binds_the_text_column_and_a_temporary_work_dir():
    stage = EmptyFilter()
    out = run_stage(
        stage, [{"body": "x", "text": ""}, {"body": "", "text": "y"}], text_column="body"
    )
    assert reasons_of(out) == [None, "empty"]
    (context,) = stage.contexts
    assert context.text_column == "body"
    assert context.work_dir.name.startswith("dataprep-test-")
    assert not context.work_dir.exists()  # removed once the run is over


def test_run_stage_binds_run_rows_when_given():
    from dataprep.settings import DEFAULT_RUN_ROWS

    stage = EmptyFilter()
    run_stage(stage, [{"text": "a"}])
    run_stage(stage, [{"text": "a"}], run_rows=3)
    assert [context.run_rows for context in stage.contexts] == [DEFAULT_RUN_ROWS, 3]


def test_run_stage_accepts_a_batch_with_earlier_rejections():
    batch = make_batch([{"text": ""}, {"text": ""}, {"text": "ok"}])
    batch = batch.set_column(
        batch.schema.get_field_index(REJECT_STAGE), REJECT_STAGE, pa.array(["pre", None, None])
    )
    batch = batch.set_column(
        batch.schema.get_field_index(REJECT_REASON), REJECT_REASON, pa.array(["why", None, None])
    )
    out = run_stage(EmptyFilter(), batch)
    assert reasons_of(out) == ["why", "empty", None]
    assert out.column(REJECT_STAGE).to_pylist() == ["pre", "empty", None]


class Halve(Scorer):
    name = "halve"

    def score(self, batch):
        return batch.column("n").to_numpy() / 2


def test_run_stage_scorer():
    out = run_stage(Halve(), [{"n": 1}, {"n": 4}])
    assert out.column("dp_score_halve").to_pylist() == [0.5, 2.0]
    assert reasons_of(out) == [None, None]


class RejectFirstSeen(Selector):
    """Rejects the first row of every fit_state piece; records the pieces' row numbers."""

    name = "first_seen"

    def __init__(self) -> None:
        self.pieces = []

    def fit_state(self, batch):
        rows = batch.column(ROW_COLUMN).to_numpy()
        self.pieces.append(rows.tolist())
        return rows[:1]

    def fit(self, states):
        rows = np.concatenate(list(states))
        self._set_rejections(rows, np.zeros(len(rows), np.int16), ["first"])


def records(n):
    return [{"text": str(i)} for i in range(n)]


def test_run_stage_selector_fits_on_one_piece_by_default():
    stage = RejectFirstSeen()
    out = run_stage(stage, records(4))
    assert stage.pieces == [[0, 1, 2, 3]]
    assert reasons_of(out) == ["first", None, None, None]


def test_run_stage_selector_fits_on_pieces_of_alive_rows_only():
    batch = make_batch(records(6))
    batch = batch.set_column(
        batch.schema.get_field_index(REJECT_STAGE),
        REJECT_STAGE,
        pa.array([None, "pre", None, None, "pre", None]),
    )
    stage = RejectFirstSeen()
    out = run_stage(stage, batch, batch_rows=2)
    assert stage.pieces == [[0, 2], [3, 5]]
    assert out.column(REJECT_STAGE).to_pylist() == [
        "first_seen",
        "pre",
        None,
        "first_seen",
        "pre",
        None,
    ]


def test_run_stage_selector_with_no_alive_rows_fits_one_empty_piece():
    batch = make_batch(records(2))
    batch = batch.set_column(
        batch.schema.get_field_index(REJECT_STAGE), REJECT_STAGE, pa.array(["pre", "pre"])
    )
    stage = RejectFirstSeen()
    out = run_stage(stage, batch, batch_rows=5)
    assert stage.pieces == [[]]
    assert out.column(REJECT_STAGE).to_pylist() == ["pre", "pre"]


def test_run_stage_checks_params_before_fitting():
    class Invalid(RejectFirstSeen):
        name = "invalid"

        def check_params(self):
            raise ConfigError("bad parameter")

    stage = Invalid()
    with pytest.raises(ConfigError, match="bad parameter"):
        run_stage(stage, records(3))
    assert stage.pieces == []


def test_same_column_takes_nan_as_equal_and_nothing_else():
    a = pa.chunked_array([[1.0, float("nan")], [None, 2.0]])
    assert same_column(a, pa.chunked_array([[1.0, float("nan"), None, 2.0]]))
    assert not a.equals(a)  # why it exists
    assert not same_column(a, pa.chunked_array([[1.0, float("nan"), 0.0, 2.0]]))
    assert not same_column(a, pa.chunked_array([[1.0, 3.0, None, 2.0]]))
    assert not same_column(pa.array([1.0]), pa.array([1], pa.int64()))
    assert same_column(pa.array(["x", None]), pa.array(["x", None]))
