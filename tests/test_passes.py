"""One pass over the corpus, per batch (dataprep.passes): PassPlan, start_batch, pass_task."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from dataprep.dedup.exact import ExactDedup
from dataprep.passes import (
    ColumnChanges,
    PassPlan,
    alive_rows,
    pass_task,
    pass_task_by_ref,
    start_batch,
)
from dataprep.quality.simple import LengthFilter
from dataprep.score.text import LengthScorer
from dataprep.stage import ROW_COLUMN, RunContext, Stage, set_column
from dataprep.storage import parsed as parsed_module
from dataprep.storage.parsed import ParsedCorpus


def bound(*stages):
    for stage in stages:
        stage.bind(RunContext())
    return list(stages)


def batch_of_texts(texts):
    return pa.RecordBatch.from_pydict(
        {"text": texts, ROW_COLUMN: pa.array(range(len(texts)), pa.int64())}
    )


class ScoredFilter(LengthFilter):
    """A filter with an output column: never skipped."""

    name = "scored_filter"

    def output_columns(self):
        return {"dp_x": pa.int64()}


def test_upto_skips_only_column_free_filters_among_the_covered_stages():
    stages = bound(LengthFilter(), LengthScorer(), ScoredFilter(), LengthFilter(min_words=2))
    assert PassPlan.upto(stages, 4, covered=3).skip == [True, False, False, False]
    assert PassPlan.upto(stages, 4, covered=4).skip == [True, False, False, True]
    assert PassPlan.upto(stages, 4).skip == [False] * 4
    plan = PassPlan.upto(stages, 2, covered=1, fit_stage=stages[3])
    assert plan.stages == stages[:2] and plan.skip == [True, False]
    assert plan.fit_stage is stages[3] and plan.first == 0


def test_tail_keeps_the_rest_and_records_its_first_index():
    stages = bound(LengthFilter(), LengthScorer(), ScoredFilter())
    fit = ExactDedup()
    plan = PassPlan.upto(stages, 3, covered=1, fit_stage=fit).tail(1)
    assert plan.stages == stages[1:]
    assert plan.skip == [False, False]
    assert plan.fit_stage is fit
    assert plan.first == 1


def test_start_batch_adds_null_reject_columns():
    batch = start_batch(batch_of_texts(["a", "b"]), None)
    assert batch.schema.names == ["text", ROW_COLUMN, "dp_reject_stage", "dp_reject_reason"]
    assert batch.column("dp_reject_stage").to_pylist() == [None, None]
    assert batch.column("dp_reject_reason").type == pa.string()


def test_start_batch_keeps_the_readers_reject_columns():
    read = batch_of_texts(["a", "b"])
    read = read.append_column("dp_reject_stage", pa.array(["input", None]))
    read = read.append_column("dp_reject_reason", pa.array(["bad_input_json", None]))
    batch = start_batch(read, None)
    assert batch.column("dp_reject_stage").to_pylist() == ["input", None]
    assert batch.column("dp_reject_reason").to_pylist() == ["bad_input_json", None]


def test_start_batch_sets_cached_decisions():
    read = batch_of_texts(["a", "b"])
    read = read.append_column("dp_reject_stage", pa.array(["input", None]))
    read = read.append_column("dp_reject_reason", pa.array(["bad_input_json", None]))
    cached = (pa.array([None, "length_filter"]), pa.array([None, "short"]))
    batch = start_batch(read, cached)
    assert batch.num_columns == 4
    assert batch.column("dp_reject_stage").to_pylist() == [None, "length_filter"]
    assert batch.column("dp_reject_reason").to_pylist() == [None, "short"]


def test_pass_task_writing_pass_transforms_the_batch():
    stages = bound(LengthFilter(min_words=2), LengthScorer())
    batch = batch_of_texts(["one", "two words", "three words here"])
    out, seconds = pass_task(PassPlan.upto(stages, 2), (batch, None))
    assert out.column("dp_reject_stage").to_pylist() == ["length_filter", None, None]
    assert out.column("dp_reject_reason").to_pylist() == ["length_below_min_words", None, None]
    assert out.column("dp_score_length").to_pylist() == [1.0, 2.0, 3.0]
    assert len(seconds) == 2


def test_pass_task_skipped_filter_keeps_the_cached_verdicts():
    stages = bound(LengthFilter(min_words=2))
    batch = batch_of_texts(["one", "two words"])
    cached = (pa.array([None, "length_filter"]), pa.array([None, "cached"]))
    out, _ = pass_task(PassPlan.upto(stages, 1, covered=1), (batch, cached))
    assert out.column("dp_reject_reason").to_pylist() == [None, "cached"]


def test_pass_task_fit_pass_returns_state_of_alive_rows_and_decisions():
    stages = bound(LengthFilter(min_words=2), ExactDedup())
    batch = batch_of_texts(["one", "two words", "more words", "Two  Words"])
    plan = PassPlan.upto(stages, 1, fit_stage=stages[1])
    state, decisions, seconds = pass_task(plan, (batch, None))
    rows, hashes = state
    assert rows.tolist() == [1, 2, 3]
    assert hashes.shape == (3, 2)
    assert (hashes[0] == hashes[2]).all() and not (hashes[0] == hashes[1]).all()
    assert decisions[0].to_pylist() == ["length_filter", None, None, None]
    assert decisions[1].to_pylist() == ["length_below_min_words", None, None, None]
    assert len(seconds) == 2  # the filter's, then the fit stage's


def test_pass_task_reads_a_batch_ref(tmp_path):
    stages = bound(LengthFilter(min_words=2))
    batches = [batch_of_texts(["one", "two words"]), batch_of_texts(["x y z", "w"])]
    parsed = ParsedCorpus(tmp_path / "parsed.arrow")
    list(parsed.keeping(batches))
    plan = PassPlan.upto(stages, 1)
    from_ref, _ = pass_task(plan, (list(parsed.refs())[1], None))
    direct, _ = pass_task(plan, (batches[1], None))
    assert from_ref.equals(direct)
    assert from_ref.column("dp_reject_stage").to_pylist() == [None, "length_filter"]


def test_alive_rows_drops_rejected_rows():
    batch = start_batch(batch_of_texts(["a", "b", "c"]), (pa.array([None, "s", None]),) * 2)
    assert alive_rows(batch).column("text").to_pylist() == ["a", "c"]
    untouched = start_batch(batch_of_texts(["a"]), None)
    assert alive_rows(untouched) is untouched
    assert np.array_equal(alive_rows(batch).column(ROW_COLUMN).to_numpy(), [0, 2])


class Uppercase(Stage):
    """A stage that rewrites the text column."""

    name = "uppercase"

    def transform_batch(self, batch):
        return set_column(batch, "text", pa.compute.utf8_upper(batch.column("text")))


def parsed_refs(tmp_path, batches):
    corpus = ParsedCorpus(tmp_path / "parsed.arrow")
    return list(corpus.keeping(batches, as_refs=True))


def test_a_writing_pass_by_ref_sends_back_only_the_changed_columns(tmp_path):
    stages = bound(LengthFilter(min_words=2), LengthScorer())
    batches = [batch_of_texts(["one", "two words"])]
    ref = parsed_refs(tmp_path, batches)[0]
    plan = PassPlan.upto(stages, 2)
    changes, seconds = pass_task_by_ref(plan, (ref, None))
    assert isinstance(changes, ColumnChanges) and len(seconds) == 2
    # The input columns are read again by the driver, not sent back.
    assert sorted(changes.changed) == ["dp_reject_reason", "dp_reject_stage", "dp_score_length"]
    whole, _ = pass_task(plan, (batches[0], None))
    assert changes.apply().equals(whole)
    parsed_module.release()


def test_a_rewritten_input_column_is_sent_back(tmp_path):
    stages = bound(Uppercase())
    ref = parsed_refs(tmp_path, [batch_of_texts(["ab", "c"])])[0]
    changes, _ = pass_task_by_ref(PassPlan.upto(stages, 1), (ref, None))
    assert "text" in changes.changed and ROW_COLUMN not in changes.changed
    assert changes.apply().column("text").to_pylist() == ["AB", "C"]
    parsed_module.release()


def test_a_fit_pass_by_ref_is_pass_task(tmp_path):
    stages = bound(LengthFilter(min_words=2))
    batches = [batch_of_texts(["one", "two words", "two words"])]
    ref = parsed_refs(tmp_path, batches)[0]
    plan = PassPlan.upto(stages, 1, fit_stage=ExactDedup())
    plan.fit_stage.bind(RunContext())
    by_ref = pass_task_by_ref(plan, (ref, None))
    direct = pass_task(plan, (batches[0], None))
    assert np.array_equal(by_ref[0][0], direct[0][0])  # the alive rows' row numbers
    assert np.array_equal(by_ref[0][1], direct[0][1])  # and their hashes
    assert by_ref[1][1].to_pylist() == direct[1][1].to_pylist()
    parsed_module.release()


def test_modifier_rewrites_rows_that_cached_decisions_reject_later():
    from dataprep.quality.c4 import C4LineCleaner, C4QualityFilter

    texts = ["Menu\nOne two three.", "Menu\nFour five six."]
    batch = batch_of_texts(texts)
    stages = bound(C4LineCleaner(), C4QualityFilter(), ExactDedup())
    # c4_quality's verdicts are cached (it is skipped): row 0 was rejected by it
    cached = (pa.array(["c4_quality", None]), pa.array(["c4_too_few_sentences", None]))
    plan = PassPlan.upto(stages, 2, covered=2)
    assert plan.skip == [False, True]
    out, _ = pass_task(plan, (batch, cached))
    assert out.column("text").to_pylist() == ["One two three.", "Four five six."]
    assert out.column("dp_c4_line_cleaner_lines_removed").to_pylist() == [1, 1]
    assert out.column("dp_reject_stage").to_pylist() == ["c4_quality", None]
