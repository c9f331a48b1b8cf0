"""Collate: rows with nulls become a batch, nulls kept, each column's type fixed by the dataset."""

import pyarrow as pa
import pytest

torch = pytest.importorskip("torch")
datasets = pytest.importorskip("datasets")

from torch.utils.data import DataLoader  # noqa: E402

from dataprep.errors import ConfigError  # noqa: E402
from dataprep.sampling import Collate as ExportedCollate  # noqa: E402
from dataprep.sampling.collate import Collate, nullable_columns  # noqa: E402


def table() -> pa.Table:
    # rows 0 and 1 hold no null; rows 2 and 3 are outside a duplicate group or unscored
    return pa.table(
        {
            "id": ["a", "b", "c", "d"],
            "chapter": [1, 2, 3, 4],
            "dp_dup_cluster": pa.array([7, 7, None, None], pa.int64()),
            "dp_score_x": pa.array([0.5, 1.5, None, 2.5], pa.float64()),
        }
    )


def test_default_collate_fails_on_a_null_and_collate_keeps_it():
    dataset = datasets.Dataset(table())
    for indices in ([0, 2], [2, 0]):  # RuntimeError or TypeError, by which comes first
        with pytest.raises((RuntimeError, TypeError), match="NoneType"):
            list(DataLoader(dataset, batch_sampler=[indices]))
    loader = DataLoader(dataset, batch_sampler=[[0, 2], [3, 1]], collate_fn=Collate(dataset))
    first, second = list(loader)
    assert first["id"] == ["a", "c"] and second["id"] == ["d", "b"]
    assert first["chapter"].tolist() == [1, 3] and first["chapter"].dtype == torch.int64
    assert first["dp_dup_cluster"] == [7, None] and second["dp_dup_cluster"] == [None, 7]
    assert first["dp_score_x"] == [0.5, None] and second["dp_score_x"] == [2.5, 1.5]


def test_a_nullable_column_is_a_list_even_in_a_batch_without_null():
    rows = datasets.Dataset(table())[:2]
    rows = [dict(zip(rows, values, strict=True)) for values in zip(*rows.values(), strict=True)]
    batch = Collate(table())(rows)
    assert batch["dp_dup_cluster"] == [7, 7] and batch["dp_score_x"] == [0.5, 1.5]
    assert batch["chapter"].tolist() == [1, 2]
    # without a source the type follows the batch: no None here, so a tensor
    assert Collate()(rows)["dp_dup_cluster"].tolist() == [7, 7]
    assert Collate()([*rows, {**rows[0], "dp_dup_cluster": None}])["dp_dup_cluster"] == [7, 7, None]


def test_columns_selects_and_orders():
    rows = [{"a": 1, "b": "x", "c": None}, {"a": 2, "b": "y", "c": 3}]
    batch = Collate(columns=["b", "a"])(rows)
    assert list(batch) == ["b", "a"] and batch["b"] == ["x", "y"] and batch["a"].tolist() == [1, 2]
    with pytest.raises(ConfigError, match=r"^Collate: the rows have no column 'd'; their columns"):
        Collate(columns=["d"])(rows)
    with pytest.raises(ConfigError, match=r"Collate takes rows as dicts .* Got tuple instead"):
        Collate()([(1, 2)])
    assert Collate()([]) == {}


def test_the_nullable_columns_of_each_kind_of_source(tmp_path):
    datasets.Dataset(table()).save_to_disk(str(tmp_path / "data"))
    expected = {"dp_dup_cluster", "dp_score_x"}
    assert nullable_columns(table()) == expected
    assert nullable_columns(table().to_batches()[0]) == expected
    assert nullable_columns(datasets.Dataset(table())) == expected
    assert nullable_columns(str(tmp_path / "data")) == expected
    assert nullable_columns(tmp_path / "data") == expected
    assert ExportedCollate is Collate
    with pytest.raises(ConfigError, match=r"The source of Collate must be .* Got list instead"):
        Collate([1, 2])
