import pyarrow as pa

from dataprep.storage.decisions import DecisionLog


def test_decisions_read_back_batch_by_batch_in_order(tmp_path):
    log = DecisionLog(tmp_path / "d.arrow", covered=2)
    batches = [
        (pa.array([None, "gopher_quality"]), pa.array([None, "gopher_short_doc"])),
        (pa.array([None], pa.string()), pa.array([None], pa.string())),
    ]
    for stages, reasons in batches:
        log.append(stages, reasons)
    log.close()
    assert log.covered == 2
    read = list(log.read())
    assert [(s.to_pylist(), r.to_pylist()) for s, r in read] == [
        ([None, "gopher_quality"], [None, "gopher_short_doc"]),
        ([None], [None]),
    ]
    log.remove()
    assert not (tmp_path / "d.arrow").exists()
