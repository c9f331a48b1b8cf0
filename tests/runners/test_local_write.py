import json

import pyarrow as pa

from dataprep.dedup.exact import ExactDedup
from dataprep.output import load_result
from dataprep.pipeline import Pipeline
from dataprep.quality.simple import LengthFilter
from dataprep.settings import RunSettings


def test_shard_boundaries_depend_on_data_not_on_num_proc_and_result_reloads(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        "".join(json.dumps({"text": f"w{i % 7} " * (1 + i % 13)}) + "\n" for i in range(300))
    )
    results = []
    for num_proc in (1, 2):
        stages = [LengthFilter(min_words=3), ExactDedup()]
        pipeline = Pipeline(
            stages, settings=RunSettings(batch_rows=16, max_shard_bytes=2048, num_proc=num_proc)
        )
        results.append(pipeline.run([str(path)], tmp_path / f"o{num_proc}"))
    for split in ("data", "rejected"):
        names = sorted(p.name for p in (tmp_path / "o1" / split).iterdir())
        assert len(names) > 3
        for name in names:
            left = (tmp_path / "o1" / split / name).read_bytes()
            assert left == (tmp_path / "o2" / split / name).read_bytes()
    loaded = load_result(tmp_path / "o1")
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (
        results[0].rows_in,
        results[0].rows_kept,
        results[0].rows_rejected,
    )
    assert [s.name for s in loaded.stages] == ["length_filter", "exact_dedup"]


def test_rejected_rows_of_bad_input_carry_the_error(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "a b c d"}\n{"text": 3}\n')
    Pipeline([LengthFilter(min_words=1)], settings=RunSettings(on_error="reject")).run(
        [str(path)], tmp_path / "o"
    )
    with pa.memory_map(str(tmp_path / "o" / "rejected" / "data-00000-of-00001.arrow")) as f:
        rejected = pa.ipc.open_stream(f).read_all().to_pylist()
    assert rejected == [
        {
            "text": '{"text": 3}',
            "id": "in.jsonl:1",
            "dp_reject_stage": "input",
            "dp_reject_reason": "bad_input_non_string_text",
            "dp_input_error": "in.jsonl:line 2: column 'text' holds int, expected a string",
        }
    ]
