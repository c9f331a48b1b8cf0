import numpy as np
import pytest

from dataprep.embed.settings import EncoderSettings
from dataprep.errors import ConfigError
from dataprep.select.balanced import importance
from dataprep.select.base import class_codes, class_split, label_key
from dataprep.select.ccs import CCS
from dataprep.select.d2 import D2Pruning
from dataprep.select.geometric import D4, DensitySample, FacilityLocation, KCenterGreedy, Prototypes
from dataprep.select.probcover import ProbCover
from dataprep.select.simple import RandomSelect, ScoreTopK, Stratified
from dataprep.select.typiclust import TypiClust
from dataprep.testing import reasons_of, run_stage

VEC = EncoderSettings(column="vec")


def stages(budget, **extra):
    return [
        TypiClust(budget=budget, **extra),
        ProbCover(budget=budget, knn=5, **extra),
        CCS(budget=budget, column="q", **extra),
        D2Pruning(budget=budget, column="q", strata=2, **extra),
    ]


def records():
    # classes 'a' (6 rows), 'b' (3), None (1), in this order of first appearance
    labels = ["a", "b", "a", "a", "b", "a", None, "a", "b", "a"]
    rng = np.random.default_rng(0)
    vectors, scores = rng.normal(size=(10, 4)), rng.random(10)
    return [
        {"text": f"t{i}", "vec": v.tolist(), "q": float(q), "label": lab}
        for i, (v, q, lab) in enumerate(zip(vectors, scores, labels, strict=True))
    ], labels


def test_helpers():
    assert label_key([1, {"b": 2, "a": [3]}]) == (1, (("a", (3,)), ("b", 2)))
    assert class_codes(["x", None, "x", "y"]).tolist() == [0, 1, 0, 2]
    assert importance(np.array([1.0, -2.0]), "low").tolist() == [-1.0, 2.0]


def test_budget_split_over_classes_like_stratified():
    rows, labels = records()
    # budget 5 of 10: quotas 3, 1.5, 0.5 -> 3, 1, 0 and the one left to the larger remainder
    # (0.5 tie: 'b' was seen first) -> a 3, b 2, None 0
    for stage in stages(5, class_balanced=True):
        out = run_stage(stage, rows, encoder=VEC, batch_rows=3)
        chosen = [i for i, r in enumerate(reasons_of(out)) if r is None]
        counts = {lab: sum(labels[i] == lab for i in chosen) for lab in ("a", "b", None)}
        assert counts == {"a": 3, "b": 2, None: 0}, stage.name
        # the selection order lists class 'a' first
        assert [labels[i] for i in stage.selected_rows_] == ["a", "a", "a", "b", "b"]
    for stage in stages(1.0 - 1e-9, class_balanced=True):
        out = run_stage(stage, rows, encoder=VEC)
        assert all(r is None for r in reasons_of(out)), stage.name


def test_within_a_class_the_method_sees_only_that_class():
    # rows A(p), A(p), A(q), B(q) with a tiny delta: over all rows row 0 covers 0, 1, 2 and
    # row 3 the rest; per class p gets row 0 and q's greedy sees only rows 2 and 3 (one each:
    # the earlier, 2)
    a, b = [1.0, 0.0], [0.0, 1.0]
    rows = [
        {"text": "x", "vec": v, "label": lab} for v, lab in [(a, "p"), (a, "p"), (a, "q"), (b, "q")]
    ]
    stage = ProbCover(budget=2, delta=0.1)
    run_stage(stage, rows, encoder=VEC)
    assert stage.selected_rows_.tolist() == [0, 3]
    stage = ProbCover(budget=2, delta=0.1, class_balanced=True)
    run_stage(stage, rows, encoder=VEC)
    assert stage.selected_rows_.tolist() == [0, 2]


def test_the_label_column_must_exist_when_balanced():
    with pytest.raises(ConfigError, match="no column 'cls'"):
        TypiClust(class_balanced=True, label_column="cls").check_columns(["text", "vec"])
    TypiClust().check_columns(["text"])  # not read unless balanced
    with pytest.raises(ConfigError, match="'label_column' parameter of ccs"):
        CCS(label_column="").check_params()


def test_class_split_by_hand():
    # sizes 6, 3, 1 and k = 5: quotas 3, 1.5, 0.5 -> 3, 1, 0, the leftover to 'b' (seen first)
    split = class_split(["a", "b", "a", "a", "b", "a", None, "a", "b", "a"], 5)
    assert [(m.tolist(), k) for m, k in split] == [([0, 2, 3, 5, 7, 9], 3), ([1, 4, 8], 2)]
    assert class_split([], 0) == []


def test_every_older_coreset_selector_takes_class_balanced_too():
    rows, labels = records()
    older = [
        RandomSelect(budget=5, class_balanced=True),
        ScoreTopK(budget=5, column="q", class_balanced=True),
        Stratified(budget=5, column="text", class_balanced=True),
        KCenterGreedy(budget=5, class_balanced=True),
        FacilityLocation(budget=5, knn=3, class_balanced=True),
        DensitySample(budget=5, knn=3, class_balanced=True),
        Prototypes(budget=5, num_clusters=2, class_balanced=True),
        D4(budget=5, num_clusters=2, eps=0.01, class_balanced=True),
    ]
    for stage in older:
        out = run_stage(stage, rows, encoder=VEC, batch_rows=4)
        chosen = [i for i, r in enumerate(reasons_of(out)) if r is None]
        counts = {lab: sum(labels[i] == lab for i in chosen) for lab in ("a", "b", None)}
        assert counts == {"a": 3, "b": 2, None: 0}, stage.name
        with pytest.raises(ConfigError, match="no column 'label'"):
            stage.check_columns(["text", "q", "vec"])
    # within a class score_topk ranks that class only: the top 3 of 'a' and the top 2 of 'b'
    q = [r["q"] for r in rows]
    stage = ScoreTopK(budget=5, column="q", class_balanced=True)
    run_stage(stage, rows)
    for lab, share in (("a", 3), ("b", 2)):
        members = [i for i in range(10) if labels[i] == lab]
        top = sorted(members, key=lambda i: -q[i])[:share]
        assert sorted(i for i in stage.selected_rows_ if labels[i] == lab) == sorted(top)
